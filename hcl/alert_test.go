package hcl

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/stages"
	"github.com/streampipe/streampipe/telemetry"
)

func ruleNames(c *Config) []string {
	var out []string
	for _, r := range c.Alerts.Rules {
		out = append(out, r.Name)
	}
	return out
}

func defaultNames() []string {
	var out []string
	for _, r := range alerting.Defaults() {
		out = append(out, r.Name)
	}
	return out
}

func TestAlertBlocks(t *testing.T) {
	path := writeConfig(t, `
alert "frame_latency" {
  metric    = "streampipe.websocket.frame.latency"
  labels    = { tier = ["high", "medium"] }
  by        = ["pipeline"]
  aggregate = "p95"
  above     = "100ms"
  window    = "2m"
  for       = "30s"
  severity  = "critical"
  summary   = "Frames are late."
  hook "webhook" {
    url     = "http://127.0.0.1:9000/alerts"
    timeout = "2s"
    retries = 2
    headers = { authorization = "Bearer x" }
  }
  hook "log" {}
  hook "exec" {
    command = ["./notify.sh", "--quiet"]
  }
}

alert "drops" {
  signal  = "connection_drop_ratio"
  above   = "10%"
}

alert "batches" {
  metric    = "streampipe_batch_size"
  aggregate = "max"
  outside   = [1, 5]
}
`+telemetryPipeline)
	cfg, diags := Load(path, Options{Registry: stages.Registry()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dir := filepath.Dir(path)
	// The file sets no interval: 0 stands for the engine's default.
	want := alerting.Config{Interval: 0, Rules: []alerting.Rule{
		{
			Name: "frame_latency", Metric: telemetry.WSFrameLatency,
			Labels: map[string][]string{"tier": {"high", "medium"}}, By: []string{"pipeline"},
			Aggregate: "p95", Compare: alerting.Comparison{Op: "above", Threshold: 0.1},
			Window: 2 * time.Minute, For: 30 * time.Second, Severity: alerting.Critical,
			Summary: "Frames are late.",
			Hooks: []*alerting.HookConfig{
				{Kind: "webhook", URL: "http://127.0.0.1:9000/alerts", Timeout: 2 * time.Second, Retries: 2,
					Backoff: alerting.DefaultWebhookBackoff, Headers: map[string]string{"authorization": "Bearer x"}},
				{Kind: "log"},
				{Kind: "exec", Command: []string{filepath.Join(dir, "notify.sh"), "--quiet"},
					Timeout: alerting.DefaultExecTimeout, Dir: dir},
			},
		},
		{Name: "drops", Signal: alerting.SignalConnectionDropRatio,
			Compare: alerting.Comparison{Op: "above", Threshold: 0.1}, Window: 5 * time.Minute,
			Severity: alerting.Warning},
		{Name: "batches", Metric: "streampipe_batch_size", Aggregate: "max",
			Compare: alerting.Comparison{Op: "outside", Low: 1, High: 5}, Window: 5 * time.Minute,
			Severity: alerting.Warning},
	}}
	// Source is the hook's decoded block, for errors placed in the file.
	for _, h := range cfg.Alerts.Rules[0].Hooks {
		if h.Source == nil || h.Source.DefRange.Filename != path {
			t.Errorf("hook %s: source %v, want its block in %s", h.Kind, h.Source, path)
		}
	}
	if d := cmp.Diff(want, cfg.Alerts, cmpopts.EquateEmpty(),
		cmpopts.IgnoreFields(alerting.HookConfig{}, "Source")); d != "" {
		t.Errorf("alerts (-want +got):\n%s", d)
	}
}

func TestAlertDefaults(t *testing.T) {
	declared := `alert "mine" {
  metric = "streampipe.stage.queue.length"
  above  = 3
}
`
	override := `alert "queue_length" {
  metric = "streampipe.stage.queue.length"
  above  = 3
}
`
	withDefaults := append([]string{"mine"}, defaultNames()...)
	overridden := defaultNames()
	for i, n := range overridden {
		if n == "queue_length" {
			overridden = append(append([]string{"queue_length"}, overridden[:i]...), overridden[i+1:]...)
		}
	}
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"no alert block: the defaults", "", defaultNames()},
		{"alert blocks replace the defaults", declared, []string{"mine"}},
		{"defaults included in one line", declared + "alerts {\n  defaults = true\n}\n", withDefaults},
		{"defaults turned off", "alerts {\n  defaults = false\n}\n", nil},
		{"a rule named like a default replaces it", override + "alerts {\n  defaults = true\n}\n", overridden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := Load(writeConfig(t, tc.src+telemetryPipeline), Options{Registry: stages.Registry()})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if d := cmp.Diff(tc.want, ruleNames(cfg), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("rules (-want +got):\n%s", d)
			}
		})
	}
}

