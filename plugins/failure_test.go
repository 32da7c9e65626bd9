package plugins_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// TestStartFailuresSayWhy: a plugin that fails while it accepts its
// settings is reported with what the user can act on.
func TestStartFailuresSayWhy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings map[string]any
		wants    []string
	}{
		{"hang in Configure", map[string]any{"configure_hang": true},
			[]string{"its Configure did not return within start_timeout (2s)", "raise start_timeout"}},
		{"exit in Configure", map[string]any{"configure_exit": 7},
			[]string{"it failed during its Configure: it exited with status 7", "behave: exiting in Configure"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)},
				StartTimeout: 2 * time.Second}, tc.settings)
			var err error
			within(t, 30*time.Second, "starting the plugin", func() { err = ts.stage.Start(context.Background()) })
			if !errors.Is(err, plugins.ErrStart) {
				t.Fatalf("Start error %v, want one wrapping ErrStart", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Start error lacks %q:\n%v", w, err)
				}
			}
			testenv.WaitNoProcess(t, behave(t))
		})
	}
}

// TestPanicIsReportedAsACrash: the report of a panic in Process says the
// plugin crashed and quotes the panic, rather than that it stopped
// answering.
func TestPanicIsReportedAsACrash(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}, MaxRestarts: plugins.NoRestarts,
		OnFailure: plugins.PolicyDrop}, map[string]any{"panic_at": 5})
	snk := &sink{}
	if err := runPipeline(context.Background(), t, source{n: 50, interval: time.Millisecond, payload: seqPayload},
		ts, snk); err != nil {
		t.Fatal(err)
	}
	lines := logLines(ts.logs.String(), "plugin failed; this is a bug in the plugin, report it to its author with these lines")
	if len(lines) != 1 {
		t.Fatalf("crash reports %q, want one\nlogs:\n%s", lines, ts.logs.String())
	}
	for _, want := range []string{"reason=panic", "it crashed: panic: behave: injected panic at frame 5"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("crash report lacks %q:\n%s", want, lines[0])
		}
	}
	if ps := ts.stage.PluginStats(); ps.Degraded != string(plugins.PolicyDrop) || ps.Failures != 1 {
		t.Errorf("plugin stats %+v, want one failure and on_failure drop in force", ps)
	}
}

// TestHangInCloseIsAWarning: a plugin that hangs in Close is killed with a
// warning; the stage's Close does not fail for it.
func TestHangInCloseIsAWarning(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"close_hang": true})
	if err := ts.stage.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var err error
	within(t, 30*time.Second, "closing the stage", func() { err = ts.stage.Close(context.Background()) })
	if err != nil {
		t.Errorf("Close: %v, want nil", err)
	}
	lines := logLines(ts.logs.String(), "plugin did not close cleanly and was stopped")
	if len(lines) != 1 || !strings.Contains(lines[0], "reason=timeout") || !strings.Contains(lines[0], "level=WARN") {
		t.Errorf("warnings %q, want one at warn with reason timeout\nlogs:\n%s", lines, ts.logs.String())
	}
	testenv.WaitNoProcess(t, behave(t))
}

// TestProcessErrorsAreCounted: a plugin that fails every message is
// logged once per interval with the count, not once per message.
func TestProcessErrorsAreCounted(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}}, map[string]any{"fail": true})
	snk := &sink{}
	if err := runPipeline(context.Background(), t, source{n: 300, interval: time.Millisecond, payload: seqPayload},
		ts, snk); err != nil {
		t.Fatal(err)
	}
	if d := ts.stats.Snapshot().Drops[pipeline.DropPluginError]; d != 300 {
		t.Errorf("plugin_error drops %d, want 300", d)
	}
	lines := logLines(ts.logs.String(), "plugin could not process frames")
	// A run shorter than the 10 s interval logs the first failure at once
	// and the rest at the end; a slow machine may take one interval more.
	if len(lines) < 2 || len(lines) > 4 || sumKey(lines, "frames") != 300 {
		t.Errorf("%d lines counting %d frames, want 2 to 4 lines counting 300:\n%s",
			len(lines), sumKey(lines, "frames"), strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[0], "behave: failing on purpose") || !strings.Contains(lines[0], "reason=plugin_error") {
		t.Errorf("first line %q lacks the plugin's error or the reason", lines[0])
	}
}

// TestPluginStderrIsBounded: a plugin's long stderr lines are cut, and
// its flood of lines is held back, with a count.
func TestPluginStderrIsBounded(t *testing.T) {
	t.Run("long lines", func(t *testing.T) {
		ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
			map[string]any{"log_bytes": int64(2 << 20)})
		snk := &sink{}
		if err := runPipeline(context.Background(), t, source{n: 5, payload: seqPayload}, ts, snk); err != nil {
			t.Fatal(err)
		}
		logs := ts.logs.String()
		if n := strings.Count(logs, "[line cut: 4096 of 2097152 bytes]"); n != 5 {
			t.Errorf("%d cut lines, want 5", n)
		}
		if len(logs) > 100<<10 {
			t.Errorf("the log holds %d bytes for five lines", len(logs))
		}
	})
	t.Run("many lines", func(t *testing.T) {
		ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
			map[string]any{"log_lines": 200})
		snk := &sink{}
		if err := runPipeline(context.Background(), t, source{n: 20, payload: seqPayload}, ts, snk); err != nil {
			t.Fatal(err)
		}
		logs := ts.logs.String()
		logged := strings.Count(logs, "behave: log line")
		held := sumKey(logLines(logs, "plugin log lines dropped over the rate limit"), "lines")
		if held == 0 || logged+held != 4000 {
			t.Errorf("%d lines logged and %d held back, want some held back and 4000 in all", logged, held)
		}
	})
}
