package stages_test

import (
	"context"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/batch"
	"github.com/streampipe/streampipe/stages/buffer"
	"github.com/streampipe/streampipe/stages/capture"
	"github.com/streampipe/streampipe/stages/discard"
	"github.com/streampipe/streampipe/stages/quality"
)

// TestStagesReportProcessingTime runs capture -> buffer -> quality
// (re-encoding on two workers) -> batch -> discard to its end and checks
// the processing time of each stage: the sink's, which the runtime
// measures per Consume call, and that of the capture and quality stages,
// which own their loop and report one measurement per frame. The buffer
// and the batcher only hand frames on, which is measured as blocked time
// when it waits, and report none: two clock reads per frame would cost
// more than their work.
func TestStagesReportProcessingTime(t *testing.T) {
	const frames = 24
	upstream := pipeline.StreamInfo{FPS: 240, ContentType: pipeline.ContentTypeJPEG}
	stats := func(name string, f pipeline.Family) *pipeline.Stats {
		return pipeline.NewStats("p", name, f, "")
	}
	capStats, bufStats, qStats, batchStats, sinkStats := stats("capture", pipeline.FamilyCapture),
		stats("buffer", pipeline.FamilyBuffer), stats("quality", pipeline.FamilyQuality),
		stats("batch", pipeline.FamilyBatch), stats("discard", pipeline.FamilySink)

	src, err := capture.NewSynthetic(capture.SyntheticOptions{FPS: 240, Width: 64, Height: 48, Frames: frames},
		pipeline.Env{Report: capStats})
	if err != nil {
		t.Fatal(err)
	}
	buf, err := buffer.New(buffer.Options{OnFull: buffer.Block}, pipeline.Env{Upstream: upstream, Report: bufStats})
	if err != nil {
		t.Fatal(err)
	}
	q, err := quality.New(quality.Options{Workers: 2, Tiers: []quality.Tier{
		{Name: "high", FPS: 240},
		{Name: "half", FPS: 120, Scale: 0.5},
	}}, pipeline.Env{Upstream: upstream, Report: qStats})
	if err != nil {
		t.Fatal(err)
	}
	bat, err := batch.New(batch.Options{}, pipeline.Env{Upstream: q.Describe(upstream), Report: batchStats})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New("p", []pipeline.Node{
		{Name: "capture", Family: pipeline.FamilyCapture, Stage: src, Stats: capStats},
		{Name: "buffer", Family: pipeline.FamilyBuffer, Stage: buf, Stats: bufStats},
		{Name: "quality", Family: pipeline.FamilyQuality, Stage: q, Stats: qStats},
		{Name: "batch", Family: pipeline.FamilyBatch, Stage: bat, Stats: batchStats},
		{Name: "discard", Family: pipeline.FamilySink, Stage: discard.New(discard.Options{}, pipeline.Env{}),
			Stats: sinkStats},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	snaps := map[string]pipeline.Snapshot{}
	for _, s := range p.Stats() {
		snaps[s.Stage] = s
		if s.DroppedTotal() != 0 {
			t.Errorf("stage %s dropped %v", s.Stage, s.Drops)
		}
	}
	// One measurement per frame for the capture and the quality stage's
	// workers; one per Consume call for the sink, so one per batch.
	tierFrames := snaps["batch"].FramesIn
	if want := uint64(frames + frames/2); tierFrames != want {
		t.Errorf("batch received %d tier frames, want %d", tierFrames, want)
	}
	for _, name := range []string{"capture", "quality"} {
		if s := snaps[name]; s.Processed != frames || s.ProcessTime <= 0 {
			t.Errorf("stage %s: processing time %v over %d measurements, want some over %d",
				name, s.ProcessTime, s.Processed, frames)
		}
	}
	batches, sink := snaps["batch"].FramesOut, snaps["discard"]
	if sink.Processed == 0 || sink.Processed > batches || sink.ProcessTime <= 0 {
		t.Errorf("the sink: processing time %v over %d Consume calls for %d frames",
			sink.ProcessTime, sink.Processed, batches)
	}
	for _, name := range []string{"buffer", "batch"} {
		if s := snaps[name]; s.Processed != 0 || s.ProcessTime != 0 {
			t.Errorf("stage %s: processing time %v over %d measurements, want none",
				name, s.ProcessTime, s.Processed)
		}
	}
}
