package quality_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/quality"
)

// TestRunParallelKeepsOrder re-encodes the real city frames on several
// workers and checks the result is exactly what one-at-a-time processing
// gives: the same messages, tiers, sequence numbers and payload bytes, in
// the same order.
func TestRunParallelKeepsOrder(t *testing.T) {
	payloads := cityFrames(t)
	opts := quality.Options{Tiers: []quality.Tier{
		{Name: "high", FPS: 30},
		{Name: "medium", FPS: 20, Scale: 0.75, JPEGQuality: 70},
		{Name: "low", FPS: 10, Scale: 0.5, JPEGQuality: 50},
	}}
	env := pipeline.Env{Upstream: pipeline.StreamInfo{FPS: 30}}

	// One at a time, through Process.
	seqOpts := opts
	seqOpts.Workers = 1
	seq, err := quality.New(seqOpts, env)
	if err != nil {
		t.Fatal(err)
	}
	want := &recorder{}
	for i, p := range payloads {
		if err := seq.Process(context.Background(), pipeline.Single("", frame(uint64(i+1), p)), want); err != nil {
			t.Fatal(err)
		}
	}

	// Four workers, through Run, with input arriving in bursts.
	parOpts := opts
	parOpts.Workers = 4
	par, err := quality.New(parOpts, env)
	if err != nil {
		t.Fatal(err)
	}
	in := make(chan pipeline.Message, len(payloads))
	for i, p := range payloads {
		in <- pipeline.Single("", frame(uint64(i+1), p))
	}
	close(in)
	got := &recorder{}
	if err := par.Run(context.Background(), in, got); err != nil {
		t.Fatal(err)
	}

	if len(got.msgs) != len(want.msgs) || len(want.msgs) != 60+40+20 {
		t.Fatalf("parallel run emitted %d messages, sequential %d, want 120", len(got.msgs), len(want.msgs))
	}
	for i := range want.msgs {
		g, w := got.msgs[i], want.msgs[i]
		if g.Tier != w.Tier || g.Frames[0].Seq != w.Frames[0].Seq || !bytes.Equal(g.Frames[0].Payload, w.Frames[0].Payload) {
			t.Fatalf("message %d: got %s seq %d (%d bytes), want %s seq %d (%d bytes)", i,
				g.Tier, g.Frames[0].Seq, len(g.Frames[0].Payload), w.Tier, w.Frames[0].Seq, len(w.Frames[0].Payload))
		}
	}
}

// TestRunParallelStopsOnCancel cancels the context while frames are in
// flight: Run returns the context's error instead of blocking.
func TestRunParallelStopsOnCancel(t *testing.T) {
	payloads := cityFrames(t)
	s, err := quality.New(quality.Options{Workers: 2, Tiers: []quality.Tier{{Name: "low", FPS: 30, Scale: 0.5}}},
		pipeline.Env{Upstream: pipeline.StreamInfo{FPS: 30}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := make(chan pipeline.Message)
	go func() {
		for i := 0; ; i++ {
			select {
			case in <- pipeline.Single("", frame(uint64(i+1), payloads[i%len(payloads)])):
			case <-ctx.Done():
				return
			}
		}
	}()
	out := &cancelAfter{n: 10, cancel: cancel}
	if err := s.Run(ctx, in, out); err != context.Canceled {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}

// cancelAfter is an Output that cancels the context after n messages and
// then fails like the runtime's output does.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Emit(ctx context.Context, m pipeline.Message) error {
	if c.n == 0 {
		c.cancel()
	}
	c.n--
	return ctx.Err()
}
