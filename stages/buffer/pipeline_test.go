package buffer_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/buffer"
)

// countSource emits frames 1..n as fast as the pipeline takes them.
type countSource struct{ n int }

func (s countSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for range s.n {
		if err := out.Emit(ctx, pipeline.Single("", frame(seq.Next()))); err != nil {
			return err
		}
	}
	return nil
}

// slowSink records sequence numbers, pausing on each message so that a
// fast source overruns the buffer in front of it.
type slowSink struct {
	pause time.Duration
	mu    sync.Mutex
	seqs  []uint64
}

func (s *slowSink) Consume(ctx context.Context, m pipeline.Message) error {
	if len(m.Frames) != 1 {
		return errors.New("buffer emitted a multi-frame message")
	}
	if s.pause > 0 {
		time.Sleep(s.pause)
	}
	s.mu.Lock()
	s.seqs = append(s.seqs, m.Frames[0].Seq)
	s.mu.Unlock()
	return nil
}

// runBuffer runs countSource{n} -> buffer -> sink with the real runtime.
func runBuffer(t *testing.T, n int, opts buffer.Options, sink *slowSink) []pipeline.Snapshot {
	t.Helper()
	stats := pipeline.NewStats("t", "buffer", pipeline.FamilyBuffer, "")
	b, err := buffer.New(opts, pipeline.Env{Pipeline: "t", Stage: "buffer", Report: stats})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Family: pipeline.FamilyCapture, Stage: countSource{n: n}},
		{Name: "buffer", Family: pipeline.FamilyBuffer, Stage: b, Stats: stats},
		{Name: "sink", Family: pipeline.FamilySink, Stage: sink},
	}, pipeline.Options{LinkCapacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p.Stats()
}

func TestInPipelineBlockDeliversEverything(t *testing.T) {
	sink := &slowSink{}
	st := runBuffer(t, 2000, buffer.Options{Capacity: 8, OnFull: buffer.Block}, sink)
	if !equalSeqs(sink.seqs, seqRange(1, 2000)) {
		t.Fatalf("sink got %d frames, want 1..2000 in order", len(sink.seqs))
	}
	if st[1].FramesIn != 2000 || st[1].FramesOut != 2000 || st[1].DroppedTotal() != 0 {
		t.Errorf("buffer stats: in %d out %d drops %v", st[1].FramesIn, st[1].FramesOut, st[1].Drops)
	}
	if st[1].QueueCap != 8 {
		t.Errorf("reported queue capacity %d, want the buffer's 8", st[1].QueueCap)
	}
}

// TestInPipelineDropsAreAccounted overruns drop-policy buffers: how many
// frames are dropped depends on timing, but every frame is either
// delivered, in order, or counted as dropped.
func TestInPipelineDropsAreAccounted(t *testing.T) {
	for _, policy := range []buffer.Policy{buffer.DropOldest, buffer.DropNewest} {
		t.Run(string(policy), func(t *testing.T) {
			sink := &slowSink{pause: 100 * time.Microsecond}
			const n = 3000
			st := runBuffer(t, n, buffer.Options{Capacity: 4, OnFull: policy}, sink)
			delivered := uint64(len(sink.seqs))
			dropped := st[1].Drops[pipeline.DropBufferFull]
			if delivered+dropped != n || st[1].DroppedTotal() != dropped {
				t.Errorf("delivered %d + dropped %v != %d", delivered, st[1].Drops, n)
			}
			for i := 1; i < len(sink.seqs); i++ {
				if sink.seqs[i] <= sink.seqs[i-1] {
					t.Fatalf("out of order: %d after %d", sink.seqs[i], sink.seqs[i-1])
				}
			}
			// drop_oldest always keeps the newest frame; drop_newest the first.
			last, first := sink.seqs[len(sink.seqs)-1], sink.seqs[0]
			if policy == buffer.DropOldest && last != n {
				t.Errorf("drop_oldest delivered last frame %d, want %d", last, n)
			}
			if policy == buffer.DropNewest && first != 1 {
				t.Errorf("drop_newest delivered first frame %d, want 1", first)
			}
		})
	}
}
