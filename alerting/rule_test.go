package alerting_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/telemetry"
)

func validRule() alerting.Rule {
	return alerting.Rule{Name: "r", Metric: telemetry.WSFrameLatency, Aggregate: "p95",
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 0.1}, Window: time.Minute,
		Severity: alerting.Warning}
}

func TestRuleCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(r *alerting.Rule)
		field string // "" means valid
		text  string
	}{
		{"valid", func(*alerting.Rule) {}, "", ""},
		{"prometheus name", func(r *alerting.Rule) { r.Metric = "streampipe_websocket_frame_latency_seconds" }, "", ""},
		{"unknown metric", func(r *alerting.Rule) { r.Metric = "streampipe.websocket.frame.latncy" }, "metric",
			`did you mean "streampipe.websocket.frame.latency"`},
		{"metric and signal", func(r *alerting.Rule) { r.Signal = alerting.SignalBufferUtilization }, "signal", "not both"},
		{"neither", func(r *alerting.Rule) { r.Metric = "" }, "metric", "needs a metric or a signal"},
		{"quantile of a counter", func(r *alerting.Rule) { r.Metric = telemetry.StageFramesIn }, "aggregate",
			"applies to histograms"},
		{"rate of a gauge", func(r *alerting.Rule) { r.Metric = telemetry.StageQueueLength; r.Aggregate = "rate" },
			"aggregate", "applies to counters"},
		{"value of a histogram", func(r *alerting.Rule) { r.Aggregate = "value" }, "aggregate", "use a quantile"},
		{"min of a histogram", func(r *alerting.Rule) { r.Aggregate = "min" }, "aggregate", "minimum"},
		{"bad quantile", func(r *alerting.Rule) { r.Aggregate = "p150" }, "aggregate", "at most p100"},
		{"unknown aggregation", func(r *alerting.Rule) { r.Aggregate = "median" }, "aggregate", "not an aggregation"},
		{"unknown label", func(r *alerting.Rule) { r.Labels = map[string][]string{"client": {"x"}} }, "labels",
			"has no label \"client\""},
		{"unknown group label", func(r *alerting.Rule) { r.By = []string{"session"} }, "by", "has no label"},
		{"misspelled label", func(r *alerting.Rule) { r.Labels = map[string][]string{"stag": {"x"}} }, "labels",
			`has no label "stag"; its labels are pipeline, stage, tier; did you mean "stage"?`},
		{"denominator without ratio", func(r *alerting.Rule) { r.Denominator = telemetry.StageFramesIn },
			"denominator", "applies to aggregate"},
		{"signal aggregation", func(r *alerting.Rule) {
			r.Metric, r.Signal, r.Aggregate = "", alerting.SignalConnectionDropRatio, "p95"
		}, "aggregate", "takes aggregate ratio"},
		{"unknown signal", func(r *alerting.Rule) { r.Metric, r.Signal = "", "drops" }, "signal", "not a signal"},
		{"no threshold", func(r *alerting.Rule) { r.Compare = alerting.Comparison{} }, "above", "one of above"},
		{"inverted range", func(r *alerting.Rule) {
			r.Compare = alerting.Comparison{Op: alerting.Outside, Low: 5, High: 1}
		}, "outside", "low <= high"},
		{"no window", func(r *alerting.Rule) { r.Window = 0 }, "window", "longer than 0"},
		{"window over a day", func(r *alerting.Rule) { r.Window = 10000 * time.Hour }, "window", "at most 24h"},
		{"header name with a space", func(r *alerting.Rule) {
			r.Hooks = []*alerting.HookConfig{{Kind: alerting.HookWebhook, URL: "http://127.0.0.1:9/x",
				Headers: map[string]string{"X Token": "a"}}}
		}, "headers", "not a header name"},
		{"header value with a line break", func(r *alerting.Rule) {
			r.Hooks = []*alerting.HookConfig{{Kind: alerting.HookWebhook, URL: "http://127.0.0.1:9/x",
				Headers: map[string]string{"X-Token": "a\r\nX-Evil: 1"}}}
		}, "headers", "line break"},
		{"severity", func(r *alerting.Rule) { r.Severity = "urgent" }, "severity", "not a severity"},
		{"bad webhook", func(r *alerting.Rule) {
			r.Hooks = []*alerting.HookConfig{{Kind: alerting.HookWebhook, URL: "ftp://x"}}
		}, "url", "not an http"},
		{"empty exec", func(r *alerting.Rule) { r.Hooks = []*alerting.HookConfig{{Kind: alerting.HookExec}} },
			"command", "needs the program"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := validRule()
			tc.edit(&r)
			err := r.Check()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var fe *alerting.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("Check = %v; want an error on %s containing %q", err, tc.field, tc.text)
			}
		})
	}
}

