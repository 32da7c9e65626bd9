package websocket_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestClientsLeaveNoGoroutines ends connections in every way a client can
// and checks that both pumps of each exit and the hub forgets it, then that
// Close leaves nothing running.
func TestClientsLeaveNoGoroutines(t *testing.T) {
	beforeStart := goleak.IgnoreCurrent()
	h := start(t, sink.Options{MaxMessageSize: 128}, threeTiers())
	serving := goleak.IgnoreCurrent()

	tiers := []string{"high", "medium", "low"}
	var clients []*wire.Client
	for i := range 24 {
		clients = append(clients, h.dial(tiers[i%3]))
	}
	for i := range 6 {
		h.consume(tiers[i%3], makeFrames(tiers[i%3], uint64(i+1), 2, 512)...)
	}
	for i, c := range clients {
		switch i % 4 {
		case 0: // a polite close
			c.Close()
		case 1: // vanishes without a close frame
			c.CloseNow()
		case 2: // sends too much and is closed with 1009
			if err := c.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 200))); err != nil {
				t.Fatal(err)
			}
			if _, code := readUntilClose(t, c); code != wire.CloseTooBig {
				t.Errorf("close code %d, want %d", code, wire.CloseTooBig)
			}
			c.CloseNow()
		case 3: // switches tier, then vanishes
			if err := c.RequestQuality("low"); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			for c.Quality() != "low" {
				if _, err := c.Next(ctx); err != nil {
					t.Fatal(err)
				}
			}
			cancel()
			c.CloseNow()
		}
	}
	waitFor(t, "the hub to forget every client", func() bool { return h.sink.Clients() == 0 })
	if err := goleak.Find(serving); err != nil {
		t.Errorf("goroutines left after the clients went: %v", err)
	}

	// Clients still connected when the sink closes go too.
	for _, tier := range tiers {
		h.dial(tier)
	}
	h.close(pipeline.CauseShutdown)
	if err := goleak.Find(beforeStart); err != nil {
		t.Errorf("goroutines left after Close: %v", err)
	}
}
