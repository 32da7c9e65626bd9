package alerting_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/telemetry"
)

// TestMain lets the test binary stand in for an exec hook's command:
// with STREAMPIPE_TEST_HOOK_OUT set it copies its standard input and the
// alert's environment to that file and exits.
func TestMain(m *testing.M) {
	if out := os.Getenv("STREAMPIPE_TEST_HOOK_OUT"); out != "" {
		os.Exit(hookHelper(out))
	}
	os.Exit(m.Run())
}

func hookHelper(out string) int {
	if os.Getenv("STREAMPIPE_TEST_HOOK_FAIL") != "" {
		fmt.Fprintln(os.Stderr, "refusing on purpose")
		return 3
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return 1
	}
	rec := map[string]string{"stdin": string(in), "alert": os.Getenv("STREAMPIPE_ALERT"),
		"state": os.Getenv("STREAMPIPE_ALERT_STATE"), "severity": os.Getenv("STREAMPIPE_ALERT_SEVERITY")}
	b, _ := json.Marshal(rec)
	// Write then rename, so the test never reads half a file.
	if err := os.WriteFile(out+".tmp", b, 0o644); err != nil {
		return 1
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		return 1
	}
	return 0
}

// firingRule is a rule that fires on any queue longer than 1 message.
func firingRule(hooks ...*alerting.HookConfig) alerting.Rule {
	return alerting.Rule{Name: "queue", Metric: telemetry.StageQueueLength,
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 1}, Window: time.Minute,
		Severity: alerting.Critical, Hooks: hooks}
}

func setQueue(src *fakeSource, v float64) {
	src.set(gauge(telemetry.StageQueueLength, point{labels("pipeline", "p", "stage", "out", "kind", "sink.x"), v}))
}

func TestExecHookReadsTheJSONOnStdin(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hook.json")
	t.Setenv("STREAMPIPE_TEST_HOOK_OUT", out)

	c := &clock{now: t0}
	src := &fakeSource{}
	e := newEngine(t, src, c, nil, firingRule(&alerting.HookConfig{
		Kind: alerting.HookExec, Command: []string{self, "-test.run=^$"}, Timeout: 20 * time.Second}))
	setQueue(src, 7)
	evaluate(t, e)

	var rec map[string]string
	waitFor(t, "the hook's output", func() bool {
		b, err := os.ReadFile(out)
		return err == nil && json.Unmarshal(b, &rec) == nil
	})
	var n alerting.Notification
	if err := json.Unmarshal([]byte(rec["stdin"]), &n); err != nil {
		t.Fatalf("stdin is not the notification JSON: %v\n%s", err, rec["stdin"])
	}
	if n.Alert != "queue" || n.State != "firing" || n.Value != 7 || n.Threshold != 1 ||
		n.Labels["stage"] != "out" || n.Severity != "critical" || !n.Started.Equal(t0) {
		t.Errorf("notification on stdin: %+v", n)
	}
	if rec["alert"] != "queue" || rec["state"] != "firing" || rec["severity"] != "critical" {
		t.Errorf("environment: %v", rec)
	}
}

