//go:build unix

package capture

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
)

// ffmpegCommand returns an ffmpeg command writing frames of the test clip
// as MJPEG, 160x90, to stdout; extra goes before the input.
func ffmpegCommand(t *testing.T, input string, extra ...string) []string {
	t.Helper()
	cmd := []string{testenv.Program(t, "ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin"}
	cmd = append(cmd, extra...)
	return append(cmd, "-i", input, "-vf", "scale=160:-2", "-q:v", "5", "-f", "mjpeg", "pipe:1")
}

func clipPath(t *testing.T) string { return testenv.Path(t, "testdata", "media", "city.mpg") }

func TestExecRestartKeepsSequence(t *testing.T) {
	// Each run is a short clip that ends by itself: five frames.
	cmd := ffmpegCommand(t, clipPath(t))
	cmd = append(cmd[:len(cmd)-1], "-frames:v", "5", "pipe:1")
	env, rep, logs := testEnv()
	e, err := NewExec(ExecOptions{
		Command:        cmd,
		OnExit:         OnExitRestart,
		RestartBackoff: time.Millisecond,
		MaxBackoff:     5 * time.Millisecond,
	}, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Three runs and a bit of a fourth.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &output{stopAt: 17, cancel: cancel}
	if err := waitRun(t, runSource(ctx, e, out)); err != nil {
		t.Fatalf("Run = %v, want nil after cancellation", err)
	}

	frames := out.Frames()
	checkSeqs(t, frames)
	for _, f := range frames {
		if b := decodeJPEG(t, f).Bounds(); b.Dx() != 160 || b.Dy() != 90 {
			t.Fatalf("frame %d is %dx%d, want 160x90", f.Seq, b.Dx(), b.Dy())
		}
	}
	// Every restart is logged at debug level; the warnings are rate
	// limited (see TestExecRestartLinesAreRateLimited).
	if n := strings.Count(logs.String(), "restarting capture command after backoff"); n < 3 {
		t.Errorf("logged %d restarts, want at least 3:\n%s", n, logs)
	}
	if n := strings.Count(logs.String(), "capture command exited, restarting"); n < 1 {
		t.Errorf("no restart warning:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "code=0") {
		t.Errorf("restart log lacks the exit code:\n%s", logs)
	}
	if n := rep.dropped(pipeline.DropTruncated); n != 0 {
		t.Errorf("%d truncated frames reported, want none from whole runs", n)
	}
}

func TestExecStopOnExit(t *testing.T) {
	t.Run("exit status 0 ends the stream", func(t *testing.T) {
		cmd := ffmpegCommand(t, clipPath(t))
		cmd = append(cmd[:len(cmd)-1], "-frames:v", "10", "pipe:1")
		env, _, _ := testEnv()
		e, err := NewExec(ExecOptions{Command: cmd, OnExit: OnExitStop}, env)
		if err != nil {
			t.Fatal(err)
		}
		out := &output{}
		if err := waitRun(t, runSource(context.Background(), e, out)); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		frames := out.Frames()
		if len(frames) != 10 {
			t.Fatalf("got %d frames, want 10", len(frames))
		}
		checkSeqs(t, frames)
	})

	t.Run("failure quotes stderr", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "no-such-clip.mpg")
		env, _, _ := testEnv()
		e, err := NewExec(ExecOptions{Command: ffmpegCommand(t, missing), OnExit: OnExitStop}, env)
		if err != nil {
			t.Fatal(err)
		}
		err = waitRun(t, runSource(context.Background(), e, &output{}))
		var ee *ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("Run = %v, want an *ExitError", err)
		}
		if ee.Code == 0 || !strings.HasPrefix(ee.Status, "exit status") {
			t.Errorf("exit = %d %q, want a non-zero exit status", ee.Code, ee.Status)
		}
		msg := err.Error()
		if !strings.Contains(msg, "no-such-clip.mpg") || !strings.Contains(msg, "No such file or directory") {
			t.Errorf("error does not quote ffmpeg's complaint: %v", err)
		}
	})
}

