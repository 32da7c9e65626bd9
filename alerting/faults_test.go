package alerting_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/hcl"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages"
	"github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
	"github.com/streampipe/streampipe/telemetry"
)

// The tests in this file force alerts with controlled faults in real
// pipelines, with real WebSocket clients over loopback, and check what
// the webhook receives. Rules use short windows and a 100 ms interval.

// running is a loaded configuration running like `streampipe run`:
// telemetry, the alert engine installed for /status, and the pipelines.
type running struct {
	tel    *telemetry.Telemetry
	engine *alerting.Engine
	p      *pipeline.Pipeline
	logs   *logBuffer
	done   chan error
	cancel context.CancelFunc
}

// run loads src (with %s replaced by the webhook's URL) and runs it until
// the test ends.
func run(t *testing.T, src, hookURL string) *running {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "pipeline.hcl")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(src, "HOOK_URL", hookURL)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &running{logs: &logBuffer{}, done: make(chan error, 1)}
	log := r.logs.logger()
	tel, err := telemetry.New(telemetry.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	r.tel = tel
	cfg, diags := hcl.Load(path, hcl.Options{Registry: stages.Registry(), Meter: tel.Meter(),
		Status: tel.StatusHandler(), Logger: log})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r.p = cfg.Pipelines[0]
	tel.Attach(r.p)
	tcfg := telemetry.Config{Listen: telemetry.ListenOff}
	if cfg.Telemetry != nil {
		tcfg = *cfg.Telemetry
	}
	tcfg.Interval = 100 * time.Millisecond
	if err := tel.Start(context.Background(), tcfg); err != nil {
		t.Fatal(err)
	}
	r.engine, err = alerting.New(tel, cfg.Alerts, alerting.Options{Logger: log, Meter: tel.Meter()})
	if err != nil {
		t.Fatal(err)
	}
	tel.SetAlerts(r.engine)
	r.engine.Start(context.Background())

	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Error("pipeline did not stop")
		}
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = r.engine.Stop(sctx)
		_ = tel.Shutdown(sctx)
		if t.Failed() {
			r.logs.mu.Lock()
			t.Logf("log:\n%s", r.logs.buf.String())
			r.logs.mu.Unlock()
		}
	})
	return r
}

// wsURL returns the URL of the pipeline's WebSocket sink.
func (r *running) wsURL(t *testing.T) string {
	t.Helper()
	for _, n := range r.p.Nodes() {
		if s, ok := n.Stage.(*websocket.Sink); ok {
			var url string
			waitFor(t, "the websocket sink to listen", func() bool { url = s.URL(); return url != "" })
			return url
		}
	}
	t.Fatal("no websocket sink")
	return ""
}

// transitions returns the from>to pairs logged for alert, in order.
func (r *running) transitions(alert string) []string {
	var out []string
	for _, rec := range r.logs.records(alerting.EventStateChanged) {
		if rec["alert"] == alert {
			out = append(out, fmt.Sprint(rec["from"], ">", rec["to"]))
		}
	}
	return out
}

// wantSequence checks that got holds want in order, possibly with other
// transitions (another group's) in between.
func wantSequence(t *testing.T, got, want []string) {
	t.Helper()
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("transitions %v do not contain %v in order", got, want)
	}
}