func TestExecHookFailureIsLogged(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("STREAMPIPE_TEST_HOOK_OUT", filepath.Join(t.TempDir(), "unused"))
	t.Setenv("STREAMPIPE_TEST_HOOK_FAIL", "1")
	var logs logBuffer
	c := &clock{now: t0}
	src := &fakeSource{}
	e := newEngine(t, src, c, logs.logger(), firingRule(&alerting.HookConfig{
		Kind: alerting.HookExec, Command: []string{self}, Timeout: 20 * time.Second}))
	setQueue(src, 7)
	evaluate(t, e)
	waitFor(t, "the failure log", func() bool { return len(logs.records(alerting.EventHookFailed)) == 1 })
	rec := logs.records(alerting.EventHookFailed)[0]
	if rec["hook"] != "exec" || rec["alert"] != "queue" || rec["reason"] != "delivery" {
		t.Errorf("failure log: %v", rec)
	}
	if msg, _ := rec["error"].(string); !contains(msg, "exit status 3") || !contains(msg, "refusing on purpose") {
		t.Errorf("error %q lacks the exit status and the command's output", msg)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}

func TestWebhookRetriesWithBackoff(t *testing.T) {
	var attempts atomic.Int32
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := attempts.Add(1)
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		got.Store(string(body))
		if r.Header.Get("Authorization") != "Bearer x" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()

	c := &clock{now: t0}
	src := &fakeSource{}
	var logs logBuffer
	e := newEngine(t, src, c, logs.logger(), firingRule(&alerting.HookConfig{
		Kind: alerting.HookWebhook, URL: srv.URL, Retries: 3, Backoff: 5 * time.Millisecond,
		Timeout: 10 * time.Second, Headers: map[string]string{"Authorization": "Bearer x"}}))
	setQueue(src, 3)
	evaluate(t, e)
	waitFor(t, "the third attempt", func() bool { return got.Load() != nil })
	var n alerting.Notification
	if err := json.Unmarshal([]byte(got.Load().(string)), &n); err != nil || n.State != "firing" {
		t.Fatalf("body %v (%v)", got.Load(), err)
	}
	if attempts.Load() != 3 {
		t.Errorf("%d attempts, want 3 (two 503s, then success)", attempts.Load())
	}
	if len(logs.records(alerting.EventHookFailed)) != 0 {
		t.Error("a delivery that succeeded on retry was logged as failed")
	}
}

func TestWebhookGivesUpAfterItsRetries(t *testing.T) {
	for _, tc := range []struct {
		name         string
		status       int
		wantAttempts int32
	}{
		{"server error is retried", http.StatusInternalServerError, 3},
		{"client error is not", http.StatusBadRequest, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attempts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			var logs logBuffer
			c := &clock{now: t0}
			src := &fakeSource{}
			e := newEngine(t, src, c, logs.logger(), firingRule(&alerting.HookConfig{
				Kind: alerting.HookWebhook, URL: srv.URL, Retries: 2, Backoff: time.Millisecond,
				Timeout: 10 * time.Second}))
			setQueue(src, 3)
			evaluate(t, e)
			waitFor(t, "the failure log", func() bool { return len(logs.records(alerting.EventHookFailed)) == 1 })
			if attempts.Load() != tc.wantAttempts {
				t.Errorf("%d attempts, want %d", attempts.Load(), tc.wantAttempts)
			}
			rec := logs.records(alerting.EventHookFailed)[0]
			if msg, _ := rec["error"].(string); !contains(msg, fmt.Sprint(tc.status)) {
				t.Errorf("error %q does not name the status", msg)
			}
		})
	}
}

