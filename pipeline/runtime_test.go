package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// countSource emits n frames then ends, or runs until cancelled when n < 0.
type countSource struct{ n int }

func (s countSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for i := 0; s.n < 0 || i < s.n; i++ {
		f := pipeline.NewFrame(seq.Next(), time.Now(), pipeline.ContentTypeJPEG, []byte{1})
		if err := out.Emit(ctx, pipeline.Single("", f)); err != nil {
			return nil
		}
	}
	return nil
}

type passThrough struct{}

func (passThrough) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	return out.Emit(ctx, m)
}

type failAt struct{ n, seen int }

func (f *failAt) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	f.seen++
	if f.seen == f.n {
		return errors.New("boom")
	}
	return out.Emit(ctx, m)
}

type countSink struct {
	frames  atomic.Int64
	lastSeq atomic.Uint64
	closed  atomic.Int32
	cause   atomic.Int32
}

func (c *countSink) Consume(ctx context.Context, m pipeline.Message) error {
	c.frames.Add(int64(len(m.Frames)))
	c.lastSeq.Store(m.Frames[len(m.Frames)-1].Seq)
	return nil
}

func (c *countSink) Close(ctx context.Context) error {
	c.closed.Add(1)
	c.cause.Store(int32(pipeline.CauseFromContext(ctx)))
	return nil
}

func TestRunDeliversEveryFrameToEverySink(t *testing.T) {
	a, b := &countSink{}, &countSink{}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: 1000}},
		{Name: "pass", Stage: passThrough{}},
		{Name: "a", Stage: a},
		{Name: "b", Stage: b},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*countSink{"a": a, "b": b} {
		if got := s.frames.Load(); got != 1000 {
			t.Errorf("sink %s got %d frames, want 1000", name, got)
		}
		if got := s.lastSeq.Load(); got != 1000 {
			t.Errorf("sink %s last seq %d, want 1000", name, got)
		}
		if s.closed.Load() != 1 || pipeline.Cause(s.cause.Load()) != pipeline.CauseEndOfStream {
			t.Errorf("sink %s closed %d times with cause %d", name, s.closed.Load(), s.cause.Load())
		}
	}
	st := p.Stats()
	if st[1].FramesIn != 1000 || st[1].FramesOut != 1000 || st[2].FramesIn != 1000 {
		t.Errorf("stats: %+v", st)
	}
}

func TestRunStopsOnStageFailure(t *testing.T) {
	sink := &countSink{}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: -1}},
		{Name: "fail", Stage: &failAt{n: 10}},
		{Name: "sink", Stage: sink},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(context.Background())
	var se *pipeline.StageError
	if !errors.As(err, &se) || se.Stage != "fail" || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Run error = %v, want a StageError from stage fail", err)
	}
	if got := sink.frames.Load(); got != 9 {
		t.Errorf("sink got %d frames, want the 9 before the failure", got)
	}
	if pipeline.Cause(sink.cause.Load()) != pipeline.CauseFailure {
		t.Errorf("sink closed with cause %d, want failure", sink.cause.Load())
	}
}

func TestRunDrainsOnCancel(t *testing.T) {
	sink := &countSink{}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: -1}},
		{Name: "sink", Stage: sink},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for sink.frames.Load() < 100 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	// Every frame the source emitted reached the sink: nothing in flight
	// was lost during the drain.
	if st[0].FramesOut != uint64(sink.frames.Load()) || st[1].DroppedTotal() != 0 {
		t.Errorf("emitted %d, delivered %d, dropped %v", st[0].FramesOut, sink.frames.Load(), st[1].Drops)
	}
	if pipeline.Cause(sink.cause.Load()) != pipeline.CauseShutdown {
		t.Errorf("cause %d, want shutdown", sink.cause.Load())
	}
}

func TestRunRecoversStagePanic(t *testing.T) {
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: -1}},
		{Name: "sink", Stage: panicSink{}},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "panic: kaboom") {
		t.Fatalf("Run error = %v, want the recovered panic", err)
	}
}

type panicSink struct{}

func (panicSink) Consume(context.Context, pipeline.Message) error { panic("kaboom") }

// slowStarter is a sink whose Start waits for its context.
type slowStarter struct {
	countSink
	started chan struct{}
}

func (s *slowStarter) Start(ctx context.Context) error {
	close(s.started)
	<-ctx.Done()
	return ctx.Err()
}

func TestRunStoppedWhileStartingIsNotAFailure(t *testing.T) {
	sink := &slowStarter{started: make(chan struct{})}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: -1}},
		{Name: "sink", Stage: sink},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-sink.started; cancel() }()
	if err := p.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil after a stop during start", err)
	}
	if got := sink.frames.Load(); got != 0 {
		t.Errorf("%d frames delivered, want none", got)
	}
}

// queueProbe is a Processor that also implements Queuer, to see which link
// capacity its output gets.
type queueProbe struct{ passThrough }

func (queueProbe) QueueLen() (int, int) { return 0, 10 }

// TestLinkCapacities: links hold Options.LinkCapacity messages, except the
// one after a Queuer, which holds one.
func TestLinkCapacities(t *testing.T) {
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{n: 1}},
		{Name: "buffer", Stage: queueProbe{}},
		{Name: "pass", Stage: passThrough{}},
		{Name: "sink", Stage: &countSink{}},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if st[1].QueueCap != 10 {
		t.Errorf("the queuer reports capacity %d, want its own 10", st[1].QueueCap)
	}
	if st[2].QueueCap != 1 {
		t.Errorf("the link after the queuer holds %d, want 1", st[2].QueueCap)
	}
	if st[3].QueueCap != pipeline.DefaultLinkCapacity {
		t.Errorf("an ordinary link holds %d, want %d", st[3].QueueCap, pipeline.DefaultLinkCapacity)
	}
}
