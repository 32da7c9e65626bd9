// Package filesink provides the file sink, which records one quality tier
// of the stream to disk: as one MJPEG file (the JPEGs back to back, which
// ffmpeg and most players read as a video) or as a directory of numbered
// JPEG files.
package filesink

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/streampipe/streampipe/pipeline"
)

// Format is how frames are laid out on disk.
type Format string

// The formats a file sink writes.
const (
	// MJPEG writes every frame to one file, JPEGs back to back.
	MJPEG Format = "mjpeg"
	// JPEG writes each frame to its own file in a directory, named by its
	// sequence number: 0000000042.jpg.
	JPEG Format = "jpeg"
)

// writeBuffer is the MJPEG writer's buffer: a few typical frames, so most
// frames cost no system call.
const writeBuffer = 256 << 10

// Options configure a file sink.
type Options struct {
	// Path is the MJPEG file, replaced if it exists (its directory must
	// exist), or for JPEG the directory, created if missing.
	Path string
	// Format defaults to MJPEG.
	Format Format
	// Tier is the quality tier to record; empty means the first tier of
	// the stream (or, before any quality stage, the untiered stream).
	Tier string
}

// Sink is the file sink. It implements [pipeline.Sink], [pipeline.Starter]
// and [pipeline.Closer]: Start opens the file or creates the directory,
// Consume writes the tier's frames, Close flushes and closes.
type Sink struct {
	opts Options
	log  *slog.Logger

	file   *os.File
	w      *bufio.Writer
	frames int
	closed bool
}

// New returns a file sink for the stream env.Upstream. It checks the
// options but touches nothing on disk until Start.
func New(opts Options, env pipeline.Env) (*Sink, error) {
	if opts.Path == "" {
		return nil, errors.New("file sink: path is required")
	}
	if opts.Format == "" {
		opts.Format = MJPEG
	}
	if opts.Format != MJPEG && opts.Format != JPEG {
		return nil, fmt.Errorf("file sink: format %q: must be %q or %q", opts.Format, MJPEG, JPEG)
	}
	if ct := env.Upstream.ContentType; ct != "" && ct != pipeline.ContentTypeJPEG {
		return nil, fmt.Errorf("file sink: the stream carries %s, not JPEG", ct)
	}
	tiers := env.Upstream.Tiers
	if opts.Tier == "" && len(tiers) > 0 {
		opts.Tier = tiers[0].Name
	} else if _, ok := env.Upstream.Tier(opts.Tier); opts.Tier != "" && !ok {
		return nil, fmt.Errorf("file sink: the stream has no tier %q", opts.Tier)
	}
	s := &Sink{opts: opts, log: env.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// WritePaths returns the path the sink writes to, so that telemetry
// reports the use of its file system (telemetry.DiskWriter).
func (s *Sink) WritePaths() []string { return []string{s.opts.Path} }

// Tier returns the tier the sink records.
func (s *Sink) Tier() string { return s.opts.Tier }

// Start implements [pipeline.Starter].
func (s *Sink) Start(context.Context) error {
	if s.opts.Format == JPEG {
		if err := os.MkdirAll(s.opts.Path, 0o755); err != nil {
			return fmt.Errorf("file sink: %w", err)
		}
		return nil
	}
	f, err := os.Create(s.opts.Path)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	s.file, s.w = f, bufio.NewWriterSize(f, writeBuffer)
	return nil
}

// Consume implements [pipeline.Sink]. It writes the frames of the sink's
// tier and ignores the others. A write error stops the pipeline: a
// recording with holes is worse than a clear failure.
func (s *Sink) Consume(_ context.Context, m pipeline.Message) error {
	if m.Tier != s.opts.Tier {
		return nil
	}
	for _, f := range m.Frames {
		if err := s.write(f); err != nil {
			return fmt.Errorf("file sink: frame %d: %w", f.Seq, err)
		}
		s.frames++
	}
	return nil
}

func (s *Sink) write(f *pipeline.Frame) error {
	if s.opts.Format == MJPEG {
		if s.w == nil {
			return errors.New("not started")
		}
		_, err := s.w.Write(f.Payload)
		return err
	}

	// Write under a temporary name and rename, so that whoever watches
	// the directory never sees half a picture.
	name := filepath.Join(s.opts.Path, fmt.Sprintf("%010d.jpg", f.Seq))
	tmp := name + ".part"
	if err := os.WriteFile(tmp, f.Payload, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// Close implements [pipeline.Closer]: it flushes and closes the MJPEG
// file. It may be called more than once.
func (s *Sink) Close(context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.log.Info("recording closed", "quality", s.opts.Tier, "frames", s.frames)
	if s.file == nil {
		return nil
	}
	flushErr := s.w.Flush()
	closeErr := s.file.Close()
	s.file, s.w = nil, nil
	if err := errors.Join(flushErr, closeErr); err != nil {
		return fmt.Errorf("file sink: close %s: %w", s.opts.Path, err)
	}
	return nil
}

// Interface guards.
var (
	_ pipeline.Sink    = (*Sink)(nil)
	_ pipeline.Starter = (*Sink)(nil)
	_ pipeline.Closer  = (*Sink)(nil)
)
