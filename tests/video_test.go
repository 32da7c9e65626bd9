package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// tierWant is what a client of each tier of examples/video.hcl should see
// when it streams testdata/media/city.mpg (720x405).
var tierWant = map[string]struct {
	fps           float64
	width, height int
}{
	"high":   {30, 720, 405},
	"medium": {20, 540, 304}, // 0.75, rounded to the nearest pixel
	"low":    {10, 360, 203}, // 0.5
}

// Frame rates are measured over consecutive windows after a warm-up. The
// machine running the tests may be starved for a moment by other test
// binaries, so the rates must hold over one whole window out of
// maxWindows, for every client at once; every other check holds for
// everything received.
const (
	warmup     = 2 * time.Second
	window     = 4 * time.Second
	maxWindows = 4
)

// clientTally is what one client received.
type clientTally struct {
	tier string
	// windows counts frames received in each measured window; written by
	// the reader, read by the test while it runs.
	windows   [maxWindows]atomic.Int64
	hello     wire.Hello
	batches   int
	badBatch  []int // sizes outside [min, max]
	seqErrors int   // sequence numbers that did not increase
	decoded   int
	badSize   []string
	closeCode int
	closeErr  error
}

// TestVideoPipeline runs examples/video.hcl on the whole CC0 clip with real
// ffmpeg and checks what WebSocket clients of every tier receive, then
// stops the process with SIGTERM.
func TestVideoPipeline(t *testing.T) {
	testenv.Program(t, "ffmpeg")
	addr := freeAddr(t)
	srv := startServer(t, addr, "run", repoPath("examples", "video.hcl"),
		"-var", "video="+absRepoPath(t, "testdata", "media", "city.mpg"),
		"-var", "listen="+addr)

	// Two clients per tier.
	var clients []*wire.Client
	var tiers []string
	for _, tier := range []string{"high", "medium", "low", "high", "medium", "low"} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, err := wire.Dial(ctx, "ws://"+addr+"/stream", tier)
		cancel()
		if err != nil {
			t.Fatalf("dial %s: %v", tier, err)
		}
		clients = append(clients, c)
		tiers = append(tiers, tier)
	}

	// The hello tells each client what it gets.
	sessions := map[string]bool{}
	for i, c := range clients {
		h := c.Hello
		want := tierWant[tiers[i]]
		if h.Pipeline != "city" || h.Quality != tiers[i] || h.Requested != tiers[i] || h.Reason != wire.ReasonRequested {
			t.Errorf("hello: pipeline %q, quality %q (requested %q, reason %q); want city, %s",
				h.Pipeline, h.Quality, h.Requested, h.Reason, tiers[i])
		}
		if h.FPS != want.fps || h.ContentType != "image/jpeg" || h.Version != 1 {
			t.Errorf("hello %s: fps %v, content type %q, version %d", tiers[i], h.FPS, h.ContentType, h.Version)
		}
		if h.Batch.WindowMS != 0 || h.Batch.MinSize != 1 || h.Batch.MaxSize != 5 {
			t.Errorf("hello batch settings %+v, want window 0, 1..5", h.Batch)
		}
		if len(h.Tiers) != 3 || h.Tiers[0] != (wire.Tier{Name: "high", FPS: 30}) ||
			h.Tiers[1] != (wire.Tier{Name: "medium", FPS: 20}) || h.Tiers[2] != (wire.Tier{Name: "low", FPS: 10}) {
			t.Errorf("hello tiers %+v", h.Tiers)
		}
		if h.Session == "" || sessions[h.Session] {
			t.Errorf("session id %q is empty or repeated", h.Session)
		}
		sessions[h.Session] = true
	}

	// Read everything up to the close that SIGTERM causes; frame rates
	// count what arrives in the measured windows.
	start := time.Now().Add(warmup)
	tallies := make([]*clientTally, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		tl := &clientTally{tier: tiers[i], hello: c.Hello}
		tallies[i] = tl
		wg.Add(1)
		go func() {
			defer wg.Done()
			readClient(c, tl, start)
		}()
	}

	// Wait for the first window in which every client got its tier's rate
	// within 10%.
	good := -1
	for w := 0; w < maxWindows && good < 0; w++ {
		time.Sleep(time.Until(start.Add(time.Duration(w+1)*window)) + 200*time.Millisecond)
		var rates []string
		ok := true
		for _, tl := range tallies {
			want := tierWant[tl.tier].fps
			fps := float64(tl.windows[w].Load()) / window.Seconds()
			rates = append(rates, fmt.Sprintf("%s %.1f", tl.tier, fps))
			ok = ok && fps >= want*0.9 && fps <= want*1.1
		}
		t.Logf("window %d: %s fps", w+1, strings.Join(rates, ", "))
		if ok {
			good = w
		}
	}
	if good < 0 {
		t.Errorf("in none of %d windows of %s did every client get its tier's frame rate within 10%%", maxWindows, window)
	}

	code, took := srv.signal(syscall.SIGTERM, 15*time.Second)
	wg.Wait()
	if code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	if took > 5*time.Second+2*time.Second {
		t.Errorf("exit took %s, longer than the 5s drain timeout", took)
	}

	for _, tl := range tallies {
		t.Logf("%s: %d batches, %d frames decoded", tl.tier, tl.batches, tl.decoded)
		if len(tl.badBatch) > 0 {
			t.Errorf("%s: batch sizes outside [1, 5]: %v", tl.tier, tl.badBatch)
		}
		if tl.seqErrors > 0 {
			t.Errorf("%s: %d sequence numbers did not strictly increase", tl.tier, tl.seqErrors)
		}
		if tl.decoded == 0 || len(tl.badSize) > 0 {
			t.Errorf("%s: %d frames decoded, wrong sizes: %v", tl.tier, tl.decoded, tl.badSize)
		}
		if tl.closeCode != wire.CloseGoingAway {
			t.Errorf("%s: connection ended with code %d (%v), want 1001", tl.tier, tl.closeCode, tl.closeErr)
		}
	}
}

// readClient reads batches until the connection ends, counting frames
// into the measured window they arrive in.
func readClient(c *wire.Client, tl *clientTally, start time.Time) {
	var last uint64
	for {
		b, err := c.NextBatch(context.Background())
		if err != nil {
			var se *wire.ServerError
			if errors.As(err, &se) {
				continue
			}
			tl.closeCode, tl.closeErr = wire.CloseCode(err), err
			return
		}
		for _, f := range b.Frames {
			if f.Seq <= last {
				tl.seqErrors++
			}
			last = f.Seq
		}
		if w := int(b.Received.Sub(start) / window); !b.Received.Before(start) && w < maxWindows {
			tl.windows[w].Add(int64(len(b.Frames)))
		}
		tl.batches++
		if n := len(b.Frames); n < tl.hello.Batch.MinSize || n > tl.hello.Batch.MaxSize {
			tl.badBatch = append(tl.badBatch, n)
		}
		// Decode one frame in five (decoding all would load the machine).
		if tl.batches%5 == 1 {
			want := tierWant[tl.tier]
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(b.Frames[0].Payload))
			if err == nil {
				_, err = jpeg.Decode(bytes.NewReader(b.Frames[0].Payload))
			}
			switch {
			case err != nil:
				tl.badSize = append(tl.badSize, err.Error())
			case cfg.Width != want.width || cfg.Height != want.height:
				tl.badSize = append(tl.badSize, fmtSize(cfg.Width, cfg.Height))
			default:
				tl.decoded++
			}
		}
	}
}

func fmtSize(w, h int) string {
	return fmt.Sprintf("%dx%d", w, h)
}