// TestHangingHookBlocksNothing: a webhook that never answers, and one
// whose queue overflows, hold up neither the evaluation nor the other
// hooks; Stop returns at its bound.
func TestHangingHookBlocksNothing(t *testing.T) {
	release := make(chan struct{})
	var hung atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	fast := newReceiver(t)

	var logs logBuffer
	c := &clock{now: t0}
	src := &fakeSource{}
	e, err := alerting.New(src, alerting.Config{Rules: []alerting.Rule{firingRule(
		&alerting.HookConfig{Kind: alerting.HookWebhook, URL: slow.URL, Timeout: time.Hour, Retries: 0},
		&alerting.HookConfig{Kind: alerting.HookWebhook, URL: fast.srv.URL},
	)}}, alerting.Options{Logger: logs.logger(), Now: c.Now, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(context.Background())

	// Flap the alert: 99 notifications, more than a hook's queue holds.
	// Every evaluation must return although the slow hook never answers,
	// and the fast hook must get each notification meanwhile.
	const rounds = 100
	done := make(chan string, 1)
	go func() {
		defer close(done)
		for i := range rounds {
			setQueue(src, float64(5*(i%2)))
			_ = e.Evaluate(context.Background())
			c.advance(time.Second)
			deadline := time.Now().Add(20 * time.Second)
			for len(fast.notifications()) < i {
				if time.Now().After(deadline) {
					done <- fmt.Sprintf("the fast hook has %d notifications after %d evaluations",
						len(fast.notifications()), i+1)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}
	}()
	select {
	case msg := <-done:
		if msg != "" {
			t.Fatal(msg)
		}
	case <-time.After(120 * time.Second):
		t.Fatal("evaluations are blocked by a hanging hook")
	}
	waitFor(t, "the slow hook's first request", func() bool { return hung.Load() == 1 })
	if got := len(fast.notifications()); got != rounds-1 {
		t.Errorf("fast hook got %d notifications, want %d", got, rounds-1)
	}

	drops := logs.records(alerting.EventHookFailed)
	if len(drops) == 0 || drops[0]["reason"] != "queue_full" || drops[0]["hook"] != "webhook" {
		t.Errorf("no queue_full warning for the stuck hook: %v", drops)
	}

	// Stop waits for the stuck hook only until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- e.Stop(ctx) }()
	select {
	case err := <-stopped:
		if err == nil {
			t.Error("Stop reported no error although a hook was still delivering")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Stop is blocked by a hanging hook")
	}
}

func TestStopDeliversQueuedNotifications(t *testing.T) {
	rcv := newReceiver(t)
	c := &clock{now: t0}
	src := &fakeSource{}
	e, err := alerting.New(src, alerting.Config{Rules: []alerting.Rule{firingRule(
		&alerting.HookConfig{Kind: alerting.HookWebhook, URL: rcv.srv.URL})}},
		alerting.Options{Now: c.Now, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(context.Background())
	setQueue(src, 5)
	evaluate(t, e)
	c.advance(time.Second)
	setQueue(src, 0)
	evaluate(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	got := rcv.notifications()
	if len(got) != 2 || got[0].State != "firing" || got[1].State != "resolved" {
		t.Fatalf("delivered before Stop returned: %+v", got)
	}
}

// TestMissingExecProgramFailsNew: an exec hook whose program does not
// exist fails when the engine is built (when `run` starts), at the hook's
// command when the hook comes from a file, not when the alert fires.
func TestMissingExecProgramFailsNew(t *testing.T) {
	dir := t.TempDir()
	spec, _ := alerting.HookSpec(alerting.HookExec)
	block := pipeline.NewConfig(spec, alerting.HookExec)
	block.Set("command", []string{"./notify.sh"}, pipeline.Range{Filename: "p.hcl",
		Start: pipeline.Pos{Line: 7, Column: 15}, End: pipeline.Pos{Line: 7, Column: 30}})
	fromFile, err := alerting.HookFromConfig(alerting.HookExec, block, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		hook *alerting.HookConfig
		line int // of the ConfigError; 0: none
		want string
	}{
		{"from a file", fromFile, 7, `program "./notify.sh" (`},
		{"built in Go", &alerting.HookConfig{Kind: alerting.HookExec, Dir: dir,
			Command: []string{"./notify.sh"}}, 0, `program "./notify.sh" does not exist`},
		{"not in PATH", &alerting.HookConfig{Kind: alerting.HookExec,
			Command: []string{"streampipe-no-such-program"}}, 0, "is not found in PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := alerting.New(&fakeSource{}, alerting.Config{Rules: []alerting.Rule{firingRule(tc.hook)}},
				alerting.Options{Manual: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error containing %s", err, tc.want)
			}
			var ce *pipeline.ConfigError
			if tc.line == 0 {
				if errors.As(err, &ce) {
					t.Errorf("a ConfigError for a hook without a block: %v", ce)
				}
				return
			}
			if !errors.As(err, &ce) || ce.Attr != "command" || ce.Range().Start.Line != tc.line {
				t.Errorf("error %v is not placed at the hook's command", err)
			}
		})
	}

	// Once the program exists, the hook builds.
	if err := os.WriteFile(filepath.Join(dir, "notify.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := alerting.New(&fakeSource{}, alerting.Config{Rules: []alerting.Rule{firingRule(fromFile)}},
		alerting.Options{Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = e.Stop(context.Background())
}

// TestDropsAreLoggedInFull: the dropped counts of the hook failure lines
// add up to the notifications the counter says were dropped: drops of a
// full queue since the last line, and at exit those still queued or in
// flight when Stop's bound ran out.
func TestDropsAreLoggedInFull(t *testing.T) {
	release := make(chan struct{})
	var hung atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)

	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	var logs logBuffer
	c := &clock{now: t0}
	src := &fakeSource{}
	e, err := alerting.New(src, alerting.Config{Rules: []alerting.Rule{firingRule(
		&alerting.HookConfig{Kind: alerting.HookWebhook, URL: slow.URL, Timeout: time.Hour})}},
		alerting.Options{Logger: logs.logger(), Meter: provider.Meter("test"), Now: c.Now, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(context.Background())

	// The first notification hangs in flight; 64 more fill the queue and
	// 15 more are dropped: 80 notifications, none delivered.
	const total = 80
	setQueue(src, 5)
	evaluate(t, e)
	waitFor(t, "the first notification in flight", func() bool { return hung.Load() == 1 })
	for i := 1; i < total; i++ {
		c.advance(time.Second)
		setQueue(src, float64(5*((i+1)%2)))
		evaluate(t, e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = e.Stop(ctx)

	logged := 0
	for _, rec := range logs.records(alerting.EventHookFailed) {
		n, _ := rec["dropped"].(float64)
		logged += int(n)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	counted := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != telemetry.AlertNotifications {
				continue
			}
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				result, _ := p.Attributes.Value(alerting.LabelResult)
				counted[result.AsString()] += p.Value
			}
		}
	}
	if counted["dropped"] != total || logged != total {
		t.Errorf("counted %v, logged %d dropped; want all %d dropped, counted and logged",
			counted, logged, total)
	}
}
