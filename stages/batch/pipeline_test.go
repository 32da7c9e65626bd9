package batch_test

import (
	"context"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/batch"
)

// tierSource emits n frames alternating between two tiers.
type tierSource struct{ n int }

func (s tierSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for i := range s.n {
		f := pipeline.NewFrame(seq.Next(), time.Now(), pipeline.ContentTypeJPEG, nil)
		if err := out.Emit(ctx, pipeline.Single([]string{"x", "y"}[i%2], f)); err != nil {
			return err
		}
	}
	return nil
}

type batchSink struct {
	last    map[string]uint64
	frames  int
	maxSeen int
	bad     string
}

func (s *batchSink) Consume(_ context.Context, m pipeline.Message) error {
	s.frames += len(m.Frames)
	s.maxSeen = max(s.maxSeen, len(m.Frames))
	for _, f := range m.Frames {
		if f.Seq <= s.last[m.Tier] {
			s.bad = "out of order"
		}
		if (f.Seq%2 == 1) != (m.Tier == "x") {
			s.bad = "tiers mixed"
		}
		s.last[m.Tier] = f.Seq
	}
	return nil
}

func TestInPipeline(t *testing.T) {
	for _, window := range []time.Duration{0, 2 * time.Millisecond} {
		t.Run(window.String(), func(t *testing.T) {
			b, err := batch.New(batch.Options{Window: window, MaxSize: 4}, pipeline.Env{})
			if err != nil {
				t.Fatal(err)
			}
			sink := &batchSink{last: map[string]uint64{}}
			p, err := pipeline.New("t", []pipeline.Node{
				{Name: "capture", Stage: tierSource{n: 5000}},
				{Name: "batch", Stage: b},
				{Name: "sink", Stage: sink},
			}, pipeline.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if sink.frames != 5000 || sink.maxSeen > 4 || sink.bad != "" {
				t.Errorf("sink got %d frames, largest batch %d, %s", sink.frames, sink.maxSeen, sink.bad)
			}
			if st := p.Stats()[1]; st.FramesIn != 5000 || st.FramesOut != 5000 {
				t.Errorf("batch stats in %d out %d", st.FramesIn, st.FramesOut)
			}
		})
	}
}
