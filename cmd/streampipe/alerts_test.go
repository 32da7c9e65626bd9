package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRunFiresAlertHooks: run evaluates the file's alerts while the
// pipeline runs, and the webhook has its notification by the time run
// returns.
func TestRunFiresAlertHooks(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n map[string]any
		if json.Unmarshal(body, &n) == nil {
			mu.Lock()
			got = append(got, n)
			mu.Unlock()
		}
	}))
	defer srv.Close()

	conf := writeFile(t, "p.hcl", `alerts {
  interval = "50ms"
}
alert "memory_used" {
  metric   = "system.memory.utilization"
  labels   = { system_memory_state = "used" }
  above    = "0%"
  severity = "info"
  hook "webhook" {
    url = "`+srv.URL+`"
  }
}
`+shortPipeline)
	_, stderr, code := invoke(t, "--log-format", "json", "run", conf)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || got[0]["alert"] != "memory_used" || got[0]["state"] != "firing" {
		t.Fatalf("webhook got %v\n%s", got, stderr)
	}
	if !strings.Contains(stderr, `"msg":"alert state changed"`) {
		t.Errorf("no transition logged:\n%s", stderr)
	}
}

// TestRunStopDoesNotResolveAlerts: when run is asked to stop, its queues
// empty while the pipeline drains; that is the stop, not the fault going
// away, so the firing alert is not resolved and no hook hears of it.
// (Linux and macOS: the test signals its own process.)
func TestRunStopDoesNotResolveAlerts(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n map[string]any
		if json.Unmarshal(body, &n) == nil {
			mu.Lock()
			got = append(got, n)
			mu.Unlock()
		}
	}))
	defer srv.Close()
	states := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, n := range got {
			out = append(out, fmt.Sprint(n["state"]))
		}
		return out
	}

	// The sink takes 100 ms per message while 30 arrive each second:
	// its input link fills (16 messages) and the alert fires.
	conf := writeFile(t, "p.hcl", `alerts {
  interval = "50ms"
}
alert "sink_queue" {
  metric = "streampipe.stage.queue.length"
  labels = { stage = "discard" }
  above  = 10
  hook "webhook" {
    url = "`+srv.URL+`"
  }
}
pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 32
    height = 24
  }
  batch {
    max_size = 1
  }
  sink "discard" {
    delay = "100ms"
  }
}
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"streampipe", "--log-format", "json", "run", conf}, &stdout, &stderr, nil)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for len(states()) == 0 {
		if time.Now().After(deadline) {
			cancel()
			<-code
			t.Fatalf("the alert did not fire\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A first SIGINT stops run: the pipeline drains its queue. (run
	// has taken over SIGINT, so the test process gets no default action.)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit %d\n%s", c, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run did not stop")
	}
	if s := states(); len(s) != 1 || s[0] != "firing" {
		t.Errorf("webhook got %v, want only the firing notification\n%s", s, stderr.String())
	}
	if strings.Contains(stderr.String(), "alert evaluation failed") {
		t.Errorf("evaluation failure logged at stop:\n%s", stderr.String())
	}
}

// TestRunFindsExecHookPrograms: an exec hook whose program does not
// exist stops run before the pipelines start, with an error at the
// hook's command, rather than failing when the alert first fires.
func TestRunFindsExecHookPrograms(t *testing.T) {
	conf := writeFile(t, "p.hcl", `alert "memory_used" {
  metric   = "system.memory.utilization"
  labels   = { system_memory_state = "used" }
  above    = "0%"
  severity = "info"
  hook "exec" {
    command = ["./notify.sh"]
  }
}
`+shortPipeline)
	_, stderr, code := invoke(t, "run", conf)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, stderr)
	}
	for _, want := range []string{"Alert hook program not found", `"./notify.sh" (`, "does not exist", "p.hcl:7:15"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "pipeline stopped") {
		t.Errorf("the pipeline ran:\n%s", stderr)
	}
}
