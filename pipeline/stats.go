package pipeline

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Stats holds one stage's standard accounting. The runtime updates it around
// the stage (frames in and out, time blocked downstream, processing time,
// errors); the stage adds what only it knows through the Reporter methods.
// Stats is safe for concurrent use and cheap on the hot path: a few atomic
// adds per message.
type Stats struct {
	Pipeline string
	Stage    string
	Family   Family
	Kind     string

	in, out, skipped, errs atomic.Uint64
	blockedNanos           atomic.Int64
	processed              atomic.Uint64 // Process/Consume calls
	processNanos           atomic.Int64  // time spent in them

	dropMu sync.Mutex
	drops  map[string]uint64

	health       atomic.Int32
	healthReason atomic.Pointer[string]

	queue    atomic.Pointer[func() (n, capacity int)]
	observer Observer
	emits    EmitObserver
	finisher Finisher
}

// Observer receives the runtime's per-message measurements, for metric
// exporters that need more than counters (histograms). Implementations must
// be fast and safe for concurrent use.
type Observer interface {
	// Processed is called after each Process or Consume call, from the
	// stage's goroutine, and for each Reporter.Processed report of a
	// Source or Runner, from whichever goroutine makes it.
	Processed(s *Stats, frames int, d time.Duration)
	// Dropped is called for every Drop report.
	Dropped(s *Stats, reason string, frames int)
}

// EmitObserver is an optional extension of Observer. When the observer
// installed by SetObserver implements it, Emitted is called after each
// message the stage sends downstream, from the emitting goroutine, so a
// metric exporter can see what a source or a batcher emits (capture
// intervals, batch sizes). It must be fast and must not keep m.
type EmitObserver interface {
	Emitted(s *Stats, m Message)
}

// Finisher is an optional extension of Observer. Finished is called once,
// from the stage's goroutine, when the stage has returned (its Run, or the
// runtime's loop around Process or Consume), after every Processed call
// the runtime made for it and every Emitted call from that goroutine. An
// observer that accumulates without locks publishes there. A stage that
// never returns (abandoned after the drain timeout) never finishes.
type Finisher interface {
	Finished(s *Stats)
}

// NewStats returns the accounting for one stage.
func NewStats(pipeline, stage string, family Family, kind string) *Stats {
	return &Stats{Pipeline: pipeline, Stage: stage, Family: family, Kind: kind, drops: map[string]uint64{}}
}

// setQueue installs the function that reports the stage's queue.
func (s *Stats) setQueue(f func() (n, capacity int)) { s.queue.Store(&f) }

// SetObserver installs an observer, and its Emitted and Finished methods
// when it implements EmitObserver and Finisher. Call it before the
// pipeline runs.
func (s *Stats) SetObserver(o Observer) {
	s.observer = o
	s.emits, _ = o.(EmitObserver)
	s.finisher, _ = o.(Finisher)
}

// Drop implements Reporter.
func (s *Stats) Drop(reason string, frames int) {
	if frames <= 0 {
		return
	}
	s.dropMu.Lock()
	s.drops[reason] += uint64(frames)
	s.dropMu.Unlock()
	if s.observer != nil {
		s.observer.Dropped(s, reason, frames)
	}
}

// Skip implements Reporter.
func (s *Stats) Skip(frames int) {
	if frames > 0 {
		s.skipped.Add(uint64(frames))
	}
}

// Processed implements Reporter.
func (s *Stats) Processed(frames int, d time.Duration) { s.processedOne(frames, d) }

// SetHealth implements Reporter.
func (s *Stats) SetHealth(h Health, reason string) {
	s.health.Store(int32(h))
	s.healthReason.Store(&reason)
}

// Health returns the stage's health and its reason.
func (s *Stats) Health() (Health, string) {
	var reason string
	if p := s.healthReason.Load(); p != nil {
		reason = *p
	}
	return Health(s.health.Load()), reason
}

func (s *Stats) processedOne(frames int, d time.Duration) {
	s.processed.Add(1)
	s.processNanos.Add(int64(d))
	if s.observer != nil {
		s.observer.Processed(s, frames, d)
	}
}

// Snapshot is a point-in-time copy of a stage's Stats.
type Snapshot struct {
	Pipeline, Stage string
	Family          Family
	Kind            string
	FramesIn        uint64
	FramesOut       uint64
	Skipped         uint64
	Errors          uint64
	Drops           map[string]uint64
	Blocked         time.Duration
	Processed       uint64
	ProcessTime     time.Duration
	QueueLen        int
	QueueCap        int
	Health          Health
	HealthReason    string
}

// DroppedTotal sums the drops over all reasons.
func (s Snapshot) DroppedTotal() uint64 {
	var n uint64
	for _, v := range s.Drops {
		n += v
	}
	return n
}

// DropReasons returns the reasons with drops, sorted.
func (s Snapshot) DropReasons() []string {
	r := make([]string, 0, len(s.Drops))
	for k := range s.Drops {
		r = append(r, k)
	}
	sort.Strings(r)
	return r
}

// Snapshot copies the current values.
func (s *Stats) Snapshot() Snapshot {
	snap := Snapshot{
		Pipeline:    s.Pipeline,
		Stage:       s.Stage,
		Family:      s.Family,
		Kind:        s.Kind,
		FramesIn:    s.in.Load(),
		FramesOut:   s.out.Load(),
		Skipped:     s.skipped.Load(),
		Errors:      s.errs.Load(),
		Blocked:     time.Duration(s.blockedNanos.Load()),
		Processed:   s.processed.Load(),
		ProcessTime: time.Duration(s.processNanos.Load()),
		Drops:       map[string]uint64{},
	}
	snap.Health, snap.HealthReason = s.Health()
	s.dropMu.Lock()
	for k, v := range s.drops {
		snap.Drops[k] = v
	}
	s.dropMu.Unlock()
	if q := s.queue.Load(); q != nil {
		snap.QueueLen, snap.QueueCap = (*q)()
	}
	return snap
}
