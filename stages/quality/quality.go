package quality

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Options configure a quality stage.
type Options struct {
	// Tiers in declared order; empty means DefaultTiers, clamped to the
	// capture's rate.
	Tiers []Tier
	// Default names the tier for clients that ask for none or for an
	// unknown one; empty means the first tier.
	Default string
}

// Stage is the quality stage. It implements [pipeline.Processor] and
// [pipeline.Describer].
type Stage struct {
	tiers []stageTier
	info  []pipeline.TierInfo // default first, then declared order

	report pipeline.Reporter
	log    *slog.Logger
	dec    decoder
	// invalid rate-limits the warning about frames that fail to decode.
	invalid struct {
		last  time.Time
		count int
	}
}

// stageTier is a tier with its frame choice and, when it re-encodes, its
// encoder.
type stageTier struct {
	Tier
	rate rate
	enc  *encoder // nil for pass-through tiers
}

// New returns a quality stage for a capture of env.Upstream.FPS frames
// per second, which must be known. env.Report receives skips and drops;
// env.Logger receives warnings. Both may be nil, which suits tests.
func New(opts Options, env pipeline.Env) (*Stage, error) {
	capture := env.Upstream.FPS
	if !(capture > 0) || math.IsInf(capture, 0) {
		return nil, errors.New("quality: the capture's frame rate is unknown; tiers need it to choose frames")
	}

	// Start from the declared tiers or the clamped defaults.
	tiers := opts.Tiers
	if len(tiers) == 0 {
		tiers = DefaultTiers()
		for i := range tiers {
			tiers[i].FPS = min(tiers[i].FPS, capture)
		}
	}

	s := &Stage{report: env.Report, log: env.Logger}
	if s.report == nil {
		s.report = nopReporter{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	seen := map[string]bool{}
	for _, t := range tiers {
		if t.Scale == 0 {
			t.Scale = 1
		}
		if err := t.check(capture); err != nil {
			return nil, fmt.Errorf("quality: %w", err)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("quality: tier %q declared twice", t.Name)
		}
		seen[t.Name] = true
		r, err := newRate(t.FPS, capture)
		if err != nil {
			return nil, fmt.Errorf("quality: tier %q: %w", t.Name, err)
		}
		st := stageTier{Tier: t, rate: r}
		if t.reencodes() {
			st.enc = newEncoder(t)
		}
		s.tiers = append(s.tiers, st)
	}

	// Publish the default tier first: sinks take the first as default.
	def := 0
	if opts.Default != "" {
		def = -1
		for i, t := range s.tiers {
			if t.Name == opts.Default {
				def = i
			}
		}
		if def < 0 {
			return nil, fmt.Errorf("quality: default tier %q is not declared", opts.Default)
		}
	}
	s.info = append(s.info, s.tiers[def].info())
	for i, t := range s.tiers {
		if i != def {
			s.info = append(s.info, t.info())
		}
	}
	return s, nil
}

// Tiers returns the tiers as published: the default first, then the
// others in declared order.
func (s *Stage) Tiers() []pipeline.TierInfo {
	return append([]pipeline.TierInfo(nil), s.info...)
}

// Describe implements [pipeline.Describer]: the stream gains the tiers.
func (s *Stage) Describe(upstream pipeline.StreamInfo) pipeline.StreamInfo {
	upstream.Tiers = s.Tiers()
	return upstream
}

// Process implements [pipeline.Processor]. For each frame of m it emits,
// in declared tier order, one single-frame message per tier that takes
// the frame. It returns an error only when an emit fails (the pipeline is
// being aborted).
func (s *Stage) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	skipped := 0
	var err error
	for _, f := range m.Frames {
		var n int
		n, err = s.frame(ctx, f, out)
		skipped += n
		if err != nil {
			break
		}
	}
	if skipped > 0 {
		s.report.Skip(skipped)
	}
	return err
}

// frame hands one frame to every tier and returns how many tiers left it
// out.
func (s *Stage) frame(ctx context.Context, f *pipeline.Frame, out pipeline.Output) (int, error) {
	var (
		skipped int
		img     image.Image
		imgErr  error
		decoded bool
	)
	for i := range s.tiers {
		t := &s.tiers[i]
		if !t.rate.takes(f.Seq) {
			skipped++
			continue
		}

		g := f
		if t.enc != nil {
			// Decode at most once per frame, for the first re-encoding
			// tier that takes it; the others reuse the picture.
			if !decoded {
				img, imgErr = s.dec.decode(f)
				decoded = true
			}
			err := imgErr
			if err == nil {
				g, err = t.enc.encode(f, img)
			}
			if err != nil {
				s.invalidFrame(t.Name, err)
				continue
			}
		}

		if err := out.Emit(ctx, pipeline.Single(t.Name, g)); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

// invalidFrame counts a frame a re-encoding tier could not use and warns
// about it, at most once every ten seconds with the count since.
func (s *Stage) invalidFrame(tier string, err error) {
	const every = 10 * time.Second
	s.report.Drop(pipeline.DropInvalid, 1)
	s.invalid.count++
	if now := time.Now(); now.Sub(s.invalid.last) >= every {
		s.log.Warn("dropping frames that cannot be re-encoded",
			"quality", tier, "frames", s.invalid.count, "error", err)
		s.invalid.last, s.invalid.count = now, 0
	}
}

type nopReporter struct{}

func (nopReporter) Drop(string, int)                  {}
func (nopReporter) Skip(int)                          {}
func (nopReporter) SetHealth(pipeline.Health, string) {}

// Interface guards.
var (
	_ pipeline.Processor = (*Stage)(nil)
	_ pipeline.Describer = (*Stage)(nil)
)
