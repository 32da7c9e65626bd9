package stages_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/batch"
	"github.com/streampipe/streampipe/stages/buffer"
	"github.com/streampipe/streampipe/stages/discard"
	"github.com/streampipe/streampipe/stages/quality"
	"github.com/streampipe/streampipe/telemetry"
)

// BenchmarkPipelineTelemetry measures what the standard instrumentation
// costs: the rate-only pipeline of BenchmarkPipeline (capture -> buffer
// -> quality -> batch -> discard), built the same way with telemetry off
// and on (every stage observed, the batch stage recording its waits, the
// process and Go runtime instruments registered). docs/benchmarks.md
// records the figures.
//
//	go test -run '^$' -bench PipelineTelemetry -benchmem -count 5 ./stages/
func BenchmarkPipelineTelemetry(b *testing.B) {
	b.Run("off", func(b *testing.B) { benchTelemetry(b, false) })
	b.Run("on", func(b *testing.B) { benchTelemetry(b, true) })
}

func benchTelemetry(b *testing.B, on bool) {
	const captureFPS = 30
	payload := make([]byte, 16<<10)
	copy(payload, []byte{0xFF, 0xD8})
	upstream := pipeline.StreamInfo{FPS: captureFPS, ContentType: pipeline.ContentTypeJPEG}

	var tel *telemetry.Telemetry
	if on {
		var err error
		if tel, err = telemetry.New(telemetry.Options{}); err != nil {
			b.Fatal(err)
		}
		defer tel.Shutdown(context.Background())
	}
	env := func(name string, f pipeline.Family, in pipeline.StreamInfo) (pipeline.Env, *pipeline.Stats) {
		st := pipeline.NewStats("bench", name, f, "")
		e := pipeline.Env{Pipeline: "bench", Stage: name, Upstream: in, Report: st}
		if tel != nil {
			e.Meter = tel.Meter()
		}
		return e, st
	}

	bufEnv, bufStats := env("buffer", pipeline.FamilyBuffer, upstream)
	buf, err := buffer.New(buffer.Options{OnFull: buffer.Block}, bufEnv)
	if err != nil {
		b.Fatal(err)
	}
	qEnv, qStats := env("quality", pipeline.FamilyQuality, upstream)
	q, err := quality.New(quality.Options{}, qEnv)
	if err != nil {
		b.Fatal(err)
	}
	tiered := q.Describe(upstream)
	batEnv, batStats := env("batch", pipeline.FamilyBatch, tiered)
	bat, err := batch.New(batch.Options{}, batEnv)
	if err != nil {
		b.Fatal(err)
	}
	p, err := pipeline.New("bench", []pipeline.Node{
		{Name: "capture", Family: pipeline.FamilyCapture, Stage: &benchSource{n: b.N, payload: payload},
			Info: upstream},
		{Name: "buffer", Family: pipeline.FamilyBuffer, Stage: buf, Stats: bufStats, Info: upstream},
		{Name: "quality", Family: pipeline.FamilyQuality, Stage: q, Stats: qStats, Info: tiered},
		{Name: "batch", Family: pipeline.FamilyBatch, Stage: bat, Stats: batStats, Info: bat.Describe(tiered)},
		{Name: "discard", Family: pipeline.FamilySink, Stage: discard.New(discard.Options{}, pipeline.Env{})},
	}, pipeline.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if tel != nil {
		tel.Attach(p)
	}

	b.ReportAllocs()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpuBefore := cpuTime(b)
	b.ResetTimer()
	start := time.Now()
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime(b) - cpuBefore
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/frame")
	// CPU time per frame (user and system, all threads) varies less than
	// wall time on a machine shared with other work.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/frame")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/frame")

	// A benchmark that loses frames measures nothing.
	st := p.Stats()
	if sink := st[len(st)-1]; sink.FramesIn < uint64(b.N)-1 {
		b.Fatalf("discard received %d frames of %d", sink.FramesIn, b.N)
	}
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
