package plugins_test

import (
	"context"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// passthrough is the built-in baseline: a processor that emits what it
// receives.
type passthrough struct{}

func (passthrough) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	return out.Emit(ctx, m)
}

// latencySink records each frame's age on arrival.
type latencySink struct {
	mu   sync.Mutex
	ages []time.Duration
}

func (s *latencySink) Consume(_ context.Context, m pipeline.Message) error {
	now := time.Now()
	s.mu.Lock()
	for _, f := range m.Frames {
		s.ages = append(s.ages, now.Sub(f.Captured))
	}
	s.mu.Unlock()
	return nil
}

// cpuTime is the CPU time of this process plus that of its exited and
// waited-for children (the plugin processes, once stopped).
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(children.Utime) + tv(children.Stime)
}

// benchStage returns the middle stage to measure and its stats.
func benchStage(b *testing.B, kind string) (any, *pipeline.Stats) {
	stats := pipeline.NewStats("bench", "mid", pipeline.FamilyStage, kind)
	if kind == "builtin" {
		return passthrough{}, stats
	}
	k, err := plugins.Kind(context.Background(), plugins.Decl{Name: "behave", Command: []string{behave(b)}}, plugins.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st, err := k.New(pipeline.NewConfig(k.Spec), pipeline.Env{Pipeline: "bench", Stage: "mid", Report: stats})
	if err != nil {
		b.Fatal(err)
	}
	return st, stats
}

func runBench(b *testing.B, mid any, stats *pipeline.Stats, src source, snk pipeline.Sink) {
	p, err := pipeline.New("bench", []pipeline.Node{
		{Name: "capture", Stage: src},
		{Name: "mid", Stage: mid, Stats: stats},
		{Name: "sink", Stage: snk},
	}, pipeline.Options{DrainTimeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSmallFrames pushes 64-byte frames through a passthrough as fast
// as the pipeline takes them.
func BenchmarkSmallFrames(b *testing.B) {
	payload := make([]byte, 64)
	for _, kind := range []string{"builtin", "plugin"} {
		b.Run(kind, func(b *testing.B) {
			mid, stats := benchStage(b, kind)
			snk := &latencySink{}
			cpu0 := cpuTime()
			b.ResetTimer()
			start := time.Now()
			runBench(b, mid, stats, source{n: b.N, payload: func(uint64) []byte { return payload }}, snk)
			elapsed := time.Since(start)
			b.StopTimer()
			if len(snk.ages) != b.N {
				b.Fatalf("delivered %d of %d frames", len(snk.ages), b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "frames/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/frame")
		})
	}
}

// BenchmarkPaced64KiB sends 64 KiB frames at 30 fps, 150 frames (5 s) per
// iteration, and reports the frames' latency from capture to sink.
func BenchmarkPaced64KiB(b *testing.B) {
	payload := make([]byte, 64<<10)
	for i := range payload {
		payload[i] = byte(i)
	}
	for _, kind := range []string{"builtin", "plugin"} {
		b.Run(kind, func(b *testing.B) {
			mid, stats := benchStage(b, kind)
			snk := &latencySink{}
			n := 150 * b.N
			cpu0 := cpuTime()
			b.ResetTimer()
			runBench(b, mid, stats, source{n: n, interval: time.Second / 30, payload: func(uint64) []byte { return payload }}, snk)
			b.StopTimer()
			if len(snk.ages) != n {
				b.Fatalf("delivered %d of %d frames", len(snk.ages), n)
			}
			ages := slices.Clone(snk.ages)
			slices.Sort(ages)
			q := func(p float64) float64 { return float64(ages[int(p*float64(len(ages)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/frame")
		})
	}
}
