package telemetry

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// docGroups orders the sections of docs/metrics.md; each instrument goes
// to the first group whose prefix its name starts with.
var docGroups = []struct{ prefix, title, intro string }{
	{"streampipe.stage.", "Every stage",
		"Recorded by the runtime around every stage, built-in or plugin. `kind` is the stage kind " +
			"(`capture.exec`, `buffer`, `sink.websocket`, ...)."},
	{"streampipe.capture.", "Capture", ""},
	{"streampipe.batch.", "Batch", ""},
	{"streampipe.websocket.", "WebSocket sink", ""},
	{"streampipe.plugin.", "Plugin stages", ""},
	{"", "Process and host",
		"Sampled every `interval` of the telemetry block. The `go.*`, `process.cpu.time` and `system.*` " +
			"metrics not marked gopsutil come from the OpenTelemetry runtime and host instrumentation, " +
			"with their own label names, and are read at each scrape. The deprecated `runtime.*` and " +
			"`process.runtime.*` metrics the runtime instrumentation adds when " +
			"`OTEL_GO_X_DEPRECATED_RUNTIME_METRICS` is set are dropped, so a scrape holds exactly the metrics of this page."},
	{"target_info", "Exporter", ""},
	{"streampipe.alert.", "Alerts", "Recorded by the alert engine; docs/alerts.md describes the rules."},
	{"streampipe.redis.", "Redis", "Reserved for the state issue."},
}

// WriteMarkdown writes the metrics reference, docs/metrics.md, from the
// table. The output depends only on the table.
func WriteMarkdown(w io.Writer) error {
	ew := &docWriter{w: w}
	ew.printf("# Metrics\n\n")
	ew.printf("<!-- Generated from telemetry/instruments.go by `go test ./telemetry -update`; " +
		"do not edit. -->\n\n")
	ew.para(docIntro)
	groups := make([][]Instrument, len(docGroups))
	for _, in := range table {
		groups[docGroup(in.Name)] = append(groups[docGroup(in.Name)], in)
	}
	for i, g := range docGroups {
		if len(groups[i]) == 0 {
			continue
		}
		ew.printf("## %s\n\n", g.title)
		if g.intro != "" {
			ew.para(g.intro)
		}
		ew.printf("| Prometheus name | OpenTelemetry name | Type | Unit | Labels | Meaning |\n")
		ew.printf("| --- | --- | --- | --- | --- | --- |\n")
		for _, in := range groups[i] {
			ew.printf("| `%s` | `%s` | %s | %s | %s | %s |\n", in.PrometheusName(), in.Name,
				docType(in), docUnit(in.Unit), docLabels(in), docCell(in.Description+" Source: "+in.Source+"."))
		}
		ew.printf("\n")
	}
	ew.printf("## Histogram buckets\n\n")
	ew.printf("| Metric | Bucket upper bounds |\n| --- | --- |\n")
	for _, in := range table {
		if in.Kind == Histogram {
			ew.printf("| `%s` | %s |\n", in.PrometheusName(), docBuckets(in))
		}
	}
	ew.printf("\n")
	ew.para(docStatus)
	return ew.err
}

const docIntro = "Every metric streampipe exports, generated from the one table that also creates " +
	"the instruments (`telemetry/instruments.go`). Prometheus scrapes them at the telemetry " +
	"listener (default `http://127.0.0.1:9464/metrics`); with an `otlp` block they are also pushed " +
	"over OTLP under their OpenTelemetry names. Prometheus names follow the exporter's rules: dots " +
	"become underscores, the unit becomes a suffix (`s` to `_seconds`, `By` to `_bytes`, `1` to " +
	"`_ratio` on gauges; annotations such as `{frame}` are left out) and counters end in `_total`. " +
	"Histograms are exposed as `_bucket`, `_sum` and `_count` series.\n\n" +
	"Labels are bounded: stage, pipeline, tier and path values come from the configuration file, " +
	"reasons and codes from small fixed sets. No metric has a client, session or frame label. " +
	"Metrics recorded as things happen appear in a scrape after their first event."

const docStatus = "## Health, readiness and status\n\n" +
	"The telemetry listener also serves `GET /healthz` (200 while the process lives), " +
	"`GET /readyz` (200 when every stage of every pipeline is `ok`; 503 while any stage is " +
	"starting, degraded, stopping (draining), stopped or failed, with a JSON body listing them and " +
	"why) and `GET /status` (JSON: the pipeline graph, each stage's state, counters and rates, " +
	"the bottleneck, alert states and a resource sample). The WebSocket sink's viewer serves the " +
	"same `/status` on its own port for its status panel.\n\n" +
	"The bottleneck is the stage that holds the others back: the most downstream stage whose input " +
	"queue is at least 90% full (buffers excepted: their own queue fills when the stage after them " +
	"is slow); failing that, the downstream neighbour (the sink with the fullest queue, after the " +
	"last middle stage) of the stage that spent the largest share, at least 5%, of the last " +
	"rate window blocked sending; failing that, none (`null`). Rates in `/status` are computed " +
	"over the sampling `interval`, but never over less than about a second. In PromQL the same signal is " +
	"`rate(streampipe_stage_blocked_time_seconds_total[1m])` and " +
	"`streampipe_stage_queue_length / streampipe_stage_queue_capacity`."

func docGroup(name string) int {
	for i, g := range docGroups {
		if g.prefix != "" && strings.HasPrefix(name, g.prefix) {
			return i
		}
	}
	for i, g := range docGroups {
		if g.prefix == "" {
			return i
		}
	}
	return 0
}

func docType(in Instrument) string {
	s := in.Kind.String()
	if in.Observable {
		s = "observable " + s
	}
	return s
}

func docUnit(u string) string {
	if u == "" {
		return "-"
	}
	return "`" + u + "`"
}

func docLabels(in Instrument) string {
	if len(in.Labels) == 0 {
		return "-"
	}
	labels := in.PrometheusLabels()
	for i := range labels {
		labels[i] = "`" + labels[i] + "`"
	}
	return strings.Join(labels, ", ")
}

// docBuckets lists a histogram's bounds exactly as the Prometheus text
// format writes them in le labels (shortest representation), so the
// docs and a scrape agree character for character.
func docBuckets(in Instrument) string {
	parts := make([]string, len(in.Buckets))
	for i, b := range in.Buckets {
		parts[i] = strconv.FormatFloat(b, 'g', -1, 64)
	}
	return strings.Join(parts, ", ")
}

func docCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// docWriter keeps the first write error.
type docWriter struct {
	w   io.Writer
	err error
}

func (d *docWriter) printf(format string, args ...any) {
	if d.err == nil {
		_, d.err = fmt.Fprintf(d.w, format, args...)
	}
}

// para writes text wrapped at 80 columns, paragraphs split on blank lines.
func (d *docWriter) para(text string) {
	for _, p := range strings.Split(text, "\n\n") {
		if strings.HasPrefix(p, "## ") {
			title, rest, _ := strings.Cut(p, "\n")
			d.printf("%s\n\n", title)
			if rest == "" {
				continue
			}
			p = rest
		}
		line := ""
		for _, word := range strings.Fields(p) {
			if line != "" && len(line)+1+len(word) > 80 {
				d.printf("%s\n", line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		if line != "" {
			d.printf("%s\n\n", line)
		}
	}
}
