package quality_test

import (
	"context"
	"sync"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/quality"
)

type countSource struct {
	n       int
	payload []byte
}

func (s countSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for range s.n {
		if err := out.Emit(ctx, pipeline.Single("", frame(seq.Next(), s.payload))); err != nil {
			return err
		}
	}
	return nil
}

type tierSink struct {
	mu     sync.Mutex
	frames map[string]int
}

func (s *tierSink) Consume(_ context.Context, m pipeline.Message) error {
	s.mu.Lock()
	s.frames[m.Tier] += len(m.Frames)
	s.mu.Unlock()
	return nil
}

func TestInPipeline(t *testing.T) {
	src := syntheticJPEG(t, 64, 36)
	stats := pipeline.NewStats("t", "quality", pipeline.FamilyQuality, "")
	s, err := quality.New(quality.Options{Tiers: []quality.Tier{
		{Name: "high", FPS: 30},
		{Name: "small", FPS: 10, Scale: 0.5},
	}}, pipeline.Env{Upstream: pipeline.StreamInfo{FPS: 30}, Report: stats})
	if err != nil {
		t.Fatal(err)
	}
	sink := &tierSink{frames: map[string]int{}}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: 300, payload: src}},
		{Name: "quality", Stage: s, Stats: stats},
		{Name: "sink", Stage: sink},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sink.frames["high"] != 300 || sink.frames["small"] != 100 || len(sink.frames) != 2 {
		t.Errorf("sink got %v, want high 300 and small 100", sink.frames)
	}
	st := p.Stats()[1]
	if st.FramesIn != 300 || st.FramesOut != 400 || st.Skipped != 200 || st.DroppedTotal() != 0 {
		t.Errorf("quality stats: in %d out %d skipped %d drops %v", st.FramesIn, st.FramesOut, st.Skipped, st.Drops)
	}
}
