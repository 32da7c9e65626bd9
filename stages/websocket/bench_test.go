package websocket_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// BenchmarkDeliverLoopback measures one 16 KiB batch from Consume until
// every client, each a real WebSocket connection over loopback read by its
// own goroutine, has decoded it. Both ends share the machine's cores, so
// this is end-to-end cost, not the sink's alone (see BenchmarkBroadcast);
// the allocations are mostly the clients' (gorilla allocates a reader per
// message).
func BenchmarkDeliverLoopback(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			s, err := sink.New(sink.Options{Listen: "127.0.0.1:0", MaxClients: n, SendQueue: 64,
				WriteTimeout: time.Minute}, pipeline.Env{Upstream: threeTiers()})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(pipeline.WithCause(context.Background(), pipeline.CauseShutdown), time.Minute)
				defer cancel()
				s.Close(ctx)
			}()

			got := make(chan error, n)
			var wg sync.WaitGroup
			for range n {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				c, err := wire.Dial(ctx, s.URL(), "high")
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						_, err := c.NextBatch(context.Background())
						got <- err
						if err != nil {
							return
						}
					}
				}()
			}

			frames := makeFrames("high", 1, 1, 16<<10)
			b.SetBytes(int64(n) * 16 << 10) // MB/s: delivered to all clients
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.Consume(context.Background(), pipeline.Message{Tier: "high", Frames: frames}); err != nil {
					b.Fatal(err)
				}
				for range n {
					if err := <-got; err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			ctx, cancel := context.WithTimeout(pipeline.WithCause(context.Background(), pipeline.CauseShutdown), time.Minute)
			s.Close(ctx)
			cancel()
			go func() {
				for range got {
				}
			}()
			wg.Wait()
			close(got)
		})
	}
}
