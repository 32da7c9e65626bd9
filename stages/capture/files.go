package capture

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// DefaultFilesCache is how many bytes of images a files capture keeps in
// memory by default.
const DefaultFilesCache = 64 << 20

// FilesOptions configure a files capture. The attributes of [FilesKind]
// document each setting.
type FilesOptions struct {
	// Path is a directory or a glob. Required.
	Path string
	// FPS is the frame rate; default DefaultFPS.
	FPS float64
	// Loop plays the images over and over. Note that the zero value plays
	// them once, while the configuration attribute defaults to true.
	Loop bool
	// CacheBytes bounds the images kept in memory: DefaultFilesCache when
	// 0, none when negative. Images beyond it are read again each time
	// they are played.
	CacheBytes int64
}

// withDefaults fills in zero fields and checks the result.
func (o FilesOptions) withDefaults() (FilesOptions, error) {
	o.FPS = orDefault(o.FPS, DefaultFPS)
	o.CacheBytes = orDefault(o.CacheBytes, DefaultFilesCache)
	if o.Path == "" {
		return o, badOption("path", "no path",
			`path needs a directory of JPEG images or a glob such as "frames/*.jpg"`)
	}
	return o, checkFPS(o.FPS)
}

// Files is the files capture: JPEG images from disk played at a fixed
// rate. Build it with NewFiles.
//
// Images are read when first played and kept in memory while their total
// stays within CacheBytes; a cached image is emitted again without
// copying (frames are immutable). Later changes to a cached file are not
// seen. A file that cannot be read or is not a JPEG is skipped with a
// warning, counted once as an invalid drop and left out of later loops.
type Files struct {
	opts   FilesOptions
	log    *slog.Logger
	report pipeline.Reporter
	seq    pipeline.Sequencer

	names  []string // the images, found by Start
	cache  [][]byte // cache[i] holds names[i] when cached
	cached int64    // bytes in cache
	bad    []bool   // bad[i]: names[i] was skipped
}

// NewFiles returns a files capture. It checks the options but does not look
// at the disk; Start does.
func NewFiles(opts FilesOptions, env pipeline.Env) (*Files, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("capture files: %w", err)
	}
	log, report := tools(env)
	return &Files{opts: opts, log: log, report: report}, nil
}

// Start lists the images; finding none is an error naming the path.
func (f *Files) Start(context.Context) error {
	names, err := listImages(f.opts.Path)
	if err != nil {
		return err
	}
	f.names = names
	f.cache = make([][]byte, len(names))
	f.bad = make([]bool, len(names))
	f.cached = 0
	f.log.Debug("capture files found images", "frames", len(names))
	return nil
}

// Describe implements pipeline.Describer.
func (f *Files) Describe(pipeline.StreamInfo) pipeline.StreamInfo { return describe(f.opts.FPS) }

// Run plays the images in order at the configured rate, looping if asked,
// until ctx is cancelled or, without Loop, after the last image; then it
// returns nil. It fails when a whole pass finds no playable image.
func (f *Files) Run(ctx context.Context, out pipeline.Output) error {
	if f.names == nil {
		if err := f.Start(ctx); err != nil {
			return err
		}
	}
	p := newPacer(f.opts.FPS)
	defer p.stop()

	for {
		played := 0
		for i := range f.names {
			if f.bad[i] {
				continue
			}
			loadStart := time.Now()
			payload, err := f.load(i)
			loading := time.Since(loadStart)
			if err != nil {
				f.bad[i] = true
				f.log.Warn("skipping image", "error", err, "reason", "unreadable or not a JPEG")
				f.report.Drop(pipeline.DropInvalid, 1)
				continue
			}

			// The image is ready: wait for its slot, then emit it.
			skipped, err := p.wait(ctx)
			if err != nil {
				return nil
			}
			if skipped > 0 {
				f.report.Skip(int(skipped))
			}
			emitStart := time.Now()
			frame := pipeline.NewFrame(f.seq.Next(), emitStart, pipeline.ContentTypeJPEG, payload)
			if err := out.Emit(ctx, pipeline.Single("", frame)); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			f.report.Processed(1, loading+time.Since(emitStart))
			played++
		}
		if played == 0 {
			return fmt.Errorf("none of the %d files matched by %q could be played "+
				"as a JPEG image; see the warnings above", len(f.names), f.opts.Path)
		}
		if !f.opts.Loop {
			return nil
		}
	}
}

// load returns image i, from the cache or the disk, caching it if it fits.
func (f *Files) load(i int) ([]byte, error) {
	if b := f.cache[i]; b != nil {
		return b, nil
	}
	b, err := readImage(f.names[i])
	if err != nil {
		return nil, err
	}
	if f.cached+int64(len(b)) <= f.opts.CacheBytes {
		f.cache[i] = b
		f.cached += int64(len(b))
	}
	return b, nil
}

// Interface guards.
var (
	_ pipeline.Source    = (*Files)(nil)
	_ pipeline.Starter   = (*Files)(nil)
	_ pipeline.Describer = (*Files)(nil)
)
