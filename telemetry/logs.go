package telemetry

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Log event names (the message of each line). docs/logging.md lists every
// event with its level and keys.
const (
	EventFramesDropped   = "frames dropped"
	EventQueueLength     = "queue length"
	EventQueueOver       = "queue over threshold"
	EventResourceSummary = "resource summary"
	EventCaptureTiming   = "capture timing"
)

// captureLogEvery is how often a capture stage's timing is logged at
// debug level: one frame in every such span of capture time.
const captureLogEvery = 10 * time.Second

// logLoop writes the periodic summaries every cfg.LogInterval: frame
// drops per stage and reason since the previous summary, queue lengths at
// debug level, and the resource summary with the busiest stage.
func (t *Telemetry) logLoop(ctx context.Context, cfg Config) {
	defer t.loops.Done()

	// Tick half a sampling interval after the sampler does, so that a
	// summary reads the sample just taken rather than racing the
	// sampler's tick and reading the one before.
	select {
	case <-ctx.Done():
		return
	case <-time.After(cfg.Interval / 2):
	}
	tick := time.NewTicker(cfg.LogInterval)
	defer tick.Stop()
	prev := map[*stageObserver]map[string]uint64{}
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			t.logSummaries(ctx, prev, now.Sub(last))
			last = now
		}
	}
}

// logSummaries logs one round of summaries; prev holds the drop counts
// of the previous round, per stage.
func (t *Telemetry) logSummaries(ctx context.Context, prev map[*stageObserver]map[string]uint64, span time.Duration) {
	var (
		busiest     *stageObserver
		busiestRate Rates
	)
	for _, a := range t.attachedPipelines() {
		for _, s := range a.stages {
			snap := s.node.Stats.Snapshot()
			log := t.log.With("pipeline", a.p.Name(), "stage", s.node.Name)

			// Drops, aggregated: one line per stage and reason.
			old := prev[s]
			for _, reason := range snap.DropReasons() {
				if n := snap.Drops[reason] - old[reason]; n > 0 {
					log.Warn(EventFramesDropped, "reason", reason, "frames", n, "duration", span)
				}
			}
			prev[s] = snap.Drops

			if snap.QueueCap > 0 && t.log.Enabled(ctx, slog.LevelDebug) {
				log.Debug(EventQueueLength, "frames", snap.QueueLen, "capacity", snap.QueueCap)
			}
			if r := t.rates.get(s); busiest == nil || r.Busy > busiestRate.Busy {
				busiest, busiestRate = s, r
			}
		}
	}

	// The resource summary waits for a real sample: before one interval
	// has been measured, CPU shares and busy are start-up values (0, or
	// a share of a few milliseconds), not the process's use.
	r := t.resources.current()
	if r.startup || !t.resources.sampled.Load() || !t.rates.hasMeasured() {
		return
	}
	attrs := []any{
		slog.Group("resources",
			"rss_bytes", r.RSS, "heap_bytes", r.Heap, "goroutines", r.Goroutines,
			"process_cpu", round3(r.ProcessCPU), "system_cpu", round3(r.SystemCPU),
			"memory", round3(r.Memory), "net_in_bytes", r.NetIn, "net_out_bytes", r.NetOut),
	}
	if busiest != nil {
		attrs = append(attrs, "pipeline", busiest.pipeline, "stage", busiest.node.Name,
			"busy", round3(busiestRate.Busy))
	}
	t.log.Info(EventResourceSummary, attrs...)
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// queueWatch warns when a stage's queue grows past the threshold: once
// when it crosses, then at most once per log interval while it stays
// above, so a queue stuck full does not flood the log.
type queueWatch struct {
	mu    sync.Mutex
	above map[*stageObserver]bool
	next  map[*stageObserver]time.Time
}

func (q *queueWatch) check(t *Telemetry, now time.Time, threshold int, every time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.above == nil {
		q.above, q.next = map[*stageObserver]bool{}, map[*stageObserver]time.Time{}
	}
	for _, a := range t.attachedPipelines() {
		for _, s := range a.stages {
			n, capacity := queueOf(s.node)
			if n <= threshold {
				q.above[s] = false
				continue
			}
			if q.above[s] && now.Before(q.next[s]) {
				continue
			}
			q.above[s], q.next[s] = true, now.Add(every)
			t.log.Warn(EventQueueOver, "pipeline", a.p.Name(), "stage", s.node.Name,
				"frames", n, "capacity", capacity, "threshold", threshold)
		}
	}
}

// queueOf reads a stage's queue without copying its other counters.
func queueOf(n *pipeline.Node) (int, int) {
	snap := n.Stats.Snapshot()
	return snap.QueueLen, snap.QueueCap
}

// logCaptureTiming logs one frame's capture timing at debug level, at
// most once per captureLogEvery of capture time. Called from the source's
// goroutine only.
func (s *stageObserver) logCaptureTiming(f *pipeline.Frame, interval time.Duration) {
	if s.log == nil || f.Captured.Sub(s.lastLogged) < captureLogEvery {
		return
	}
	s.lastLogged = f.Captured
	if !s.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	jitter := time.Duration(0)
	if s.nominal > 0 {
		jitter = (interval - s.nominal).Abs()
	}
	s.log.Debug(EventCaptureTiming, "frames", f.Seq, "duration", interval, "jitter", jitter,
		"latency", time.Since(f.Captured))
}
