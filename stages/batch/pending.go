package batch

import (
	"context"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/telemetry"
)

// pending is one tier's batch in the making.
type pending struct {
	tier     string
	frames   []*pipeline.Frame // reused from batch to batch
	deadline time.Time         // when the window closes (windowed mode)
	// started is when the first frame arrived, kept for the batch wait
	// metric in windowed mode only; zero otherwise.
	started time.Time
	metrics *telemetry.Batch
}

// send emits the batch and empties it.
//
// The message must own its frame slice, since receivers may keep it
// (a client's send queue), so a batch of several frames is copied out of
// the reused buffer: one allocation per batch. A batch of one frame uses
// the slice inside the frame itself and costs nothing, which is the
// common case for a live stream that keeps up.
//
// now is the time of the send when the caller has read the clock, else
// zero.
func (p *pending) send(ctx context.Context, out pipeline.Output, now time.Time) error {
	if !p.started.IsZero() {
		if now.IsZero() {
			now = time.Now()
		}
		p.metrics.Waited(p.tier, now.Sub(p.started))
	}
	var m pipeline.Message
	if len(p.frames) == 1 {
		m = pipeline.Single(p.tier, p.frames[0])
	} else {
		m = pipeline.Message{Tier: p.tier, Frames: append([]*pipeline.Frame(nil), p.frames...)}
	}
	p.reset()
	return out.Emit(ctx, m)
}

// reset empties the batch, clearing the slots so the reused buffer does
// not keep frames alive.
func (p *pending) reset() {
	clear(p.frames)
	p.frames = p.frames[:0]
	p.deadline = time.Time{}
	p.started = time.Time{}
}
