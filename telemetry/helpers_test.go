package telemetry_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
	"github.com/streampipe/streampipe/telemetry"
)

// spacedSource emits n frames whose capture times are step apart, then
// ends. Capture times are made up, so interval metrics are exact.
type spacedSource struct {
	n    int
	step time.Duration
	tier string
}

func (s spacedSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	t0 := time.Now().Add(-time.Duration(s.n) * s.step)
	for i := range s.n {
		f := pipeline.NewFrame(seq.Next(), t0.Add(time.Duration(i)*s.step), pipeline.ContentTypeJPEG, []byte{1})
		if err := out.Emit(ctx, pipeline.Single(s.tier, f)); err != nil {
			return nil
		}
	}
	return nil
}

// pairBatcher groups frames two by two (the last one alone).
type pairBatcher struct{}

func (pairBatcher) Run(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	var held []*pipeline.Frame
	tier := ""
	for m := range in {
		tier = m.Tier
		held = append(held, m.Frames...)
		if len(held) >= 2 {
			if err := out.Emit(ctx, pipeline.Message{Tier: tier, Frames: held}); err != nil {
				return err
			}
			held = nil
		}
	}
	if len(held) > 0 {
		return out.Emit(ctx, pipeline.Message{Tier: tier, Frames: held})
	}
	return nil
}

// fakePlugin passes messages through and reports plugin facts.
type fakePlugin struct{}

func (fakePlugin) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	return out.Emit(ctx, m)
}

func (fakePlugin) PluginStats() plugins.Stats {
	rt := plugins.RoundTrip{Count: 3, Sum: 3 * time.Millisecond, Max: 2 * time.Millisecond}
	var cum uint64
	for i, b := range telemetry.PluginRoundTripBuckets {
		if i == 4 { // 0.8 ms
			cum = 3
		}
		ub := time.Duration(math.Round(b * float64(time.Second)))
		rt.Buckets = append(rt.Buckets, plugins.Bucket{UpperBound: ub, Count: cum})
	}
	rt.Buckets = append(rt.Buckets, plugins.Bucket{Count: cum})
	return plugins.Stats{Plugin: "fake", Up: true, Restarts: 2, Failures: 3, RoundTrip: rt}
}

// countingSink counts frames and can drop some on purpose.
type countingSink struct {
	report pipeline.Reporter
	frames int
}

func (s *countingSink) Consume(_ context.Context, m pipeline.Message) error {
	s.frames += len(m.Frames)
	if s.report != nil {
		s.report.Drop(pipeline.DropSlowClient, 1)
		s.report.Skip(1)
	}
	return nil
}

// testPipeline builds capture -> batch -> plugin -> sink with tier
// "high", every stage reporting into its own Stats.
func testPipeline(t *testing.T, frames int) (*pipeline.Pipeline, *countingSink) {
	t.Helper()
	tiers := []pipeline.TierInfo{{Name: "high", FPS: 30}}
	stats := func(name string, f pipeline.Family, kind string) *pipeline.Stats {
		return pipeline.NewStats("p", name, f, kind)
	}
	sinkStats := stats("out", pipeline.FamilySink, "counting")
	sink := &countingSink{report: sinkStats}
	p, err := pipeline.New("p", []pipeline.Node{
		{Name: "cam", Family: pipeline.FamilyCapture, Kind: "spaced",
			Stage: spacedSource{n: frames, step: 33 * time.Millisecond, tier: "high"},
			Stats: stats("cam", pipeline.FamilyCapture, "spaced"), Info: pipeline.StreamInfo{FPS: 30, Tiers: tiers}},
		{Name: "batch", Family: pipeline.FamilyBatch,
			Stage: pairBatcher{}, Stats: stats("batch", pipeline.FamilyBatch, ""),
			Info: pipeline.StreamInfo{FPS: 30, Tiers: tiers}},
		{Name: "plug", Family: pipeline.FamilyStage, Kind: "fake",
			Stage: fakePlugin{}, Stats: stats("plug", pipeline.FamilyStage, "fake")},
		{Name: "out", Family: pipeline.FamilySink, Kind: "counting", Stage: sink, Stats: sinkStats},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, sink
}

// newTelemetry returns a Telemetry shut down at the end of the test.
func newTelemetry(t *testing.T, opts telemetry.Options) *telemetry.Telemetry {
	t.Helper()
	tel, err := telemetry.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tel.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return tel
}
