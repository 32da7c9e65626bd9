package capture

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
)

func TestBackoff(t *testing.T) {
	const base, max = 100 * time.Millisecond, time.Second
	tests := []struct {
		name string
		ran  []time.Duration // how long each run lasted
		want []time.Duration // the delay after each
	}{
		{"doubles up to max", []time.Duration{0, 0, 0, 0, 0, 0},
			[]time.Duration{base, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, max, max}},
		{"a long run resets", []time.Duration{0, 0, 0, max, 0},
			[]time.Duration{base, 200 * time.Millisecond, 400 * time.Millisecond, base, 200 * time.Millisecond}},
		{"a run just short of max does not", []time.Duration{0, max - 1},
			[]time.Duration{base, 200 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := backoff{base: base, max: max}
			var got []time.Duration
			for _, ran := range tc.ran {
				got = append(got, b.next(ran))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("delays (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLineRing(t *testing.T) {
	long := strings.Repeat("x", maxLineLen+50)
	tests := []struct {
		name   string
		keep   int
		writes []string
		want   []string
	}{
		{"keeps the last lines", 2, []string{"a\nb\nc\n"}, []string{"b", "c"}},
		{"lines split across writes", 3, []string{"hel", "lo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"carriage returns end lines", 3, []string{"frame=1\rframe=2\r\nerror\n"},
			[]string{"frame=1", "frame=2", "error"}},
		{"unfinished last line counts", 2, []string{"a\nb\nunfinished"}, []string{"b", "unfinished"}},
		{"blank lines are skipped", 3, []string{"\n  \n\na\n\n"}, []string{"a"}},
		{"long lines are cut", 2, []string{long + "\nnext\n"}, []string{long[:maxLineLen], "next"}},
		{"invalid UTF-8 is replaced", 1, []string{"bad \xff byte\n"}, []string{"bad \uFFFD byte"}},
		{"keeping none", 0, []string{"a\nb\n"}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newLineRing(tc.keep)
			for _, w := range tc.writes {
				if n, err := r.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if diff := cmp.Diff(tc.want, r.Lines()); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			r.Reset()
			if got := r.Lines(); len(got) != 0 {
				t.Errorf("after Reset, lines = %q", got)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  ExitError
		want string
	}{
		{"with stderr", ExitError{Command: "ffmpeg", Code: 1, Status: "exit status 1", Stderr: []string{"a", "b"}},
			"command \"ffmpeg\" ended with exit status 1; its last lines of stderr:\n\ta\n\tb"},
		{"without", ExitError{Command: "cam", Code: -1, Status: "signal: killed"},
			`command "cam" ended with signal: killed and wrote nothing to stderr`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestExecWarnsWhenOutputHoldsNoFrames: a command that writes bytes but
// no JPEG (the wrong output format), or nothing at all, is reported as a
// degraded capture with a warning that says which, instead of silence.
func TestExecWarnsWhenOutputHoldsNoFrames(t *testing.T) {
	sh := testenv.Program(t, "sh")
	for _, tc := range []struct {
		name, script, want string
	}{
		{"not MJPEG", `while :; do echo "not a jpeg frame"; sleep 0.01; done`, "capture command output holds no frames"},
		{"silent", `sleep 300`, "capture command writes nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, rep, logs := testEnv()
			e, err := NewExec(ExecOptions{Command: []string{sh, "-c", tc.script}}, env)
			if err != nil {
				t.Fatal(err)
			}
			e.noFrameWarn = 100 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			done := runSource(ctx, e, &output{})
			deadline := time.Now().Add(testTimeout)
			for !strings.Contains(logs.String(), tc.want) {
				if time.Now().After(deadline) {
					cancel()
					t.Fatalf("no warning %q within %s; log:\n%s", tc.want, testTimeout, logs)
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			if err := waitRun(t, done); err != nil {
				t.Fatalf("Run = %v", err)
			}
			rep.mu.Lock()
			defer rep.mu.Unlock()
			if !slices.Contains(rep.health, pipeline.HealthDegraded) {
				t.Errorf("health went through %v, want degraded", rep.health)
			}
			if n := strings.Count(logs.String(), tc.want); n != 1 {
				t.Errorf("warned %d times, want once per silent spell", n)
			}
		})
	}
}

// TestExecExitHintsAtTheFormat: a command that exits before the output
// watch would warn, having written bytes but no JPEG, gets the format
// hint on its exit line.
func TestExecExitHintsAtTheFormat(t *testing.T) {
	sh := testenv.Program(t, "sh")
	env, _, logs := testEnv()
	e, err := NewExec(ExecOptions{Command: []string{sh, "-c", "printf 'not a jpeg, 21 bytes\\n'"},
		RestartBackoff: time.Hour, MaxBackoff: time.Hour}, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := runSource(ctx, e, &output{})
	const want = "21 bytes of output held no JPEG frame; check the output format"
	deadline := time.Now().Add(testTimeout)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no hint %q within %s; log:\n%s", want, testTimeout, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !strings.Contains(logs.String(), "capture command exited, restarting") {
		t.Errorf("the hint is not on the exit line:\n%s", logs)
	}
}
