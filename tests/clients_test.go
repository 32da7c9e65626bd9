package tests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/streampipe/streampipe/loadtest"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// misbehavingConfig streams one large padded JPEG at 30 fps (no encoding
// cost, so the machine's load does not matter) to a sink that closes a
// client whose send queue overflows.
const misbehavingConfig = `pipeline "edge" {
  capture "files" {
    path = "frame.jpg"
    fps  = 30
  }
  quality {
    tier "high" {
      fps = 30
    }
    tier "low" {
      fps = 10
    }
  }
  sink "websocket" {
    listen           = %q
    send_queue       = 4
    slow_client      = "close"
    max_message_size = "1KiB"
  }
}
`

// TestMisbehavingClients checks that one client that stops reading is
// closed with the slow-consumer code while the others keep every frame,
// that malformed JSON gets an error and the client stays, and that an
// oversized message closes only its sender with 1009.
func TestMisbehavingClients(t *testing.T) {
	dir := t.TempDir()
	frame, err := loadtest.PaddedJPEG(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "frame.jpg"), frame, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	conf := filepath.Join(dir, "edge.hcl")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(misbehavingConfig, addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, addr, "run", conf)
	url := "ws://" + addr + "/stream"
	dial := func(quality string) *wire.Client {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := wire.Dial(ctx, url, quality)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}

	// Two good clients read everything; seqs of the full-rate tier must be
	// consecutive from their first frame on.
	type tally struct {
		frames, gaps int
		err          error
	}
	good := []*wire.Client{dial("high"), dial("high")}
	tallies := make([]*tally, len(good))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range good {
		tl := &tally{}
		tallies[i] = tl
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				b, err := c.NextBatch(ctx)
				cancel()
				if err != nil {
					tl.err = err
					return
				}
				for _, f := range b.Frames {
					if last != 0 && f.Seq != last+1 {
						tl.gaps++
					}
					last = f.Seq
					tl.frames++
				}
			}
		}()
	}

	// The slow client never reads after its hello.
	slow := dial("high")
	rec := srv.waitLog("client disconnected", map[string]any{"session": slow.Hello.Session}, 60*time.Second)
	if code := rec["code"]; fmt.Sprint(code) != fmt.Sprint(wire.CloseSlowConsumer) {
		t.Errorf("slow client closed with code %v (%v), want %d", code, rec["reason"], wire.CloseSlowConsumer)
	}

	// Malformed JSON: an error message, and batches keep coming.
	talker := dial("low")
	if err := talker.WriteMessage(websocket.TextMessage, []byte(`{"type":`)); err != nil {
		t.Fatal(err)
	}
	var gotError bool
	for batches := 0; batches < 3; {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := talker.NextBatch(ctx)
		cancel()
		var se *wire.ServerError
		switch {
		case errors.As(err, &se):
			gotError = true
			if se.Code != wire.ErrMalformedMessage {
				t.Errorf("error code %q, want %q", se.Code, wire.ErrMalformedMessage)
			}
		case err != nil:
			t.Fatalf("after malformed JSON the connection failed: %v", err)
		default:
			batches++
		}
	}
	if !gotError {
		t.Error("no error message after malformed JSON")
	}

	// Oversized message: closed with 1009.
	if err := talker.WriteMessage(websocket.TextMessage, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	var closeErr error
	for closeErr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, closeErr = talker.NextBatch(ctx)
		cancel()
		var se *wire.ServerError
		if errors.As(closeErr, &se) {
			closeErr = nil
		}
	}
	if code := wire.CloseCode(closeErr); code != wire.CloseTooBig {
		t.Errorf("oversized message: connection ended with %d (%v), want 1009", code, closeErr)
	}

	// The good clients kept up throughout.
	close(stop)
	wg.Wait()
	for i, tl := range tallies {
		if tl.err != nil {
			t.Errorf("good client %d failed: %v", i, tl.err)
		}
		if tl.gaps != 0 || tl.frames < 30 {
			t.Errorf("good client %d: %d frames with %d gaps, want at least 30 consecutive frames", i, tl.frames, tl.gaps)
		}
	}
}
