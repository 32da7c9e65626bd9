package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
)

const alertPipeline = `alert "slow_frames" {
  metric    = "streampipe.websocket.frame.latency"
  aggregate = "p99"
  above     = "250ms"
  for       = "2m"
  severity  = "critical"
}
` + shortPipeline

func TestExportPrometheusRules(t *testing.T) {
	promtool := testenv.Program(t, "promtool")
	conf := writeFile(t, "p.hcl", alertPipeline)
	out := filepath.Join(t.TempDir(), "rules.yml")
	stdout, stderr, code := invoke(t, "export", "prometheus-rules", "-o", out, conf)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	rules, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`- alert: "slow_frames"`, `for: "2m"`, `severity: "critical"`,
		`streampipe_websocket_frame_latency_seconds_bucket[5m]))) > 0.25"`} {
		if !strings.Contains(string(rules), want) {
			t.Errorf("rules lack %s:\n%s", want, rules)
		}
	}
	if strings.Contains(string(rules), "queue_length") {
		t.Error("a file with alert blocks exported the default rules too")
	}
	if b, err := exec.Command(promtool, "check", "rules", out).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, b)
	}
}

func TestExportGrafana(t *testing.T) {
	conf := writeFile(t, "p.hcl", alertPipeline)
	stdout, stderr, code := invoke(t, "export", "grafana", conf)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var model struct {
		Title  string `json:"title"`
		Panels []struct {
			Title string `json:"title"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(stdout), &model); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	titles := map[string]bool{}
	for _, p := range model.Panels {
		titles[p.Title] = true
	}
	for _, want := range []string{"Capture", "Sinks", "Resources", "Alert slow_frames (critical)"} {
		if !titles[want] {
			t.Errorf("dashboard %q lacks panel %q", model.Title, want)
		}
	}
}

func TestExportErrors(t *testing.T) {
	bad := writeFile(t, "bad.hcl", "alert \"x\" {\n  metric = \"nope\"\n  above = 1\n}\n"+shortPipeline)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"invalid file", []string{"export", "prometheus-rules", bad}, exitFailure, "is not a streampipe metric"},
		{"no file", []string{"export", "grafana"}, exitUsage, "exactly one configuration file"},
		{"two files", []string{"export", "grafana", bad, bad}, exitUsage, "exactly one configuration file"},
		{"unknown export", []string{"export", "nope"}, exitUsage,
			`unknown command "nope" for export; its subcommands are grafana and prometheus-rules`},
		{"misspelled export", []string{"export", "grafna"}, exitUsage, `(did you mean "grafana"?)`},
		{"no export", []string{"export"}, exitUsage, "export needs a subcommand: grafana or prometheus-rules"},
		{"zero scrape interval", []string{"export", "prometheus-rules", "-scrape-interval", "0s", bad},
			exitUsage, "-scrape-interval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := invoke(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, want %d; stdout %q\nstderr %s", code, tc.code, stdout, stderr)
			}
		})
	}
}

// TestExportWidensShortWindows: a window Prometheus could never fill at
// the scrape interval is widened, with a warning on stderr and a comment
// in the file.
// TestExportDefaultIntervalWithoutWarning: a file that sets no evaluation
// interval gets the longer of the engine's default (10s) and the scrape
// interval, without a warning about something the user did not write.
func TestExportDefaultIntervalWithoutWarning(t *testing.T) {
	conf := writeFile(t, "p.hcl", shortPipeline)
	for scrape, want := range map[string]string{"": `interval: "15s"`, "5s": `interval: "10s"`} {
		args := []string{"export", "prometheus-rules"}
		if scrape != "" {
			args = append(args, "-scrape-interval", scrape)
		}
		stdout, stderr, code := invoke(t, append(args, conf)...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, want) {
			t.Errorf("scrape %q: exit %d, stderr %q, want %s in:\n%s", scrape, code, stderr, want, stdout)
		}
	}
}

func TestExportWidensShortWindows(t *testing.T) {
	conf := writeFile(t, "p.hcl", `alerts {
  interval = "1s"
}
alert "stalled" {
  metric    = "streampipe.stage.frames.out"
  aggregate = "rate"
  below     = 1
  window    = "10s"
}
`+shortPipeline)
	for _, tc := range []struct {
		scrape, window string
	}{{"", "[1m]"}, {"5s", "[20s]"}} {
		args := []string{"export", "prometheus-rules"}
		if tc.scrape != "" {
			args = append(args, "-scrape-interval", tc.scrape)
		}
		stdout, stderr, code := invoke(t, append(args, conf)...)
		if code != 0 || !strings.Contains(stdout, "rate(streampipe_stage_frames_out_total"+tc.window+")") {
			t.Fatalf("scrape %q: exit %d\nstdout %s\nstderr %s", tc.scrape, code, stdout, stderr)
		}
		if !strings.Contains(stderr, "warning: alert stalled: window widened from 10s") ||
			!strings.Contains(stdout, "# alert stalled: window widened from 10s") {
			t.Errorf("scrape %q: no warning:\nstdout %s\nstderr %s", tc.scrape, stdout, stderr)
		}
	}
}
