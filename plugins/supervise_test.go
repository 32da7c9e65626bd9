package plugins_test

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// runUntil runs an endless paced pipeline until cond holds, then stops it
// and returns Run's error.
func runUntil(t *testing.T, ts *testStage, snk *sink, what string, cond func() bool) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- runPipeline(ctx, t, source{n: -1, interval: 2 * time.Millisecond, payload: seqPayload}, ts, snk)
	}()
	deadline := time.After(60 * time.Second)
	for !cond() {
		select {
		case err := <-errc:
			t.Fatalf("pipeline ended before %s: %v\nlogs:\n%s", what, err, ts.logs.String())
		case <-deadline:
			t.Fatalf("timed out waiting for %s; plugin stats %+v\nlogs:\n%s", what, ts.stage.PluginStats(), ts.logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-errc:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("pipeline did not stop")
		return nil
	}
}

// deliveredAfterRestart reports whether the sink has received n frames
// since the plugin's first restart.
func deliveredAfter(ts *testStage, snk *sink, since *int64, n int64) func() bool {
	return func() bool {
		if ts.stage.PluginStats().Restarts == 0 {
			return false
		}
		if *since < 0 {
			*since = snk.count.Load()
		}
		return snk.count.Load() >= *since+n
	}
}

func TestPanickingPluginIsRestarted(t *testing.T) {
	once := filepath.Join(t.TempDir(), "panicked")
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"panic_at": 20, "once_file": once})
	snk := &sink{}
	since := int64(-1)
	if err := runUntil(t, ts, snk, "frames after the restart", deliveredAfter(ts, snk, &since, 50)); err != nil {
		t.Fatal(err)
	}

	ps := ts.stage.PluginStats()
	if ps.Restarts != 1 || ps.Failures != 1 {
		t.Errorf("restarts %d failures %d, want 1 and 1", ps.Restarts, ps.Failures)
	}
	if d := ts.stats.Snapshot().Drops[pipeline.DropPluginError]; d == 0 {
		t.Error("no frames counted with reason plugin_error")
	}
	logs := ts.logs.String()
	for _, want := range []string{"plugin failed", "panic: behave: injected panic at frame 20", "goroutine", "plugin restarted"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	assertOrdered(t, snk)
}

func TestHangingPluginTimesOut(t *testing.T) {
	once := filepath.Join(t.TempDir(), "hung")
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}, BatchTimeout: time.Second},
		map[string]any{"hang_at": 20, "once_file": once})
	snk := &sink{}
	since := int64(-1)
	if err := runUntil(t, ts, snk, "frames after the restart", deliveredAfter(ts, snk, &since, 50)); err != nil {
		t.Fatal(err)
	}
	if ps := ts.stage.PluginStats(); ps.Restarts != 1 {
		t.Errorf("restarts %d, want 1", ps.Restarts)
	}
	if logs := ts.logs.String(); !strings.Contains(logs, "did not answer within batch_timeout (1s a frame") {
		t.Errorf("logs do not name the timeout:\n%s", logs)
	}
	assertOrdered(t, snk)
}

func TestKilledPluginIsRestarted(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}}, nil)
	snk := &sink{}
	var first int
	killed := false
	since := int64(-1)
	restarted := deliveredAfter(ts, snk, &since, 50)
	err := runUntil(t, ts, snk, "frames after the restart", func() bool {
		if !killed && snk.count.Load() >= 20 {
			first = ts.stage.PluginStats().PID
			if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
				t.Errorf("kill %d: %v", first, err)
			}
			killed = true
		}
		return killed && restarted()
	})
	if err != nil {
		t.Fatal(err)
	}
	ps := ts.stage.PluginStats()
	if ps.Restarts != 1 || ps.PID == first || ps.PID == 0 {
		t.Errorf("after SIGKILL of pid %d: %+v", first, ps)
	}
	if !strings.Contains(ts.logs.String(), "signal: killed") {
		t.Errorf("logs do not say the plugin was killed:\n%s", ts.logs.String())
	}
	if n := testenv.Processes(behave(t)); len(n) != 0 {
		t.Errorf("plugin processes left: %v", n)
	}
}

func assertOrdered(t *testing.T, snk *sink) {
	t.Helper()
	var last uint64
	for _, f := range snk.snapshot() {
		if f.Seq <= last {
			t.Fatalf("frame %d after frame %d: out of order", f.Seq, last)
		}
		last = f.Seq
	}
}

func TestFailurePolicies(t *testing.T) {
	for _, tc := range []struct {
		policy plugins.Policy
		check  func(t *testing.T, ts *testStage, snk *sink, err error)
	}{
		{plugins.PolicyStop, func(t *testing.T, ts *testStage, snk *sink, err error) {
			if err == nil || !strings.Contains(err.Error(), `on_failure = "stop"`) {
				t.Errorf("Run error %v, want the stop policy's", err)
			}
		}},
		{plugins.PolicyPass, func(t *testing.T, ts *testStage, snk *sink, err error) {
			if err != nil {
				t.Fatal(err)
			}
			frames := snk.snapshot()
			if len(frames) == 0 || string(frames[len(frames)-1].Payload) != string(seqPayload(frames[len(frames)-1].Seq)) {
				t.Errorf("frames not passed through untouched")
			}
			if !strings.Contains(ts.logs.String(), "passing frames through untouched") {
				t.Errorf("no log line says frames now pass through:\n%s", ts.logs.String())
			}
		}},
		{plugins.PolicyDrop, func(t *testing.T, ts *testStage, snk *sink, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if n := snk.count.Load(); n != 0 {
				t.Errorf("sink got %d frames, want none", n)
			}
			if d := ts.stats.Snapshot().Drops[pipeline.DropPluginError]; d < 100 {
				t.Errorf("plugin_error drops %d, want at least 100", d)
			}
		}},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)},
				MaxRestarts: 1, OnFailure: tc.policy},
				map[string]any{"exit_at": 1, "invert": true})
			snk := &sink{}
			var err error
			if tc.policy == plugins.PolicyStop {
				err = runPipeline(context.Background(), t, source{n: -1, interval: time.Millisecond, payload: seqPayload}, ts, snk)
			} else {
				err = runUntil(t, ts, snk, "the policy", func() bool {
					return ts.stage.PluginStats().Degraded == string(tc.policy) &&
						(snk.count.Load() >= 100 || ts.stats.Snapshot().Drops[pipeline.DropPluginError] >= 100)
				})
			}
			if ps := ts.stage.PluginStats(); ps.Restarts != 1 || ps.Failures != 2 {
				t.Errorf("restarts %d failures %d, want 1 and 2", ps.Restarts, ps.Failures)
			}
			tc.check(t, ts, snk, err)
		})
	}
}
