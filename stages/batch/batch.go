package batch

import (
	"context"
	"fmt"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/telemetry"
)

// Limits and defaults of Options.
const (
	MaxWindow      = 10 * time.Second
	MaxSize        = 255
	DefaultMaxSize = 5
)

// Options configure a batcher. The zero value is the default: no window,
// min_size 1, max_size DefaultMaxSize.
type Options struct {
	// Window is the longest a tier's batch is held open, 0 to MaxWindow;
	// 0 means batches form only from frames already waiting.
	Window time.Duration
	// MinSize, 1 to MaxSize, is the smallest batch sent without a window
	// before the input closes; 0 means 1.
	MinSize int
	// MaxSize, MinSize to MaxSize, is the largest batch; 0 means
	// DefaultMaxSize.
	MaxSize int
}

// Batcher is the batch stage. It implements [pipeline.Runner] and
// [pipeline.Describer]. Run may be called once.
type Batcher struct {
	opts    Options
	report  pipeline.Reporter
	tiers   []*pending
	metrics *telemetry.Batch // nil when telemetry is off
}

// New returns a batcher. Tiers named in env.Upstream are prepared up
// front; others are added when their first frame arrives. A nil
// env.Report is allowed, which suits tests.
func New(opts Options, env pipeline.Env) (*Batcher, error) {
	if opts.MinSize == 0 {
		opts.MinSize = 1
	}
	if opts.MaxSize == 0 {
		opts.MaxSize = max(DefaultMaxSize, opts.MinSize)
	}
	switch {
	case opts.Window < 0 || opts.Window > MaxWindow:
		return nil, fmt.Errorf("batch: window %v: must be between 0 and %v", opts.Window, MaxWindow)
	case opts.MinSize < 1 || opts.MinSize > MaxSize:
		return nil, fmt.Errorf("batch: min_size %d: must be between 1 and %d", opts.MinSize, MaxSize)
	case opts.MaxSize < opts.MinSize || opts.MaxSize > MaxSize:
		return nil, fmt.Errorf("batch: max_size %d: must be between min_size (%d) and %d",
			opts.MaxSize, opts.MinSize, MaxSize)
	}
	b := &Batcher{opts: opts, report: env.Report, metrics: telemetry.NewBatch(env)}
	if b.report == nil {
		b.report = pipeline.NopReporter{}
	}
	for _, t := range env.Upstream.Tiers {
		b.tier(t.Name)
	}
	return b, nil
}

// Describe implements [pipeline.Describer]: the stream gains the batching.
func (b *Batcher) Describe(upstream pipeline.StreamInfo) pipeline.StreamInfo {
	upstream.Batch = pipeline.BatchInfo{
		Window:  b.opts.Window,
		MinSize: b.opts.MinSize,
		MaxSize: b.opts.MaxSize,
	}
	return upstream
}

// Run implements [pipeline.Runner].
func (b *Batcher) Run(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	var err error
	if b.opts.Window == 0 {
		err = b.runGreedy(ctx, in, out)
	} else {
		err = b.runWindowed(ctx, in, out)
	}
	if err != nil {
		b.dropPending()
		return err
	}
	return nil
}

// runGreedy batches without a clock: whatever is already waiting.
func (b *Batcher) runGreedy(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	for {
		// Wait for the next message.
		var (
			m  pipeline.Message
			ok bool
		)
		select {
		case m, ok = <-in:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			return b.flush(ctx, out, 1)
		}
		if err := b.add(ctx, m, out, time.Time{}); err != nil {
			return err
		}

		// Take everything already waiting, sending full batches on the
		// way, then send what reached min_size.
		open := true
	drain:
		for open {
			select {
			case m, open = <-in:
				if !open {
					break drain
				}
				if err := b.add(ctx, m, out, time.Time{}); err != nil {
					return err
				}
			default:
				break drain
			}
		}
		if !open {
			return b.flush(ctx, out, 1)
		}
		if err := b.flush(ctx, out, b.opts.MinSize); err != nil {
			return err
		}
	}
}

// runWindowed holds each tier's batch open for at most the window.
func (b *Batcher) runWindowed(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var armed time.Time // the deadline the timer is set for; zero when stopped

	for {
		select {
		case m, ok := <-in:
			if !ok {
				return b.flush(ctx, out, 1)
			}
			if err := b.add(ctx, m, out, time.Now()); err != nil {
				return err
			}
		case now := <-timer.C:
			armed = time.Time{}
			if err := b.expire(ctx, out, now); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}

		// Aim the timer at the earliest open window. Timers made since
		// Go 1.23 deliver no stale tick after Reset or Stop.
		next := b.nextDeadline()
		if !next.Equal(armed) {
			armed = next
			if next.IsZero() {
				timer.Stop()
			} else {
				timer.Reset(time.Until(next))
			}
		}
	}
}

// add appends m's frames to its tier's batch, sending the batch each time
// it reaches max_size. now stamps a batch's first frame (windowed mode).
func (b *Batcher) add(ctx context.Context, m pipeline.Message, out pipeline.Output, now time.Time) error {
	p := b.tier(m.Tier)
	for _, f := range m.Frames {
		if len(p.frames) == 0 && !now.IsZero() {
			p.deadline = now.Add(b.opts.Window)
		}
		if len(p.frames) == 0 && b.metrics != nil {
			// Waits are measured in windowed mode only, from the clock
			// reads it makes anyway; with no window a batch is formed
			// from frames already waiting, and reading the clock per
			// batch would cost more than the batching.
			p.started = now
		}
		p.frames = append(p.frames, f)
		if len(p.frames) >= b.opts.MaxSize {
			if err := p.send(ctx, out, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush sends every tier's batch that holds at least minSize frames.
func (b *Batcher) flush(ctx context.Context, out pipeline.Output, minSize int) error {
	for _, p := range b.tiers {
		if len(p.frames) > 0 && len(p.frames) >= minSize {
			if err := p.send(ctx, out, time.Time{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// expire sends every batch whose window has closed by now.
func (b *Batcher) expire(ctx context.Context, out pipeline.Output, now time.Time) error {
	for _, p := range b.tiers {
		if len(p.frames) > 0 && !p.deadline.After(now) {
			if err := p.send(ctx, out, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// nextDeadline returns the earliest open window's end, or zero.
func (b *Batcher) nextDeadline() time.Time {
	var next time.Time
	for _, p := range b.tiers {
		if len(p.frames) > 0 && (next.IsZero() || p.deadline.Before(next)) {
			next = p.deadline
		}
	}
	return next
}

// dropPending counts the frames still held as dropped for shutdown.
func (b *Batcher) dropPending() {
	n := 0
	for _, p := range b.tiers {
		n += len(p.frames)
		p.reset()
	}
	b.report.Drop(pipeline.DropShutdown, n)
}

// tier returns the pending batch of the named tier, creating it on first
// use. Pipelines have a handful of tiers, so a linear search beats a map.
func (b *Batcher) tier(name string) *pending {
	for _, p := range b.tiers {
		if p.tier == name {
			return p
		}
	}
	p := &pending{tier: name, frames: make([]*pipeline.Frame, 0, b.opts.MaxSize), metrics: b.metrics}
	b.tiers = append(b.tiers, p)
	return p
}

// Interface guards.
var (
	_ pipeline.Runner    = (*Batcher)(nil)
	_ pipeline.Describer = (*Batcher)(nil)
)
