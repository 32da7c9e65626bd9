package export_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/alerting/export"
	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/telemetry"
)

// promtoolTest writes the rules of cfg and a `promtool test rules` file
// whose tests section is tests, and runs it. Series and alerts name two
// streampipe processes, instance a and b, scraped every 15 s.
func promtoolTest(t *testing.T, cfg alerting.Config, tests string) []byte {
	t.Helper()
	bin := testenv.Program(t, "promtool")
	dir := t.TempDir()
	var rules bytes.Buffer
	if err := export.WritePrometheusRules(&rules, "p.hcl", cfg, export.RulesOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), rules.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	test := "rule_files:\n  - rules.yml\nevaluation_interval: 15s\ntests:\n" + tests
	if err := os.WriteFile(filepath.Join(dir, "test.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "test", "rules", "test.yml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s\nrules:\n%s", err, out, rules.Bytes())
	}
	return rules.Bytes()
}

// defaultsNamed returns the default rules called names.
func defaultsNamed(names ...string) []alerting.Rule {
	var out []alerting.Rule
	for _, r := range alerting.Defaults() {
		for _, n := range names {
			if r.Name == n {
				out = append(out, r)
			}
		}
	}
	return out
}

// TestRulesJudgeEachInstanceApart: two streampipe processes at 45% CPU
// on their machines, with queues of 6 and disks half full, fire nothing;
// values are never added across instances. When one of them crosses a
// threshold, the alert names that instance.
func TestRulesJudgeEachInstanceApart(t *testing.T) {
	cfg := alerting.Config{Interval: 15 * time.Second,
		Rules: defaultsNamed("cpu", "memory", "queue_length", "disk")}
	series := func(name, labels, a, b string) string {
		return "      - series: '" + name + `{instance="a", job="streampipe"` + labels + "}'\n" +
			"        values: '" + a + "'\n" +
			"      - series: '" + name + `{instance="b", job="streampipe"` + labels + "}'\n" +
			"        values: '" + b + "'\n"
	}
	queue := `, pipeline="p", stage="s", kind="buffer"`
	promtoolTest(t, cfg, ""+
		"  - name: two instances below the thresholds\n"+
		"    interval: 15s\n"+
		"    input_series:\n"+
		series("system_cpu_utilization_ratio", "", "0.45x60", "0.45x60")+
		series("system_memory_utilization_ratio", `, system_memory_state="used"`, "0.45x60", "0.45x60")+
		series("streampipe_stage_queue_length", queue, "6x60", "6x60")+
		series("streampipe_disk_utilization_ratio", `, path="/data"`, "0.5x60", "0.5x60")+
		"    alert_rule_test:\n"+
		"      - {eval_time: 10m, alertname: cpu, exp_alerts: []}\n"+
		"      - {eval_time: 10m, alertname: memory, exp_alerts: []}\n"+
		"      - {eval_time: 10m, alertname: queue_length, exp_alerts: []}\n"+
		"      - {eval_time: 10m, alertname: disk, exp_alerts: []}\n"+
		"  - name: one instance over the thresholds\n"+
		"    interval: 15s\n"+
		"    input_series:\n"+
		series("system_cpu_utilization_ratio", "", "0.9x60", "0.1x60")+
		series("streampipe_stage_queue_length", queue, "12x60", "2x60")+
		"    alert_rule_test:\n"+
		"      - eval_time: 10m\n"+
		"        alertname: cpu\n"+
		"        exp_alerts:\n"+
		"          - exp_labels: {severity: critical, instance: a, job: streampipe}\n"+
		"            exp_annotations:\n"+
		"              summary: \"The machine's CPUs are more than 80% busy, averaged over 5 minutes.\"\n"+
		"              description: \"avg of system.cpu.utilization is 90%, above 80% (window 5m).\"\n"+
		"      - eval_time: 10m\n"+
		"        alertname: queue_length\n"+
		"        exp_alerts:\n"+
		"          - exp_labels: {severity: warning, instance: a, job: streampipe, pipeline: p, stage: s}\n"+
		"            exp_annotations:\n"+
		"              summary: \"A stage's queue holds more than 10 messages.\"\n"+
		"              description: \"value of streampipe.stage.queue.length is 12 messages, above 10 messages.\"\n")
}

// TestSummaryBracesShowAsWritten: Prometheus expands annotations as Go
// templates; a summary with {{ must show literally, not break the file.
func TestSummaryBracesShowAsWritten(t *testing.T) {
	r := defaultsNamed("queue_length")[0]
	r.Summary = "Queue {{ over }} 10 }} {{{"
	rules := promtoolTest(t, alerting.Config{Rules: []alerting.Rule{r}}, ""+
		"  - interval: 15s\n"+
		"    input_series:\n"+
		`      - series: 'streampipe_stage_queue_length{instance="a", job="j", pipeline="p", stage="s"}'`+"\n"+
		"        values: '20x10'\n"+
		"    alert_rule_test:\n"+
		"      - eval_time: 2m\n"+
		"        alertname: queue_length\n"+
		"        exp_alerts:\n"+
		"          - exp_labels: {severity: warning, instance: a, job: j, pipeline: p, stage: s}\n"+
		"            exp_annotations:\n"+
		"              summary: \"Queue {{ over }} 10 }} {{{\"\n"+
		"              description: \"value of streampipe.stage.queue.length is 20 messages, above 10 messages.\"\n")
	promtool(t, rules)
}

// TestShortWindowsAreWidened: a rate over 10 s is always empty when
// Prometheus scrapes every 15 s; the export widens it to four scrapes,
// says so in the file and on the warning channel, and the rule fires.
func TestShortWindowsAreWidened(t *testing.T) {
	r := alerting.Rule{Name: "busy", Metric: telemetry.StageFramesOut, Aggregate: alerting.AggRate,
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 1}, Window: 10 * time.Second,
		Severity: alerting.Info, Summary: "Frames flow."}
	cfg := alerting.Config{Interval: time.Second, Rules: []alerting.Rule{r}}

	var warnings []string
	var out bytes.Buffer
	err := export.WritePrometheusRules(&out, "p.hcl", cfg, export.RulesOptions{
		Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# alert busy: window widened from 10s to 1m (4 x the 15s scrape interval)",
		"# evaluation interval raised from 1s to the 15s scrape interval",
		`rate(streampipe_stage_frames_out_total[1m])`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rules lack %q:\n%s", want, out.String())
		}
	}
	if len(warnings) != 2 {
		t.Errorf("warnings %q, want the interval and the window", warnings)
	}

	// With a 5 s scrape the floor is 20 s.
	out.Reset()
	if err := export.WritePrometheusRules(&out, "p.hcl", cfg,
		export.RulesOptions{ScrapeInterval: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[20s]") {
		t.Errorf("a 5s scrape does not widen to 20s:\n%s", out.String())
	}

	promtoolTest(t, cfg, ""+
		"  - interval: 15s\n"+
		"    input_series:\n"+
		`      - series: 'streampipe_stage_frames_out_total{instance="a", job="j", pipeline="p", stage="c", kind="capture.synthetic"}'`+"\n"+
		"        values: '0+30x60'\n"+
		"    alert_rule_test:\n"+
		"      - eval_time: 10m\n"+
		"        alertname: busy\n"+
		"        exp_alerts:\n"+
		"          - exp_labels: {severity: info, instance: a, job: j, pipeline: p, stage: c}\n"+
		"            exp_annotations:\n"+
		"              summary: \"Frames flow.\"\n"+
		"              description: \"rate of streampipe.stage.frames.out is 2 frames/s, above 1 frame/s (window 1m).\"\n")
}

func TestDescriptionsSpeakUnits(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule alerting.Rule
		want string
	}{
		{"seconds", defaultsNamed("frame_latency_p95")[0],
			"p95 of streampipe.websocket.frame.latency is {{ $value | humanizeDuration }}, above 100 ms (window 5m)."},
		{"ratio", defaultsNamed("connection_drops")[0],
			"connection_drop_ratio is {{ $value | humanizePercentage }}, above 10% (window 5m)."},
		{"frames", defaultsNamed("batch_size")[0],
			"max of streampipe.batch.size is {{ $value | humanize }} frames, outside 1 frame to 5 frames (window 5m)."},
		{"bytes", alerting.Rule{Name: "rss", Metric: telemetry.ProcessMemoryUsage, Severity: alerting.Info,
			Compare: alerting.Comparison{Op: alerting.Above, Threshold: 1 << 30}, Window: time.Minute},
			"value of process.memory.usage is {{ $value | humanize1024 }}B, above 1.0 GiB."},
		{"microseconds", alerting.Rule{Name: "jitter", Metric: telemetry.CaptureJitter, Aggregate: "p99.9",
			Severity: alerting.Info, Window: time.Minute,
			Compare: alerting.Comparison{Op: alerting.Above, Threshold: 0.00025}},
			"p99.9 of streampipe.capture.jitter is {{ $value | humanizeDuration }}, above 250 µs (window 1m)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			cfg := alerting.Config{Rules: []alerting.Rule{tc.rule}}
			if err := export.WritePrometheusRules(&out, "p.hcl", cfg, export.RulesOptions{}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "description: "+jsonString(tc.want)) {
				t.Errorf("want description %s in:\n%s", tc.want, out.String())
			}
			if strings.Contains(out.String(), "0.9990000000000001") {
				t.Errorf("float noise in:\n%s", out.String())
			}
			promtool(t, out.Bytes())
		})
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(strings.NewReplacer(`"`, `\"`, `\`, `\\`).Replace(s))
	b.WriteByte('"')
	return b.String()
}