func TestDefaultsAreValidAndRenderPromQL(t *testing.T) {
	want := map[string]string{
		"connection_drops": `(sum by (pipeline, stage, instance, job) (increase(streampipe_websocket_connections_closed_total` +
			`{reason=~"slow_client|write_timeout|ping_timeout|connection_lost"}[5m]) or ` +
			`increase(streampipe_websocket_connections_closed_total{code="1006"}[5m]))) / ` +
			`(((sum by (pipeline, stage, instance, job) (streampipe_websocket_connections_active offset 5m)) or ` +
			`(sum by (pipeline, stage, instance, job) (increase(streampipe_websocket_connections_opened_total[5m]))) * 0) + ` +
			`((sum by (pipeline, stage, instance, job) (increase(streampipe_websocket_connections_opened_total[5m]))) or ` +
			`(sum by (pipeline, stage, instance, job) (streampipe_websocket_connections_active offset 5m)) * 0) > 0) > 0.1`,
		"frame_latency_p99": `histogram_quantile(0.99, sum by (pipeline, stage, tier, instance, job, le) ` +
			`(rate(streampipe_websocket_frame_latency_seconds_bucket[5m]))) > 0.2`,
		"memory": `avg_over_time((max by (instance, job) ` +
			`(system_memory_utilization_ratio{system_memory_state="used"}))[5m:]) > 0.85`,
		"cpu":  `avg_over_time((max by (instance, job) (system_cpu_utilization_ratio))[5m:]) > 0.8`,
		"disk": `max by (path, instance, job) (streampipe_disk_utilization_ratio) > 0.9`,
		"batch_size": `(histogram_quantile(1, sum by (pipeline, stage, tier, instance, job, le) ` +
			`(rate(streampipe_batch_size_bucket[5m]))) < 1) or (histogram_quantile(1, sum by ` +
			`(pipeline, stage, tier, instance, job, le) (rate(streampipe_batch_size_bucket[5m]))) > 5)`,
		"queue_length": `sum by (pipeline, stage, instance, job) (streampipe_stage_queue_length) > 10`,
	}
	names := map[string]bool{}
	for _, r := range alerting.Defaults() {
		if err := r.Check(); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
		if names[r.Name] {
			t.Errorf("%s declared twice", r.Name)
		}
		names[r.Name] = true
		if w, ok := want[r.Name]; ok && r.PromQL() != w {
			t.Errorf("%s:\n got %s\nwant %s", r.Name, r.PromQL(), w)
		}
	}
	for name := range want {
		if !names[name] {
			t.Errorf("no default rule %s", name)
		}
	}
}

func TestParseThreshold(t *testing.T) {
	for _, tc := range []struct {
		v    any
		unit string
		want float64
		err  string
	}{
		{0.5, "s", 0.5, ""},
		{"100ms", "s", 0.1, ""},
		{"2", "{message}", 2, ""},
		{"85%", "1", 0.85, ""},
		{"85%", "s", 0, "applies to ratios"},
		{"1m", "1", 0, "applies to values in seconds"},
		{"fast", "s", 0, "not a number"},
		{true, "s", 0, "not bool"},
	} {
		got, err := alerting.ParseThreshold(tc.v, tc.unit)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseThreshold(%v, %s) error %v, want %q", tc.v, tc.unit, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseThreshold(%v, %s) = %v, %v; want %v", tc.v, tc.unit, got, err, tc.want)
		}
	}
}

// TestCheckReportsEveryProblem: one mistake does not hide the others.
func TestCheckReportsEveryProblem(t *testing.T) {
	r := validRule()
	r.Aggregate = "p150"
	r.Compare = alerting.Comparison{Op: alerting.Outside, Low: 5, High: 1}
	r.Labels = map[string][]string{"colour": {"red"}}
	r.By = []string{"client"}
	r.Hooks = []*alerting.HookConfig{{Kind: alerting.HookWebhook, URL: "gopher://127.0.0.1/x",
		Headers: map[string]string{"bad name": "x\n"}}}
	var fields []string
	for _, e := range leaves(r.Check()) {
		var fe *alerting.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a FieldError", e)
		}
		fields = append(fields, fe.Field)
	}
	slices.Sort(fields)
	want := []string{"aggregate", "by", "headers", "headers", "labels", "outside", "url"}
	if !slices.Equal(fields, want) {
		t.Errorf("errors on %v, want %v", fields, want)
	}
}

func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestQuantilesRenderAsWritten(t *testing.T) {
	for _, tc := range []struct{ agg, want string }{
		{"p99.9", "histogram_quantile(0.999, "},
		{"p95", "histogram_quantile(0.95, "},
		{"p50", "histogram_quantile(0.5, "},
		{"p99.99", "histogram_quantile(0.9999, "},
		{"p0.1", "histogram_quantile(0.001, "},
		{"p100", "histogram_quantile(1, "},
	} {
		t.Run(tc.agg, func(t *testing.T) {
			r := validRule()
			r.Aggregate = tc.agg
			if got := r.PromQL(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("%s renders %s, want it to start with %s", tc.agg, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"p1e2", "pInf", "p0x10"} {
		r := validRule()
		r.Aggregate = bad
		if r.Check() == nil {
			t.Errorf("aggregate %q accepted", bad)
		}
	}
}
