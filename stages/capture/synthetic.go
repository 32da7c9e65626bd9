package capture

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Defaults of SyntheticOptions.
const (
	DefaultWidth       = 640
	DefaultHeight      = 360
	DefaultJPEGQuality = 75
)

// SyntheticOptions configure a synthetic capture. The attributes of
// [SyntheticKind] document each setting; a zero field takes the default.
type SyntheticOptions struct {
	// FPS is the frame rate; default DefaultFPS.
	FPS float64
	// Width and Height are the frame size in pixels; defaults
	// DefaultWidth and DefaultHeight.
	Width, Height int
	// JPEGQuality is the encoder's quality, 1 to 100; default
	// DefaultJPEGQuality.
	JPEGQuality int
	// Frames ends the stream after that many frames; 0 means never.
	Frames int
}

// Limits of SyntheticOptions, matching the attributes' ranges.
const (
	minSide   = 16
	maxWidth  = 7680
	maxHeight = 4320
)

// withDefaults fills in zero fields and checks the result.
func (o SyntheticOptions) withDefaults() (SyntheticOptions, error) {
	o.FPS = orDefault(o.FPS, DefaultFPS)
	o.Width = orDefault(o.Width, DefaultWidth)
	o.Height = orDefault(o.Height, DefaultHeight)
	o.JPEGQuality = orDefault(o.JPEGQuality, DefaultJPEGQuality)
	switch {
	case o.Width < minSide || o.Width > maxWidth:
		return o, badOption("width", "out of range",
			"width is %d; give between %d and %d pixels", o.Width, minSide, maxWidth)
	case o.Height < minSide || o.Height > maxHeight:
		return o, badOption("height", "out of range",
			"height is %d; give between %d and %d pixels", o.Height, minSide, maxHeight)
	case o.JPEGQuality < 1 || o.JPEGQuality > 100:
		return o, badOption("jpeg_quality", "out of range",
			"jpeg_quality is %d; give between 1 and 100", o.JPEGQuality)
	case o.Frames < 0:
		return o, badOption("frames", "negative count",
			"frames is %d; give 0 for an endless stream or the number of frames", o.Frames)
	}
	return o, checkFPS(o.FPS)
}

// Synthetic is the synthetic capture: a generated test pattern that needs
// nothing installed. Build it with NewSynthetic.
type Synthetic struct {
	opts    SyntheticOptions
	log     *slog.Logger
	report  pipeline.Reporter
	seq     pipeline.Sequencer
	pattern *pattern
}

// NewSynthetic returns a synthetic capture. It allocates nothing large:
// the pattern (two frames' worth of pixels) is drawn when Run begins.
func NewSynthetic(opts SyntheticOptions, env pipeline.Env) (*Synthetic, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("capture synthetic: %w", err)
	}
	log, report := tools(env)
	return &Synthetic{opts: opts, log: log, report: report}, nil
}

// Describe implements pipeline.Describer.
func (s *Synthetic) Describe(pipeline.StreamInfo) pipeline.StreamInfo {
	return describe(s.opts.FPS)
}

// Run emits frames at the configured rate until ctx is cancelled or, when
// Frames is set, that many frames have been emitted; then it returns nil.
// When drawing a frame takes longer than a frame period, the slots missed
// are skipped (and reported as skips) rather than made up in a burst.
func (s *Synthetic) Run(ctx context.Context, out pipeline.Output) error {
	if s.pattern == nil {
		s.pattern = newPattern(s.opts.Width, s.opts.Height, s.opts.JPEGQuality)
	}
	p := newPacer(s.opts.FPS)
	defer p.stop()
	for n := 0; s.opts.Frames == 0 || n < s.opts.Frames; n++ {
		skipped, err := p.wait(ctx)
		if err != nil {
			return nil
		}
		if skipped > 0 {
			s.report.Skip(int(skipped))
		}

		seq := s.seq.Next()
		start := time.Now()
		payload, err := s.pattern.render(seq, start)
		if err != nil {
			return fmt.Errorf("encode synthetic frame %d: %w", seq, err)
		}
		f := pipeline.NewFrame(seq, time.Now(), pipeline.ContentTypeJPEG, payload)
		if err := out.Emit(ctx, pipeline.Single("", f)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		s.report.Processed(1, time.Since(start))
	}
	s.log.Debug("synthetic capture reached its frame count", "frames", s.opts.Frames)
	return nil
}

// Interface guards.
var (
	_ pipeline.Source    = (*Synthetic)(nil)
	_ pipeline.Describer = (*Synthetic)(nil)
)
