package plugins_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// sleeper is the helper program the fixtures leave behind: a wrapper
// script's background child, or a helper a plugin starts.
func sleeper(t testing.TB) string { return build(t, "plugins/testdata/sleeper") }

// wrapper returns the path of a wrapper script fixture.
func wrapper(t testing.TB, name string) string {
	return testenv.Path(t, "plugins", "testdata", name)
}

// within runs f and fails the test when it has not returned after d: the
// bound stands for "does not wait for the helper", which sleeps for ten
// minutes.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s still waits after %s: it waits for the helper process", what, d)
	}
}

// groupCommands are plugin commands that leave a helper process holding
// the plugin's stdout and stderr.
func groupCommands(t *testing.T) []struct {
	name    string
	command []string
} {
	return []struct {
		name    string
		command []string
	}{
		{"wrapper with exec", []string{wrapper(t, "wrap.sh"), sleeper(t), behave(t)}},
		{"wrapper without exec", []string{wrapper(t, "wrap-noexec.sh"), sleeper(t), behave(t)}},
	}
}

func TestDescribeDoesNotWaitForHelpers(t *testing.T) {
	for _, tc := range groupCommands(t) {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			within(t, 30*time.Second, "describing the plugin", func() {
				_, err = plugins.Kind(context.Background(),
					plugins.Decl{Name: "behave", Command: tc.command}, plugins.Options{})
			})
			if err != nil {
				t.Fatal(err)
			}
			testenv.WaitNoProcess(t, sleeper(t))
			testenv.WaitNoProcess(t, behave(t))
		})
	}
}

func TestStartTimeoutHoldsWithHelpers(t *testing.T) {
	// The "plugin" is a second sleeper: it never completes the handshake.
	d := plugins.Decl{Name: "mute", Command: []string{wrapper(t, "wrap.sh"), sleeper(t), sleeper(t)},
		StartTimeout: time.Second}
	var err error
	within(t, 30*time.Second, "a plugin that misses start_timeout", func() {
		_, err = plugins.Kind(context.Background(), d, plugins.Options{})
	})
	if !errors.Is(err, plugins.ErrStart) || !strings.Contains(err.Error(), "within start_timeout") {
		t.Errorf("error %v, want one saying the handshake missed start_timeout", err)
	}
	testenv.WaitNoProcess(t, sleeper(t))
}

func TestHangWithHelperIsNoticed(t *testing.T) {
	for _, tc := range groupCommands(t) {
		t.Run(tc.name, func(t *testing.T) {
			once := filepath.Join(t.TempDir(), "hung")
			ts := newTestStage(t, plugins.Decl{Name: "behave", Command: tc.command, BatchTimeout: time.Second},
				map[string]any{"hang_at": 20, "once_file": once})
			snk := &sink{}
			since := int64(-1)
			degraded := false
			restarted := deliveredAfter(ts, snk, &since, 50)
			err := runUntil(t, ts, snk, "frames after the restart", func() bool {
				if h, _ := ts.stats.Health(); h == pipeline.HealthDegraded {
					degraded = true
				}
				if restarted() {
					// The replacement runs with a helper of its own; the
					// failed one's helper is gone.
					testenv.WaitProcesses(t, sleeper(t), 10*time.Second, func(n int) bool { return n == 1 })
					return true
				}
				return false
			})
			if err != nil {
				t.Fatal(err)
			}
			if ps := ts.stage.PluginStats(); ps.Restarts != 1 || ps.Failures != 1 {
				t.Errorf("restarts %d failures %d, want 1 and 1", ps.Restarts, ps.Failures)
			}
			if !degraded && !strings.Contains(ts.logs.String(), "plugin failed") {
				t.Errorf("the hang was never reported:\n%s", ts.logs.String())
			}
			testenv.WaitNoProcess(t, sleeper(t))
		})
	}
}

func TestCrashedPluginTakesItsHelper(t *testing.T) {
	once := filepath.Join(t.TempDir(), "panicked")
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"spawn": sleeper(t), "panic_at": 20, "once_file": once})
	snk := &sink{}
	since := int64(-1)
	restarted := deliveredAfter(ts, snk, &since, 50)
	err := runUntil(t, ts, snk, "frames after the restart", func() bool {
		if !restarted() {
			return false
		}
		testenv.WaitProcesses(t, sleeper(t), 10*time.Second, func(n int) bool { return n == 1 })
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if ps := ts.stage.PluginStats(); ps.Restarts != 1 {
		t.Errorf("restarts %d, want 1", ps.Restarts)
	}
	testenv.WaitNoProcess(t, sleeper(t))
}

func TestKilledHostTakesHelpers(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"wrapper with exec", []string{wrapper(t, "wrap.sh"), sleeper(t), behave(t)}},
		{"wrapper without exec", []string{wrapper(t, "wrap-noexec.sh"), sleeper(t), behave(t)}},
		{"helper started by the plugin", []string{"-set", "spawn=" + sleeper(t), behave(t)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host, _ := startHost(t, tc.args...)
			testenv.WaitProcesses(t, sleeper(t), 10*time.Second, func(n int) bool { return n == 1 })
			if err := host.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = host.Wait()
			testenv.WaitNoProcess(t, sleeper(t))
			testenv.WaitNoProcess(t, behave(t))
		})
	}
}
