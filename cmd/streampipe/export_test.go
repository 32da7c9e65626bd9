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
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := invoke(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, want %d; stdout %q\nstderr %s", code, tc.code, stdout, stderr)
			}
		})
	}
}
