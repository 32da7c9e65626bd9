package alerting_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/telemetry"
)

// BenchmarkEvaluateDefaults measures one evaluation of the default rule
// set over the metrics of 4 pipelines of 6 stages, 3 tiers each, with a
// ring of 30 snapshots (5 minutes at the default 10 s interval).
func BenchmarkEvaluateDefaults(b *testing.B) {
	src := &fakeSource{}
	c := &clock{now: t0}
	e, err := alerting.New(src, alerting.Config{Rules: alerting.Defaults()},
		alerting.Options{Now: c.Now, Manual: true})
	if err != nil {
		b.Fatal(err)
	}
	start := t0.Add(-time.Hour)
	counts := make([]uint64, len(telemetry.SecondsBuckets)+1)
	set := func(n int) {
		var queues, latency, drops []point
		for p := range 4 {
			for s := range 6 {
				queues = append(queues, point{labels("pipeline", fmt.Sprint("p", p), "stage", fmt.Sprint("s", s),
					"kind", "k"), float64(n % 7)})
			}
			for _, tier := range []string{"high", "medium", "low"} {
				latency = append(latency, point{labels("pipeline", fmt.Sprint("p", p), "stage", "ws", "tier", tier), 0})
			}
			drops = append(drops, point{labels("pipeline", fmt.Sprint("p", p), "stage", "ws",
				"reason", "slow_client", "code", "4000"), float64(n)})
		}
		counts[5] += 10
		hist := histogram(telemetry.WSFrameLatency, start, telemetry.SecondsBuckets, latency[0].attrs,
			append([]uint64(nil), counts...))
		src.set(
			gauge(telemetry.StageQueueLength, queues...),
			counter(telemetry.WSConnectionsClosed, start, drops...),
			counter(telemetry.WSConnectionsOpened, start, drops...),
			hist,
			gauge(telemetry.SystemCPUUtilization, point{labels(), 0.5}),
			gauge(telemetry.SystemMemoryUtil, point{labels("system.memory.state", "used"), 0.5}),
		)
	}
	for i := range 30 {
		set(i)
		if err := e.Evaluate(context.Background()); err != nil {
			b.Fatal(err)
		}
		c.advance(10 * time.Second)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		set(30 + i)
		if err := e.Evaluate(context.Background()); err != nil {
			b.Fatal(err)
		}
		c.advance(10 * time.Second)
	}
}

// BenchmarkEvaluateDayWindow measures one evaluation of a rate and an
// average over a 24 h window at a 10 s interval, after a day and an hour
// of evaluations: the ring holds at most 256 snapshots, so the cost is
// that of a few hundred, not of 8640.
func BenchmarkEvaluateDayWindow(b *testing.B) {
	src := &fakeSource{}
	c := &clock{now: t0}
	e, err := alerting.New(src, alerting.Config{Rules: []alerting.Rule{
		{Name: "rate", Metric: telemetry.StageFramesOut, Aggregate: alerting.AggRate, Window: 24 * time.Hour,
			Compare: alerting.Comparison{Op: alerting.Below, Threshold: 1}, Severity: alerting.Warning},
		{Name: "queue", Metric: telemetry.StageQueueLength, Aggregate: alerting.AggAvg, Window: 24 * time.Hour,
			Compare: alerting.Comparison{Op: alerting.Above, Threshold: 10}, Severity: alerting.Warning},
	}}, alerting.Options{Now: c.Now, Manual: true})
	if err != nil {
		b.Fatal(err)
	}
	start := t0.Add(-time.Hour)
	set := func(n int) {
		var frames, queues []point
		for s := range 6 {
			l := labels("pipeline", "p", "stage", fmt.Sprint("s", s), "kind", "k")
			frames = append(frames, point{l, float64(300 * n)})
			queues = append(queues, point{l, float64(n % 7)})
		}
		src.set(counter(telemetry.StageFramesOut, start, frames...), gauge(telemetry.StageQueueLength, queues...))
	}
	for i := range 9000 {
		set(i)
		if err := e.Evaluate(context.Background()); err != nil {
			b.Fatal(err)
		}
		c.advance(10 * time.Second)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		set(9000 + i)
		if err := e.Evaluate(context.Background()); err != nil {
			b.Fatal(err)
		}
		c.advance(10 * time.Second)
	}
}