func TestExecStartMissing(t *testing.T) {
	tests := []struct {
		name string
		opts ExecOptions
		want []string
		is   error
	}{
		{"program not in PATH", ExecOptions{Command: []string{"streampipe-no-such-program", "-x"}},
			[]string{`command "streampipe-no-such-program" not found`, "install it"}, exec.ErrNotFound},
		{"relative program path", ExecOptions{Command: []string{"./no-such-tool"}, Dir: t.TempDir()},
			[]string{`command "./no-such-tool" not found`}, os.ErrNotExist},
		{"working directory", ExecOptions{Command: []string{"sh"}, Dir: filepath.Join(t.TempDir(), "gone")},
			[]string{"working directory", "set dir"}, os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewExec(tc.opts, pipeline.Env{})
			if err != nil {
				t.Fatalf("NewExec = %v; the factory must not look for the program", err)
			}
			err = e.Start(context.Background())
			if err == nil {
				t.Fatal("Start succeeded")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("Start = %v, want it to wrap %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Start = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestExecStopKillsCommand(t *testing.T) {
	// ffmpeg runs forever (looped input at its own pace) under a shell
	// that first starts a grandchild and reports its pid on stderr: both
	// must be gone after the stop.
	sh := testenv.Program(t, "sh")
	ff := ffmpegCommand(t, clipPath(t), "-re", "-stream_loop", "-1")
	script := `sleep 300 & echo "$!" >&2; exec "$@"`
	env, _, _ := testEnv()
	e, err := NewExec(ExecOptions{Command: append([]string{sh, "-c", script, "sh"}, ff...)}, env)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &output{}
	done := runSource(ctx, e, out)
	out.waitFrames(t, 3)
	pid := int(e.pid.Load())
	grandchild := waitStderrPID(t, e)
	t.Cleanup(func() { _ = syscall.Kill(grandchild, syscall.SIGKILL) }) // should the test fail
	if pid == 0 || !processAlive(pid) || !processAlive(grandchild) {
		t.Fatalf("command %d and its child %d should be running", pid, grandchild)
	}

	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run = %v, want nil after cancellation", err)
	}
	waitGone(t, pid)
	waitGone(t, grandchild)
}

func TestExecStopEscalatesToSIGKILL(t *testing.T) {
	// The shell ignores SIGTERM, so only SIGKILL ends it.
	sh := testenv.Program(t, "sh")
	script := `trap '' TERM; echo started >&2; while :; do sleep 0.05; done`
	e, err := NewExec(ExecOptions{Command: []string{sh, "-c", script}}, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	e.grace = 200 * time.Millisecond

	ctx, cancel := context.WithCancel(context.Background())
	done := runSource(ctx, e, &output{})
	waitFor(t, "the command to start", func() bool {
		return e.pid.Load() != 0 && len(e.stderr.Lines()) > 0
	})
	pid := int(e.pid.Load())
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	waitGone(t, pid)
}

func TestExecOutputAccounting(t *testing.T) {
	// The command writes noise, two whole images and half of a third,
	// then fails; with on_exit "stop" the whole images arrive, the half
	// counts as truncated, and the error quotes the last stderr lines.
	sh := testenv.Program(t, "sh")
	dir := t.TempDir()
	img := testJPEG(t, 32, 24, colourRed)
	if err := os.WriteFile(filepath.Join(dir, "f.jpg"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`printf 'noise'; cat f.jpg f.jpg; head -c %d f.jpg
for i in 1 2 3 4 5 6 7; do echo "problem $i" >&2; done; exit 3`, len(img)/2)
	env, rep, logs := testEnv()
	opts := ExecOptions{Command: []string{sh, "-c", script}, Dir: dir, OnExit: OnExitStop, StderrLines: 3}
	e, err := NewExec(opts, env)
	if err != nil {
		t.Fatal(err)
	}
	out := &output{}
	err = waitRun(t, runSource(context.Background(), e, out))

	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("Run = %v, want an *ExitError with code 3", err)
	}
	if diff := cmp.Diff([]string{"problem 5", "problem 6", "problem 7"}, ee.Stderr); diff != "" {
		t.Errorf("stderr lines (-want +got):\n%s", diff)
	}
	frames := out.Frames()
	if len(frames) != 2 {
		t.Fatalf("got %d frames, want 2", len(frames))
	}
	for _, f := range frames {
		if string(f.Payload) != string(img) {
			t.Fatalf("frame %d differs from the image written", f.Seq)
		}
	}
	if n := rep.dropped(pipeline.DropTruncated); n != 1 {
		t.Errorf("%d truncated frames reported, want 1", n)
	}
	if !strings.Contains(logs.String(), "5 bytes of noise") {
		t.Errorf("the noise was not logged:\n%s", logs)
	}
}

// waitStderrPID waits for the first line of the command's stderr, a pid.
func waitStderrPID(t *testing.T, e *Exec) int {
	t.Helper()
	var pid int
	waitFor(t, "a pid on stderr", func() bool {
		lines := e.stderr.Lines()
		if len(lines) == 0 {
			return false
		}
		n, err := strconv.Atoi(lines[0])
		pid = n
		return err == nil
	})
	return pid
}

// waitFor polls cond until it holds, failing the test after testTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, testTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitGone waits until process pid no longer runs.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("process %d to end", pid), func() bool { return !processAlive(pid) })
}

// processAlive reports whether pid runs. A zombie, dead but not yet
// reaped by whichever process inherited it, does not run.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	if runtime.GOOS != "linux" {
		return true // only Linux has /proc to tell zombies apart
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false // reaped since
	}
	// The state follows the command name, which is in parentheses.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}