// firedAndResolved waits for a firing and then a resolved notification of
// alert, and checks what both carry.
func firedAndResolved(t *testing.T, rcv *receiver, alert string) (fired, resolved alerting.Notification) {
	t.Helper()
	find := func(state string, labels map[string]string) (alerting.Notification, bool) {
		for _, n := range rcv.notifications() {
			if n.Alert == alert && n.State == state && (labels == nil || sameLabels(n.Labels, labels)) {
				return n, true
			}
		}
		return alerting.Notification{}, false
	}
	waitFor(t, alert+" firing", func() bool { _, ok := find("firing", nil); return ok })
	fired, _ = find("firing", nil)
	waitFor(t, alert+" resolved", func() bool { _, ok := find("resolved", fired.Labels); return ok })
	resolved, _ = find("resolved", fired.Labels)
	if fired.Resolved != nil || fired.Started.IsZero() || fired.Version != alerting.PayloadVersion {
		t.Errorf("firing payload: %+v", fired)
	}
	if resolved.Resolved == nil || !resolved.Started.Equal(fired.Started) || resolved.Resolved.Before(fired.Started) {
		t.Errorf("resolved payload: %+v (fired %v)", resolved, fired.Started)
	}
	return fired, resolved
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSlowSinkFillsTheQueue(t *testing.T) {
	rcv := newReceiver(t)
	// The discard sink takes 100 ms per message, far slower than the
	// batches arrive; its input link (16 messages) fills. When the 60
	// frames are captured and the queue drains, the alert resolves.
	r := run(t, `
alerts {
  interval = "100ms"
}
alert "sink_queue" {
  metric   = "streampipe.stage.queue.length"
  labels   = { stage = "discard" }
  above    = 10
  window   = "1s"
  for      = "300ms"
  severity = "warning"
  summary  = "The sink is behind."
  hook "webhook" {
    url     = "HOOK_URL"
    backoff = "50ms"
  }
}
pipeline "slow" {
  capture "synthetic" {
    fps    = 30
    width  = 32
    height = 24
    frames = 60
  }
  quality {
    tier "high" {
      fps = 30
    }
  }
  batch {
    max_size = 1
  }
  sink "discard" {
    delay = "100ms"
  }
}
`, rcv.srv.URL)
	fired, resolved := firedAndResolved(t, rcv, "sink_queue")
	if fired.Severity != "warning" || fired.Value <= 10 || fired.Threshold != 10 || fired.Comparison != "above" ||
		fired.Labels["pipeline"] != "slow" || fired.Labels["stage"] != "discard" || fired.Summary != "The sink is behind." ||
		!strings.Contains(fired.Expr, "streampipe_stage_queue_length") {
		t.Errorf("firing payload: %+v", fired)
	}
	if resolved.Value > 10 {
		t.Errorf("resolved with the queue at %v", resolved.Value)
	}
	wantSequence(t, r.transitions("sink_queue"), []string{"inactive>pending", "pending>firing", "firing>resolved"})
	waitFor(t, "the resolved instance to go inactive", func() bool {
		tr := r.transitions("sink_queue")
		return len(tr) > 0 && tr[len(tr)-1] == "resolved>inactive"
	})
}

func TestDelayStagePushesLatencyOverTheThresholds(t *testing.T) {
	rcv := newReceiver(t)
	// Every frame is held 250 ms by the delay stage; the capture (3 fps)
	// is slower than that, so nothing queues and latency stays near
	// 250 ms: over both default latency thresholds. After 9 frames the
	// capture ends and, with no new frames in the window, the alerts
	// resolve.
	r := run(t, `
alerts {
  interval = "100ms"
}
alert "frame_latency_p95" {
  metric    = "streampipe.websocket.frame.latency"
  aggregate = "p95"
  above     = "100ms"
  window    = "1s"
  severity  = "critical"
  hook "webhook" {
    url = "HOOK_URL"
  }
}
alert "frame_latency_p99" {
  metric    = "streampipe.websocket.frame.latency"
  aggregate = "p99"
  above     = "200ms"
  window    = "1s"
  severity  = "critical"
  hook "webhook" {
    url = "HOOK_URL"
  }
}
pipeline "delayed" {
  drain_timeout = "10s"
  capture "synthetic" {
    fps    = 3
    width  = 32
    height = 24
    frames = 9
  }
  stage "delay" "slow" {
    delay = "250ms"
  }
  quality {
    tier "high" {
      fps = 3
    }
  }
  sink "websocket" {
    listen = "127.0.0.1:0"
  }
}
`, rcv.srv.URL)
	c, err := wire.Dial(context.Background(), r.wsURL(t), "high")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got sync.WaitGroup
	got.Add(1)
	go func() {
		defer got.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for {
			if _, err := c.NextBatch(ctx); err != nil {
				return
			}
		}
	}()

	for _, tc := range []struct {
		alert     string
		threshold float64
	}{{"frame_latency_p95", 0.1}, {"frame_latency_p99", 0.2}} {
		fired, _ := firedAndResolved(t, rcv, tc.alert)
		if fired.Severity != "critical" || fired.Value <= tc.threshold || fired.Threshold != tc.threshold ||
			fired.Unit != "s" || fired.Labels["tier"] != "high" || fired.Labels["stage"] != "websocket" ||
			fired.Labels["pipeline"] != "delayed" {
			t.Errorf("firing payload: %+v", fired)
		}
		wantSequence(t, r.transitions(tc.alert), []string{"inactive>firing", "firing>resolved"})
	}
	c.Close()
	got.Wait()
}

func TestOversizedBatchesTripTheBatchRule(t *testing.T) {
	rcv := newReceiver(t)
	// A batcher allowed 8 frames per message, with a window long enough
	// to gather more than 5 at 30 fps.
	r := run(t, `
alerts {
  interval = "100ms"
}
alert "batch_size" {
  metric    = "streampipe.batch.size"
  aggregate = "max"
  outside   = [1, 5]
  window    = "1s"
  hook "webhook" {
    url = "HOOK_URL"
  }
}
pipeline "batched" {
  capture "synthetic" {
    fps    = 30
    width  = 32
    height = 24
    frames = 45
  }
  quality {
    tier "high" {
      fps = 30
    }
  }
  batch {
    window   = "300ms"
    max_size = 8
  }
  sink "discard" {}
}
`, rcv.srv.URL)
	fired, _ := firedAndResolved(t, rcv, "batch_size")
	if fired.Value <= 5 || fired.Threshold != 5 || fired.Comparison != "outside" ||
		len(fired.Bounds) != 2 || fired.Bounds[0] != 1 || fired.Bounds[1] != 5 || fired.Labels["tier"] != "high" {
		t.Errorf("firing payload: %+v", fired)
	}
	wantSequence(t, r.transitions("batch_size"), []string{"inactive>firing", "firing>resolved"})
}

// TestHangingWebhookDoesNotHoldThePipeline: a webhook that never answers
// neither slows the pipeline nor keeps it from ending.
func TestHangingWebhookDoesNotHoldThePipeline(t *testing.T) {
	release := make(chan struct{})
	var hung atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	r := run(t, `
alerts {
  interval = "100ms"
}
alert "always" {
  metric   = "system.memory.utilization"
  labels   = { system_memory_state = "used" }
  above    = "0%"
  severity = "info"
  hook "webhook" {
    url     = "HOOK_URL"
    timeout = "1h"
  }
}
pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 32
    height = 24
    frames = 30
  }
  quality {
    tier "high" {
      fps = 30
    }
  }
  sink "discard" {}
}
`, srv.URL)
	waitFor(t, "the hook to hang", func() bool { return hung.Load() == 1 })
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the pipeline did not end while a hook hung")
	}
	if s := r.p.Stats()[len(r.p.Nodes())-1]; s.FramesIn != 30 {
		t.Errorf("the sink got %d frames, want all 30", s.FramesIn)
	}
	if hung.Load() != 1 {
		t.Errorf("%d requests, want the one still hanging", hung.Load())
	}
}

