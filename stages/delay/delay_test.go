package delay_test

import (
	"context"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/delay"
)

// stampSource emits n frames captured now, one every gap.
type stampSource struct {
	n   int
	gap time.Duration
}

func (s stampSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for range s.n {
		f := pipeline.NewFrame(seq.Next(), time.Now(), pipeline.ContentTypeJPEG, []byte{1})
		if err := out.Emit(ctx, pipeline.Single("", f)); err != nil {
			return err
		}
		time.Sleep(s.gap)
	}
	return nil
}

// ageSink records how old each frame is when it arrives.
type ageSink struct{ ages []time.Duration }

func (s *ageSink) Consume(_ context.Context, m pipeline.Message) error {
	for _, f := range m.Frames {
		s.ages = append(s.ages, time.Since(f.Captured))
	}
	return nil
}

func TestDelayHoldsEveryMessage(t *testing.T) {
	const d = 30 * time.Millisecond
	cfg := pipeline.NewConfig(delay.Kind.Spec, "delay", "slow").Set("delay", d, pipeline.Range{})
	st, err := delay.Kind.New(cfg, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	sink := &ageSink{}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: stampSource{n: 10, gap: time.Millisecond}},
		{Name: "slow", Family: pipeline.FamilyStage, Kind: "delay", Stage: st},
		{Name: "out", Stage: sink},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sink.ages) != 10 {
		t.Fatalf("%d frames arrived, want 10", len(sink.ages))
	}
	// Every frame is held at least the delay after its capture.
	for i, age := range sink.ages {
		if age < d {
			t.Errorf("frame %d arrived %v after capture, before the delay of %v", i, age, d)
		}
	}
	if s := p.Stats()[1]; s.FramesIn != 10 || s.FramesOut != 10 || s.Processed != 10 || s.ProcessTime < 10*d {
		t.Errorf("delay stats: %+v", s)
	}
}

// countDrops records drops.
type countDrops struct {
	pipeline.NopReporter
	n map[string]int
}

func (c *countDrops) Drop(reason string, frames int)    { c.n[reason] += frames }
func (c *countDrops) Skip(int)                          {}
func (c *countDrops) SetHealth(pipeline.Health, string) {}

func TestDelayStopsWithItsContext(t *testing.T) {
	rep := &countDrops{n: map[string]int{}}
	s := delay.New(time.Hour, rep)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	m := pipeline.Single("", pipeline.NewFrame(1, time.Now(), pipeline.ContentTypeJPEG, nil))
	go func() { done <- s.Process(ctx, m, nil) }()
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Process = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Process did not return when its context ended")
	}
	if rep.n[pipeline.DropShutdown] != 1 {
		t.Errorf("drops %v, want 1 for shutdown", rep.n)
	}
}

func TestKindRegisters(t *testing.T) {
	if err := pipeline.NewRegistry().Register(delay.Kind); err != nil {
		t.Fatal(err)
	}
	if _, ok := delay.Kind.Spec.Attr("delay"); !ok {
		t.Fatal("no delay attribute")
	}
}
