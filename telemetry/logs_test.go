package telemetry_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/telemetry"
)

// logBuffer collects JSON log lines from any goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// events returns the decoded lines whose message is msg.
func (l *logBuffer) events(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Bytes(), err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestPeriodicLogs runs the slowed pipeline with a short log interval and
// checks the aggregated drop lines, the queue warnings, the resource
// summary and the sampled capture timing.
func TestPeriodicLogs(t *testing.T) {
	var logs logBuffer
	tel := newTelemetry(t, telemetry.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	p, _ := stoppingPipeline(t, tel)
	tel.Attach(p)
	const every = 300 * time.Millisecond
	start := time.Now()
	if err := tel.Start(context.Background(), telemetry.Config{Listen: telemetry.ListenOff,
		Interval: 50 * time.Millisecond, LogInterval: every, QueueWarn: 2}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(ctx) }()
	poll(t, "two drop summaries and a resource summary", 30*time.Second, func() bool {
		return len(logs.events(t, telemetry.EventFramesDropped)) >= 2 &&
			len(logs.events(t, telemetry.EventResourceSummary)) >= 1
	})
	cancel()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	// Stop the loops before reading, so no line arrives while counting.
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := tel.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	rounds := int(time.Since(start)/every) + 1

	// Drops: one line per stage and reason per round at most, adding up to
	// no more than the drops counted.
	var sum float64
	drops := logs.events(t, telemetry.EventFramesDropped)
	for _, e := range drops {
		if e["stage"] != "buffer" || e["reason"] != "buffer_full" || e["frames"].(float64) <= 0 ||
			e["pipeline"] != "slow" || e["duration"] == nil {
			t.Errorf("drop line %v", e)
		}
		sum += e["frames"].(float64)
	}
	if len(drops) > rounds {
		t.Errorf("%d drop lines in %d rounds: not aggregated", len(drops), rounds)
	}
	if total := p.Stats()[1].Drops["buffer_full"]; sum <= 0 || sum > float64(total) {
		t.Errorf("drop lines add up to %v frames; the buffer dropped %d", sum, total)
	}

	// Queue warnings: the buffer in front of the slow sink stays full (4
	// frames, above 2), warned once per round at most.
	over := logs.events(t, telemetry.EventQueueOver)
	slow := 0
	for _, e := range over {
		if e["stage"] == "buffer" {
			slow++
			if e["threshold"].(float64) != 2 || e["frames"].(float64) <= 2 {
				t.Errorf("queue warning %v", e)
			}
		}
	}
	if slow == 0 || slow > rounds+1 {
		t.Errorf("%d queue warnings for the buffer in %d rounds", slow, rounds)
	}
	if len(logs.events(t, telemetry.EventQueueLength)) == 0 {
		t.Error("no queue length lines at debug level")
	}

	// The resource summary names the busiest stage, whose busy share is
	// at most 1. The first rounds, before a full interval was measured,
	// are left out: their CPU shares and busy would be start-up values.
	sums := logs.events(t, telemetry.EventResourceSummary)
	if len(sums) == 0 {
		t.Fatal("no resource summary")
	}
	for _, sum := range sums {
		res, _ := sum["resources"].(map[string]any)
		if sum["stage"] == nil || res == nil || res["rss_bytes"].(float64) <= 0 ||
			res["goroutines"].(float64) <= 1 {
			t.Errorf("resource summary %v", sum)
			continue
		}
		for _, share := range []any{sum["busy"], res["process_cpu"], res["system_cpu"]} {
			if v, ok := share.(float64); !ok || v < 0 || v > 1 {
				t.Errorf("resource summary with a share of %v: %v", share, sum)
			}
		}
		at, err := time.Parse(time.RFC3339Nano, sum["time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if at.Sub(start) < 900*time.Millisecond {
			t.Errorf("resource summary %v after start, before a full interval was measured: %v",
				at.Sub(start), sum)
		}
	}

	// Capture timing: sampled, one frame per 10 s of capture.
	timing := logs.events(t, telemetry.EventCaptureTiming)
	if want := int(time.Since(start)/(10*time.Second)) + 1; len(timing) == 0 || len(timing) > want {
		t.Errorf("%d capture timing lines, want 1 to %d", len(timing), want)
	}
}

func TestLoggingDocListsEveryEvent(t *testing.T) {
	doc, err := os.ReadFile(testenv.Path(t, "docs", "logging.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{telemetry.EventFramesDropped, telemetry.EventQueueLength, telemetry.EventQueueOver,
		telemetry.EventResourceSummary, telemetry.EventCaptureTiming,
		"client connected", "quality negotiated", "quality changed", "client disconnected"} {
		if !bytes.Contains(doc, []byte("| `"+ev+"` |")) {
			t.Errorf("docs/logging.md has no row for %q", ev)
		}
	}
}