func TestAlertsBlockHooksGoToTheDefaults(t *testing.T) {
	cfg, diags := Load(writeConfig(t, `
alerts {
  interval = "2s"
  hook "webhook" {
    url = "http://127.0.0.1:9/hook"
  }
}
`+telemetryPipeline), Options{Registry: stages.Registry()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.Alerts.Interval != 2*time.Second || len(cfg.Alerts.Rules) != len(alerting.Defaults()) {
		t.Fatalf("alerts: interval %v, %d rules", cfg.Alerts.Interval, len(cfg.Alerts.Rules))
	}
	hook := cfg.Alerts.Rules[0].Hooks
	for _, r := range cfg.Alerts.Rules {
		if len(r.Hooks) != 1 || r.Hooks[0] != hook[0] || r.Hooks[0].URL != "http://127.0.0.1:9/hook" {
			t.Errorf("%s: hooks %v, want the alerts block's webhook, shared", r.Name, r.Hooks)
		}
	}
}

func TestAlertErrors(t *testing.T) {
	for _, tc := range []struct {
		name, block, summary, detail string
		line                         int
	}{
		{"unknown metric", "alert \"a\" {\n  metric = \"streampipe.stage.frames.inn\"\n  above = 1\n}",
			"Unknown metric", `did you mean "streampipe.stage.frames.in"?`, 2},
		{"no threshold", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n}",
			"Missing alert threshold", "above = 10", 1},
		{"two thresholds", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n  below = 0\n}",
			"Conflicting alert thresholds", "above and below", 4},
		{"duration on a count", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = \"1s\"\n}",
			"Invalid alert threshold", "applies to values in seconds", 3},
		{"percentage on seconds", "alert \"a\" {\n  metric = \"streampipe.websocket.frame.latency\"\n" +
			"  aggregate = \"p95\"\n  above = \"5%\"\n}", "Invalid alert threshold", "applies to ratios", 4},
		{"wrong aggregation", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n" +
			"  aggregate = \"p95\"\n  above = 1\n}", "Invalid alert rule", "applies to histograms", 3},
		{"unknown label", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n" +
			"  labels = { session = \"x\" }\n  above = 1\n}", "Invalid alert rule", "no label \"session\"", 3},
		{"unknown signal", "alert \"a\" {\n  signal = \"drops\"\n  above = 1\n}", "", "connection_drop_ratio", 2},
		{"severity", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n" +
			"  severity = \"page\"\n}", "", "critical", 4},
		{"unknown hook", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n" +
			"  hook \"webhok\" {}\n}", "Unknown hook kind", `Did you mean "webhook"?`, 4},
		{"webhook url", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n" +
			"  hook \"webhook\" {\n    url = \"localhost:9000\"\n  }\n}", "Invalid alert hook", "not an http", 5},
		{"exec without command", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n" +
			"  hook \"exec\" {}\n}", "Missing required argument", "command", 4},
		{"window too short", "alert \"a\" {\n  metric = \"streampipe.stage.frames.in\"\n  aggregate = \"rate\"\n" +
			"  above = 1\n  window = \"15s\"\n}", "Alert window too short", "at least 20s", 5},
		{"duplicate", "alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n}\n" +
			"alert \"a\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n}", "Duplicate alert", "unique", 5},
		{"two alerts blocks", "alerts {}\nalerts {}", "Duplicate alerts block", "at most one", 2},
		{"bad name", "alert \"a b\" {\n  metric = \"streampipe.stage.queue.length\"\n  above = 1\n}",
			"Invalid alert name", "a_b", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := Load(writeConfig(t, tc.block+"\n"+telemetryPipeline), Options{Registry: stages.Registry()})
			if !diags.HasErrors() {
				t.Fatalf("no error; alerts %+v", cfg.Alerts)
			}
			for _, d := range diags {
				if strings.Contains(d.Detail, "?.") {
					t.Errorf("doubled punctuation in %q", d.Detail)
				}
				if (tc.summary == "" || d.Summary == tc.summary) &&
					strings.Contains(d.Summary+" "+d.Detail, tc.detail) && d.Subject != nil &&
					d.Subject.Start.Line == tc.line {
					return
				}
			}
			t.Errorf("no diagnostic %q containing %q on line %d in:\n%v", tc.summary, tc.detail, tc.line, diags)
		})
	}
}

// diagAt is one expected diagnostic: its summary (or a part of its
// detail) at a line and column of the file.
type diagAt struct {
	severity  hcl.DiagnosticSeverity
	text      string
	line, col int
}

