package websocket

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// newBroadcastSink returns a sink with n in-process clients on tier
// "high": real clients with their send queues but no connection, so what is
// measured is Consume alone. Nothing is started.
func newBroadcastSink(tb testing.TB, n, queue int) (*Sink, []*client) {
	tb.Helper()
	s, err := New(Options{SendQueue: queue, MaxClients: n}, pipeline.Env{Upstream: pipeline.StreamInfo{
		FPS:   30,
		Tiers: []pipeline.TierInfo{{Name: "high", FPS: 30}, {Name: "low", FPS: 10}},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = newClient(s, nil, fmt.Sprint(i), "high", 0)
		if err := s.hub.add(clients[i], 0); err != nil {
			tb.Fatal(err)
		}
	}
	return s, clients
}

func batchOf(size int) pipeline.Message {
	f := pipeline.NewFrame(1, time.Now(), pipeline.ContentTypeJPEG, make([]byte, size))
	return pipeline.Single("high", f)
}

// TestBroadcastAllocationsDoNotGrowWithClients holds Consume to its design:
// one encoding and one prepared message per batch, whatever the number of
// clients.
func TestBroadcastAllocationsDoNotGrowWithClients(t *testing.T) {
	m := batchOf(16 << 10)
	var perBatch []float64
	for _, n := range []int{1, 100, 1000} {
		s, _ := newBroadcastSink(t, n, 512) // room for every batch below
		allocs := testing.AllocsPerRun(100, func() {
			if err := s.Consume(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		})
		perBatch = append(perBatch, allocs)
	}
	if perBatch[0] != perBatch[1] || perBatch[1] != perBatch[2] {
		t.Errorf("allocations per batch for 1, 100 and 1000 clients: %v; want them equal", perBatch)
	}
	// gorilla's NewPreparedMessage accounts for most: it frames the
	// message through a throwaway connection.
	if perBatch[0] > 16 {
		t.Errorf("%v allocations per batch, want a small constant", perBatch[0])
	}
}

// TestBroadcastDropOldest checks the queue policy on in-process clients: a
// full queue loses its oldest batch, counted per frame.
func TestBroadcastDropOldest(t *testing.T) {
	s, clients := newBroadcastSink(t, 2, 3)
	rep := &countingReporter{}
	s.report = rep
	for seq := uint64(1); seq <= 5; seq++ {
		f := pipeline.NewFrame(seq, time.Now(), pipeline.ContentTypeJPEG, []byte{1})
		g := pipeline.NewFrame(seq, time.Now(), pipeline.ContentTypeJPEG, []byte{2})
		if err := s.Consume(context.Background(), pipeline.Message{Tier: "high", Frames: []*pipeline.Frame{f, g}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range clients {
		if len(c.send) != 3 {
			t.Errorf("queue holds %d batches, want 3", len(c.send))
		}
	}
	// 2 clients x 2 batches dropped x 2 frames.
	if rep.drops[pipeline.DropSlowClient] != 8 {
		t.Errorf("slow_client drops %d, want 8", rep.drops[pipeline.DropSlowClient])
	}
}

type countingReporter struct {
	pipeline.NopReporter
	mu    sync.Mutex
	drops map[string]int
}

func (r *countingReporter) Drop(reason string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drops == nil {
		r.drops = map[string]int{}
	}
	r.drops[reason] += n
}

// BenchmarkBroadcast measures Consume of one 16 KiB batch to in-process
// clients whose queues goroutines keep draining. ns/op and allocs/op are
// per broadcast; allocs/op should not change with the client count.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			s, clients := newBroadcastSink(b, n, 16)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for _, c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-c.send:
						case <-stop:
							return
						}
					}
				}()
			}
			m := batchOf(16 << 10)
			b.SetBytes(16 << 10)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.Consume(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/client")
			close(stop)
			wg.Wait()
		})
	}
}
