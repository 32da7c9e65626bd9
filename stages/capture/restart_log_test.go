//go:build unix

package capture

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRestartLog(t *testing.T) {
	t0 := time.Now()
	var l restartLog
	l.every = time.Second
	for _, step := range []struct {
		after time.Duration
		log   bool
		exits int
	}{
		{0, true, 1}, // the first exit, at once
		{100 * time.Millisecond, false, 0},
		{900 * time.Millisecond, false, 0},
		{time.Second, true, 3}, // the window is over: this one and the two before
		{1500 * time.Millisecond, false, 0},
		{5 * time.Second, true, 2},
		{7 * time.Second, true, 1}, // quiet for a window: logged at once
	} {
		log, exits := l.exited(t0.Add(step.after))
		if log != step.log || exits != step.exits {
			t.Errorf("exit at %v: log %v exits %d, want %v %d", step.after, log, exits, step.log, step.exits)
		}
	}
}

// TestExecRestartLinesAreRateLimited: a command that fails at once, with
// a tiny backoff, is restarted many times, but logged at most once per
// interval; the first line has its stderr, and the lines' restart counts
// add up to no more than the exits.
func TestExecRestartLinesAreRateLimited(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	env, _, logs := testEnv()
	e, err := NewExec(ExecOptions{
		Command:        []string{sh, "-c", "echo boom >&2; exit 3"},
		RestartBackoff: time.Millisecond,
		MaxBackoff:     2 * time.Millisecond,
	}, env)
	if err != nil {
		t.Fatal(err)
	}
	const every = 300 * time.Millisecond
	e.restartLog.every = every

	const restartLine = "capture command exited, restarting"
	exits := func() int {
		return strings.Count(logs.String(), "restarting capture command after backoff")
	}
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	done := runSource(ctx, e, &output{})
	deadline := time.Now().Add(testTimeout)
	for exits() < 20 || strings.Count(logs.String(), restartLine) < 2 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not 20 restarts and 2 lines within %s:\n%s", testTimeout, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)

	// Every exit logs a debug line after its (possibly skipped) warning,
	// so the debug lines between two warnings are exactly the exits the
	// second one counts.
	var lines []string
	between := 0
	for _, l := range strings.Split(logs.String(), "\n") {
		switch {
		case strings.Contains(l, "restarting capture command after backoff"):
			between++
		case strings.Contains(l, restartLine):
			_, after, _ := strings.Cut(l, "restarts=")
			n, err := strconv.Atoi(strings.Fields(after + " ")[0])
			if err != nil {
				t.Fatalf("restart line without a count: %s", l)
			}
			want := between
			if len(lines) == 0 {
				want = 1
			}
			if n != want {
				t.Errorf("restart line counts %d exits, want %d: %s", n, want, l)
			}
			lines = append(lines, l)
			between = 0
		}
	}
	if max := 1 + int(elapsed/every); len(lines) > max {
		t.Errorf("%d restart lines in %v, want at most %d (one per %v)", len(lines), elapsed, max, every)
	}
	if !strings.Contains(lines[0], "boom") {
		t.Errorf("first restart line lacks the stderr: %s", lines[0])
	}
}
