package quality

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"runtime"
	"sync"
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
	// Workers is how many frames are re-encoded in parallel; 0 means one
	// per CPU (GOMAXPROCS). Frames leave in capture order regardless.
	Workers int
}

// Stage is the quality stage. It implements [pipeline.Runner] and
// [pipeline.Describer].
type Stage struct {
	tiers []stageTier
	info  []pipeline.TierInfo // default first, then declared order

	report pipeline.Reporter
	log    *slog.Logger

	// workers is how many frames are re-encoded at once; reencodes tells
	// whether any tier re-encodes at all.
	workers   int
	reencodes bool
	// seq renders frames for Process, one at a time.
	seq *worker

	// invalid rate-limits the warning about frames that fail to decode;
	// workers share it.
	invalid struct {
		sync.Mutex
		last  time.Time
		count int
	}
}

// stageTier is a tier with its frame choice.
type stageTier struct {
	Tier
	rate rate
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
		s.report = pipeline.NopReporter{}
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
		s.tiers = append(s.tiers, stageTier{Tier: t, rate: r})
		s.reencodes = s.reencodes || t.reencodes()
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
	s.workers = opts.Workers
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	s.seq = s.newWorker()

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

// Process handles one message sequentially: for each frame of m it emits,
// in declared tier order, one single-frame message per tier that takes the
// frame. It returns an error only when an emit fails (the pipeline is
// being aborted). Run calls it when no tier re-encodes; tests call it
// directly.
func (s *Stage) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	for _, f := range m.Frames {
		for _, msg := range s.seq.render(f) {
			if err := out.Emit(ctx, msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// worker holds what rendering a frame needs and cannot be shared between
// goroutines: a decoder and one encoder per re-encoding tier (their
// scalers and buffers are reused from frame to frame).
type worker struct {
	s    *Stage
	dec  decoder
	encs []*encoder // by tier index; nil for pass-through tiers
	msgs []pipeline.Message
}

func (s *Stage) newWorker() *worker {
	w := &worker{s: s, encs: make([]*encoder, len(s.tiers))}
	for i, t := range s.tiers {
		if t.reencodes() {
			w.encs[i] = newEncoder(t.Tier)
		}
	}
	return w
}

// render returns the messages frame f becomes, in tier order, and counts
// the tiers that leave it out. The returned slice is reused by the next
// call.
func (w *worker) render(f *pipeline.Frame) []pipeline.Message {
	var (
		skipped int
		img     image.Image
		imgErr  error
		decoded bool
	)
	w.msgs = w.msgs[:0]
	for i := range w.s.tiers {
		t := &w.s.tiers[i]
		if !t.rate.takes(f.Seq) {
			skipped++
			continue
		}

		g := f
		if enc := w.encs[i]; enc != nil {
			// Decode at most once per frame, for the first re-encoding
			// tier that takes it; the others reuse the picture.
			if !decoded {
				img, imgErr = w.dec.decode(f)
				decoded = true
			}
			err := imgErr
			if err == nil {
				g, err = enc.encode(f, img)
			}
			if err != nil {
				w.s.invalidFrame(t.Name, err)
				continue
			}
		}
		w.msgs = append(w.msgs, pipeline.Single(t.Name, g))
	}
	if skipped > 0 {
		w.s.report.Skip(skipped)
	}
	return w.msgs
}

// invalidFrame counts a frame a re-encoding tier could not use and warns
// about it, at most once every ten seconds with the count since.
func (s *Stage) invalidFrame(tier string, err error) {
	const every = 10 * time.Second
	s.report.Drop(pipeline.DropInvalid, 1)
	s.invalid.Lock()
	defer s.invalid.Unlock()
	s.invalid.count++
	if now := time.Now(); now.Sub(s.invalid.last) >= every {
		s.log.Warn("dropping frames that cannot be re-encoded",
			"quality", tier, "frames", s.invalid.count, "error", err)
		s.invalid.last, s.invalid.count = now, 0
	}
}

// Interface guards.
var (
	_ pipeline.Runner    = (*Stage)(nil)
	_ pipeline.Describer = (*Stage)(nil)
)
