package discard_test

import (
	"context"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/discard"
)

type countSource struct{ n int }

func (s countSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for range s.n {
		f := pipeline.NewFrame(seq.Next(), time.Now(), pipeline.ContentTypeJPEG, nil)
		if err := out.Emit(ctx, pipeline.Single("", f)); err != nil {
			return err
		}
	}
	return nil
}

func TestDiscardCountsInPipeline(t *testing.T) {
	st, err := discard.Kind.New(pipeline.NewConfig(discard.Kind.Spec), pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: 1000}},
		{Name: "discard", Stage: st},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats()[1]; s.FramesIn != 1000 || s.Processed != 1000 || s.DroppedTotal() != 0 {
		t.Errorf("discard stats: in %d processed %d drops %v", s.FramesIn, s.Processed, s.Drops)
	}
	if err := pipeline.NewRegistry().Register(discard.Kind); err != nil {
		t.Errorf("Register: %v", err)
	}
}

func TestDelaySlowsTheSink(t *testing.T) {
	cfg := pipeline.NewConfig(discard.Kind.Spec).Set("delay", 20*time.Millisecond, pipeline.Range{})
	st, err := discard.Kind.New(cfg, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: 5}},
		{Name: "discard", Stage: st},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats()[1]; s.Processed != 5 || s.ProcessTime < 5*20*time.Millisecond {
		t.Errorf("5 messages took %v in Consume, want at least 5 delays", s.ProcessTime)
	}

	// An aborted pipeline does not wait for the delay.
	slow := discard.New(discard.Options{Delay: time.Hour}, pipeline.Env{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := slow.Consume(ctx, pipeline.Message{}); err != context.Canceled {
		t.Errorf("Consume on a cancelled context = %v", err)
	}
}

func TestConsumeAllocatesNothing(t *testing.T) {
	s := discard.New(discard.Options{}, pipeline.Env{})
	m := pipeline.Single("high", pipeline.NewFrame(1, time.Now(), pipeline.ContentTypeJPEG, []byte{1}))
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _ = s.Consume(ctx, m) }); n != 0 {
		t.Errorf("Consume allocates %v times, want 0", n)
	}
}