// wantDiags checks that diags hold exactly want, in any order.
func wantDiags(t *testing.T, diags hcl.Diagnostics, want []diagAt) {
	t.Helper()
	used := make([]bool, len(diags))
	for _, w := range want {
		found := false
		for i, d := range diags {
			if used[i] || d.Severity != w.severity || d.Subject == nil ||
				!strings.Contains(d.Summary+" "+d.Detail, w.text) ||
				d.Subject.Start.Line != w.line || d.Subject.Start.Column != w.col {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			t.Errorf("no diagnostic %q at %d:%d", w.text, w.line, w.col)
		}
	}
	for i, d := range diags {
		if !used[i] {
			t.Errorf("unexpected diagnostic: %v", d)
		}
	}
}

// TestAlertErrorsAllAtOnce: every mistake of an alert block is reported
// at once, each at its place, whatever else is wrong with the block.
func TestAlertErrorsAllAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []diagAt
	}{
		{"rule and hook", `alert "a" {
  metric    = "streampipe.websocket.frame.latency"
  aggregate = "p150"
  outside   = [5, 1]
  labels    = { colour = "red" }
  by        = ["client"]
  hook "webhook" {
    url = "gopher://127.0.0.1/x"
  }
}
`, []diagAt{
			{hcl.DiagError, "at most p100", 3, 15},
			{hcl.DiagError, "low bound 5 is above the high bound 1", 4, 15},
			{hcl.DiagError, `no label "colour"`, 5, 15},
			{hcl.DiagError, `no label "client"`, 6, 15},
			{hcl.DiagError, "not an http:// or https:// URL", 8, 11},
		}},
		{"rule without the hook", `alert "a" {
  metric    = "streampipe.websocket.frame.latency"
  aggregate = "p150"
  outside   = [5, 1]
  labels    = { colour = "red" }
  by        = ["client"]
}
`, []diagAt{
			{hcl.DiagError, "at most p100", 3, 15},
			{hcl.DiagError, "low bound 5 is above the high bound 1", 4, 15},
			{hcl.DiagError, `no label "colour"`, 5, 15},
			{hcl.DiagError, `no label "client"`, 6, 15},
		}},
		{"unknown metric and bad aggregate", `alert "a" {
  metric    = "streampipe.stage.frames.inn"
  aggregate = "p150"
  above     = 1
}
`, []diagAt{
			{hcl.DiagError, `did you mean "streampipe.stage.frames.in"`, 2, 15},
			{hcl.DiagError, "at most p100", 3, 15},
		}},
		{"window over a day", `alert "a" {
  metric    = "streampipe.stage.frames.in"
  aggregate = "rate"
  above     = 1
  window    = "10000h"
}
`, []diagAt{{hcl.DiagError, "at most 24h", 5, 15}}},
		{"webhook headers", `alert "a" {
  metric = "streampipe.stage.queue.length"
  above  = 10
  hook "webhook" {
    url     = "http://127.0.0.1:9/x"
    headers = { "X Token" = "a", x-ok = "b\r\nX-Evil: 1" }
  }
}
`, []diagAt{
			{hcl.DiagError, `"X Token" is not a header name`, 6, 15},
			{hcl.DiagError, `header "x-ok" holds a line break`, 6, 15},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Load(writeConfig(t, tc.src+telemetryPipeline), Options{Registry: stages.Registry()})
			wantDiags(t, diags, tc.want)
		})
	}
}

// TestAlertLabelValuesNotInTheFile: a matcher naming a pipeline, stage,
// tier or stage kind the file does not declare gets a warning with the
// likely value, at the value; it stays valid (other processes may have
// it).
func TestAlertLabelValuesNotInTheFile(t *testing.T) {
	path := writeConfig(t, `alert "a" {
  metric = "streampipe.websocket.clients"
  labels = { tier = ["low", "hihg"], pipeline = "live", stage = "ws" }
  above  = 10
}
alert "b" {
  metric = "streampipe.stage.queue.length"
  labels = { pipeline = "lvie", kind = "sink.websocket" }
  above  = 10
}
pipeline "live" {
  capture "synthetic" {}
  quality {
    tier "high" {
      fps = 30
    }
    tier "low" {
      fps = 10
    }
  }
  sink "websocket" {
    listen = "127.0.0.1:0"
  }
}
`)
	cfg, diags := Load(path, Options{Registry: stages.Registry()})
	wantDiags(t, diags, []diagAt{
		{hcl.DiagWarning, `no tier "hihg" (its tiers are "high" and "low"), so the alerts this process ` +
			`evaluates never match it. Did you mean "high"?`, 3, 29},
		{hcl.DiagWarning, `no stage "ws"`, 3, 65},
		{hcl.DiagWarning, `no pipeline "lvie"`, 8, 25},
	})
	if len(cfg.Alerts.Rules) != 2 {
		t.Errorf("rules %v, want both: a warning keeps the rule", ruleNames(cfg))
	}
}
