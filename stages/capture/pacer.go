package capture

import (
	"context"
	"time"
)

// pacer spaces frames at a fixed rate on a clock aligned to the first
// frame: slot n is due at start + n/fps, so small delays do not add up to
// drift. A producer that falls a whole period or more behind skips the
// slots it missed instead of catching up in a burst, which would only
// flood the stages after it.
type pacer struct {
	fps   float64
	start time.Time
	slot  int64 // the next slot to hand out
	timer *time.Timer
	now   func() time.Time // time.Now, replaceable in tests
}

func newPacer(fps float64) *pacer {
	return &pacer{fps: fps, now: time.Now}
}

// due returns when slot n is due.
func (p *pacer) due(n int64) time.Time {
	return p.start.Add(time.Duration(float64(n) * float64(time.Second) / p.fps))
}

// wait blocks until the next slot is due and takes it. It returns how many
// slots were skipped because the caller came late, or ctx's error when ctx
// is cancelled first.
func (p *pacer) wait(ctx context.Context) (skipped int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := p.now()
	if p.start.IsZero() {
		p.start = now
	}

	// Late: take the latest slot already due and skip those before it.
	if due := p.due(p.slot); !now.Before(due) {
		latest := int64(float64(now.Sub(p.start)) * p.fps / float64(time.Second))
		if latest > p.slot {
			skipped = latest - p.slot
			p.slot = latest
		}
		p.slot++
		return skipped, nil
	}

	// Early: sleep until the slot is due.
	d := p.due(p.slot).Sub(now)
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-p.timer.C:
		p.slot++
		return 0, nil
	case <-ctx.Done():
		p.timer.Stop()
		return 0, ctx.Err()
	}
}

// stop releases the timer.
func (p *pacer) stop() {
	if p.timer != nil {
		p.timer.Stop()
	}
}
