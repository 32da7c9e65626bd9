package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
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