func TestAbruptDisconnectsTripTheDropRatio(t *testing.T) {
	rcv := newReceiver(t)
	r := run(t, `
alerts {
  interval = "100ms"
}
alert "drops" {
  signal   = "connection_drop_ratio"
  above    = "10%"
  window   = "2s"
  severity = "critical"
  hook "webhook" {
    url = "HOOK_URL"
  }
}
pipeline "live" {
  capture "synthetic" {
    fps    = 10
    width  = 32
    height = 24
  }
  quality {
    tier "high" {
      fps = 10
    }
  }
  sink "websocket" {
    listen = "127.0.0.1:0"
  }
}
`, rcv.srv.URL)
	url := r.wsURL(t)

	// Four clients; two vanish without a close handshake, as a browser
	// tab that crashes or a network that drops does.
	var clients []*wire.Client
	for range 4 {
		c, err := wire.Dial(context.Background(), url, "high")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	for _, c := range clients[:2] {
		if err := c.CloseNow(); err != nil {
			t.Fatal(err)
		}
	}
	// The other two keep reading, so that none is dropped as slow.
	for _, c := range clients[2:] {
		go func() {
			for {
				if _, err := c.NextBatch(context.Background()); err != nil {
					return
				}
			}
		}()
	}

	fired, resolved := firedAndResolved(t, rcv, "drops")
	// 1 or 2 drops (the evaluation may fall between them) of the 4
	// connections of the window.
	if fired.Value != 0.25 && fired.Value != 0.5 {
		t.Errorf("drop ratio %v, want 0.25 or 0.5", fired.Value)
	}
	if fired.Severity != "critical" || fired.Threshold != 0.1 || fired.Unit != "1" ||
		fired.Labels["pipeline"] != "live" || fired.Labels["stage"] != "websocket" {
		t.Errorf("firing payload: %+v", fired)
	}
	// No more drops once the window has passed: the ratio falls to 0.
	if resolved.Value != 0 {
		t.Errorf("resolved at %v, want 0", resolved.Value)
	}
	wantSequence(t, r.transitions("drops"), []string{"inactive>firing", "firing>resolved"})
}

func TestResourceRulesTripOnThisMachine(t *testing.T) {
	rcv := newReceiver(t)
	disk := t.TempDir()
	// Thresholds every machine exceeds, to test the mechanics of the
	// memory, CPU and disk rules without exhausting anything.
	r := run(t, `
telemetry {
  listen = "off"
  disks  = ["`+disk+`"]
}
alerts {
  interval = "100ms"
}
alert "memory" {
  metric   = "system.memory.utilization"
  labels   = { system_memory_state = "used" }
  above    = "0%"
  severity = "critical"
  hook "webhook" {
    url = "HOOK_URL"
  }
}
alert "cpu" {
  metric    = "system.cpu.utilization"
  aggregate = "max"
  window    = "1s"
  below     = "101%"
  severity  = "critical"
  hook "webhook" {
    url = "HOOK_URL"
  }
}
alert "disk" {
  metric   = "streampipe.disk.utilization"
  above    = "0%"
  severity = "critical"
  hook "webhook" {
    url = "HOOK_URL"
  }
}
pipeline "p" {
  capture "synthetic" {
    fps    = 10
    width  = 32
    height = 24
  }
  quality {
    tier "high" {
      fps = 10
    }
  }
  sink "discard" {}
}
`, rcv.srv.URL)
	for _, alert := range []string{"memory", "cpu", "disk"} {
		waitFor(t, alert+" firing", func() bool {
			for _, n := range rcv.notifications() {
				if n.Alert == alert && n.State == "firing" {
					return true
				}
			}
			return false
		})
	}
	for _, n := range rcv.notifications() {
		switch n.Alert {
		case "memory":
			if n.Value <= 0 || n.Value > 1 || n.Unit != "1" {
				t.Errorf("memory: %+v", n)
			}
		case "cpu":
			if n.Value < 0 || n.Value > 1 || n.Threshold != 1.01 || n.Comparison != "below" {
				t.Errorf("cpu: %+v", n)
			}
		case "disk":
			if n.Value <= 0 || n.Value > 1 || n.Labels["path"] != disk {
				t.Errorf("disk: %+v", n)
			}
		}
	}
	// /status shows the states.
	firing := map[string]bool{}
	for _, s := range r.tel.Status().Alerts {
		if s.State == "firing" {
			firing[s.Name] = true
		}
	}
	if !firing["memory"] || !firing["cpu"] || !firing["disk"] {
		t.Errorf("/status alerts: %+v", r.tel.Status().Alerts)
	}
}

// TestNoFramesRuleQuietAtStart: a rule on a capture's frame rate falling
// below 1 frame/s stays quiet from the first evaluation on while the
// capture runs at 30 fps: at start there is no data, not a rate of 0.
func TestNoFramesRuleQuietAtStart(t *testing.T) {
	rcv := newReceiver(t)
	r := run(t, `
alerts {
  interval = "100ms"
}
alert "no_frames" {
  metric    = "streampipe.stage.frames.out"
  aggregate = "rate"
  below     = 1
  window    = "1s"
  labels    = { kind = "capture.synthetic" }
  hook "webhook" {
    url = "HOOK_URL"
  }
}
pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 32
    height = 24
  }
  quality {
    tier "high" {
      fps = 30
    }
  }
  sink "discard" {}
}
`, rcv.srv.URL)
	// Wait for evaluations with data: the rate is known and above 1.
	waitFor(t, "a rate of frames", func() bool {
		state, v := stateOf(r.engine, "no_frames", map[string]string{"stage": "capture"})
		return state == "inactive" && v > 1
	})
	if tr := r.transitions("no_frames"); len(tr) != 0 {
		t.Errorf("transitions %v, want none", tr)
	}
	if got := rcv.notifications(); len(got) != 0 {
		t.Errorf("notifications %+v, want none", got)
	}
}
