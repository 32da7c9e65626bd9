package websocket_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// TestSlowClientIsDroppedWhileOthersGetEverything runs one client that
// stops reading next to three that read everything: the fast ones must miss
// nothing, and the slow one must be dropped with the policy's close code and
// its lost frames counted.
func TestSlowClientIsDroppedWhileOthersGetEverything(t *testing.T) {
	tests := []struct {
		policy   sink.SlowClientPolicy
		wantCode int
	}{
		// drop_oldest keeps the client and discards its oldest batches
		// until a write blocks for write_timeout.
		{sink.DropOldest, wire.CloseWriteTimeout},
		{sink.CloseSlow, wire.CloseSlowConsumer},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			h := start(t, sink.Options{
				SendQueue:    4,
				SlowClient:   tt.policy,
				WriteTimeout: 3 * time.Second,
				PingInterval: time.Minute,
			}, threeTiers())
			fast := []*wire.Client{h.dial("high"), h.dial("high"), h.dial("high")}
			slow := h.dialWith(wire.Dialer{NetDialContext: receiveBuffer(4 << 10)}, "high")

			// Feed 256 KiB batches, each only after every fast client has
			// read the one before: the fast clients are never behind, the
			// slow one falls behind as soon as its socket buffers fill.
			const size = 256 << 10
			seq := uint64(0)
			feed := func() {
				t.Helper()
				seq++
				h.consume("high", makeFrames("high", seq, 1, size)...)
				for i, c := range fast {
					b := readBatch(t, c)
					if len(b.Frames) != 1 || b.Frames[0].Seq != seq || len(b.Frames[0].Payload) != size {
						t.Fatalf("fast client %d: got %d frames (seq %d), want seq %d", i, len(b.Frames), b.Frames[0].Seq, seq)
					}
				}
			}
			for h.report.dropped(pipeline.DropSlowClient) == 0 {
				if seq == 2000 {
					t.Fatalf("no slow-client drop after %d batches of %d bytes", seq, size)
				}
				feed()
			}

			// The slow client goes (at write_timeout at the latest) while
			// the fast ones keep receiving every batch.
			deadline := time.Now().Add(wait)
			for h.sink.Clients() != len(fast) {
				if time.Now().After(deadline) {
					t.Fatalf("the slow client is still connected after %v", wait)
				}
				feed()
				time.Sleep(10 * time.Millisecond)
			}
			if code := h.disconnectCode(slow.Hello.Session); code != tt.wantCode {
				t.Errorf("slow client closed with %d, want %d", code, tt.wantCode)
			}
			for range 5 {
				feed()
			}
			if n := h.report.dropped(pipeline.DropSlowClient); n < 1 || uint64(n) >= seq {
				t.Errorf("slow_client drops %d, want between 1 and %d", n, seq-1)
			}
			for _, c := range fast {
				if _, ok := h.logs.find("client disconnected", "session", c.Hello.Session); ok {
					t.Errorf("fast client %s was disconnected", c.Hello.Session)
				}
			}
		})
	}
}

// receiveBuffer returns a dial function that fixes the connection's
// receive buffer at size bytes, which also stops the kernel from growing it:
// a client that stops reading then backs up into the server quickly.
func receiveBuffer(size int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			if err := tc.SetReadBuffer(size); err != nil {
				c.Close()
				return nil, err
			}
		}
		return c, nil
	}
}
