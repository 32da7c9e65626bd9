package telemetry

import (
	"sync"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Rates are a stage's counters turned into per-second rates over the last
// rate window: the sampling interval, but at least about a second.
type Rates struct {
	// InFPS and OutFPS are frames per second in and out.
	InFPS  float64 `json:"in_fps"`
	OutFPS float64 `json:"out_fps"`
	// DroppedFPS is frames dropped per second, all reasons.
	DroppedFPS float64 `json:"dropped_fps"`
	// Blocked is the share of the interval the stage spent blocked
	// sending downstream, 0 to 1 (more when a tee waits on several sinks
	// in turn).
	Blocked float64 `json:"blocked"`
	// Busy is the share of the interval the stage spent processing
	// messages (see pipeline.Reporter.Processed), 0 to 1.
	Busy float64 `json:"busy"`
}

// rateTracker keeps the previous sample of every stage and the rates
// computed from the last two.
type rateTracker struct {
	mu    sync.Mutex
	prev  map[*stageObserver]pipeline.Snapshot
	at    time.Time
	rates map[*stageObserver]Rates
	// measured is set once a second sample came a full window after
	// the first, so that rates are real (zero before).
	measured bool
}

func (r *rateTracker) init() {
	r.prev = map[*stageObserver]pipeline.Snapshot{}
	r.rates = map[*stageObserver]Rates{}
}

// minRateWindow is the shortest span rates are computed over: with a
// short sampling interval, rates over one interval would jump with every
// batch.
const minRateWindow = 900 * time.Millisecond

// sample snapshots every stage and updates the rates, once at least
// minRateWindow has passed since the previous update.
func (r *rateTracker) sample(now time.Time, pipelines []*attached) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && now.Sub(r.at) < minRateWindow {
		return
	}
	dt := now.Sub(r.at).Seconds()
	if !r.at.IsZero() && dt > 0 {
		r.measured = true
	}
	for _, a := range pipelines {
		for _, s := range a.stages {
			snap := s.node.Stats.Snapshot()
			if old, ok := r.prev[s]; ok && dt > 0 {
				r.rates[s] = ratesBetween(old, snap, dt)
			}
			r.prev[s] = snap
		}
	}
	r.at = now
}

// ratesBetween computes the rates between two snapshots dt seconds apart.
//
// Busy is clamped to 1: the runtime adds a Process call's time when the
// call returns, so a call that straddles a window boundary lands wholly
// in the later window, which can then seem more than fully busy; and a
// stage that works on several messages at once (the quality stage's
// re-encoding workers) adds up the time of each. Busy says how much of the
// time the stage was at work, so it stops at 1.
func ratesBetween(old, snap pipeline.Snapshot, dt float64) Rates {
	return Rates{
		InFPS:      float64(snap.FramesIn-old.FramesIn) / dt,
		OutFPS:     float64(snap.FramesOut-old.FramesOut) / dt,
		DroppedFPS: float64(snap.DroppedTotal()-old.DroppedTotal()) / dt,
		Blocked:    (snap.Blocked - old.Blocked).Seconds() / dt,
		Busy:       clamp01((snap.ProcessTime - old.ProcessTime).Seconds() / dt),
	}
}

// hasMeasured reports whether rates have been computed over a real
// window yet.
func (r *rateTracker) hasMeasured() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.measured
}

// get returns the stage's last rates (zero before two samples).
func (r *rateTracker) get(s *stageObserver) Rates {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rates[s]
}
