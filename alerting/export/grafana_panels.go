package export

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/telemetry"
)

// rateWindow is the range of the dashboard's rates; Grafana picks it from
// the scrape interval and the zoom.
const rateWindow = "[$__rate_interval]"

// familyTitles names the row of each stage family, in pipeline order.
var familyTitles = []struct {
	family pipeline.Family
	title  string
}{
	{pipeline.FamilyCapture, "Capture"},
	{pipeline.FamilyBuffer, "Buffers"},
	{pipeline.FamilyQuality, "Quality tiers"},
	{pipeline.FamilyBatch, "Batching"},
	{pipeline.FamilyStage, "Processing stages"},
	{pipeline.FamilySink, "Sinks"},
}

// rows adds every row: one per stage family the pipelines use, then
// resources, then the alert rules.
func (b *builder) rows() {
	for _, f := range familyTitles {
		nodes := b.nodes(func(n *pipeline.Node) bool { return n.Family == f.family })
		if len(nodes) == 0 {
			continue
		}
		b.row(f.title)
		b.stagePanels(f.family, nodes)
		switch f.family {
		case pipeline.FamilyCapture:
			b.capturePanels(nodes)
		case pipeline.FamilyBatch:
			b.batchPanels(nodes)
		case pipeline.FamilyStage:
			b.pluginPanels(nodes)
		case pipeline.FamilySink:
			b.websocketPanels(b.nodes(func(n *pipeline.Node) bool {
				return n.Family == pipeline.FamilySink && n.Kind == "websocket"
			}))
		}
	}
	b.resourcePanels()
	b.alertPanels()
}

// nodes returns the nodes of every pipeline that keep says to.
func (b *builder) nodes(keep func(n *pipeline.Node) bool) []*pipeline.Node {
	var out []*pipeline.Node
	for _, p := range b.d.Pipelines {
		for _, n := range p.Nodes() {
			if keep(n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// name returns the Prometheus name of a metric of the table; a name the
// table lacks is a bug in this package, caught by its tests.
func (b *builder) name(otel string) string {
	p, ok := telemetry.PrometheusName(otel)
	if !ok {
		panic("export: " + otel + " is not in the telemetry table")
	}
	return p
}

// selector renders the label matchers of the given stages of the
// selected pipelines, plus extra matchers.
func selector(nodes []*pipeline.Node, extra ...string) string {
	ms := []string{`pipeline=~"$pipeline"`}
	if nodes != nil {
		seen := map[string]bool{}
		var names []string
		for _, n := range nodes {
			if !seen[n.Name] {
				seen[n.Name] = true
				names = append(names, regexp.QuoteMeta(n.Name))
			}
		}
		ms = append(ms, "stage=~"+strconv.Quote(strings.Join(names, "|")))
	}
	return "{" + strings.Join(append(ms, extra...), ", ") + "}"
}

func (b *builder) rate(otel, sel, by string) string {
	return fmt.Sprintf("sum by (%s) (rate(%s%s%s))", by, b.name(otel), sel, rateWindow)
}

func (b *builder) increase(otel, sel, by string) string {
	return fmt.Sprintf("sum by (%s) (increase(%s%s%s))", by, b.name(otel), sel, rateWindow)
}

func (b *builder) quantile(q float64, otel, sel, by string) string {
	return fmt.Sprintf("histogram_quantile(%s, sum by (%s, le) (rate(%s_bucket%s%s)))",
		strconv.FormatFloat(q, 'g', -1, 64), by, b.name(otel), sel, rateWindow)
}

// quantileTargets renders p50, p95 and p99 of a histogram.
func (b *builder) quantileTargets(otel, sel, by, legend string) []target {
	var out []target
	for _, q := range []float64{0.5, 0.95, 0.99} {
		out = append(out, target{Expr: b.quantile(q, otel, sel, by),
			LegendFormat: fmt.Sprintf("%s p%g", legend, 100*q)})
	}
	return out
}

const stageBy = "pipeline, stage"
const stageLegend = "{{pipeline}}/{{stage}}"

// stagePanels are the panels every family has: throughput, drops by
// reason, queue and buffer use, time blocked, and processing time.
func (b *builder) stagePanels(f pipeline.Family, nodes []*pipeline.Node) {
	sel := selector(nodes)
	var tput []target
	if f != pipeline.FamilyCapture {
		tput = append(tput, target{Expr: b.rate(telemetry.StageFramesIn, sel, stageBy),
			LegendFormat: stageLegend + " in"})
	}
	if f != pipeline.FamilySink {
		tput = append(tput, target{Expr: b.rate(telemetry.StageFramesOut, sel, stageBy),
			LegendFormat: stageLegend + " out"})
	}
	b.add(&panel{Title: "Throughput (frames/s)", Targets: tput,
		Description: "Frames reaching and leaving each stage per second."}, "short")

	drops := []target{{Expr: b.rate(telemetry.StageFramesDropped, sel, stageBy+", reason"),
		LegendFormat: stageLegend + " {{reason}}"}}
	if f == pipeline.FamilyQuality {
		drops = append(drops, target{Expr: b.rate(telemetry.StageFramesSkipped, sel, stageBy),
			LegendFormat: stageLegend + " skipped (tier decimation)"})
	}
	b.add(&panel{Title: "Drops by reason (frames/s)", Targets: drops,
		Description: "Frames discarded per second, by reason. Frames a quality stage leaves out on " +
			"purpose (decimation) are skipped, not dropped."}, "short")

	queue := fmt.Sprintf("sum by (%s) (%s%s)", stageBy, b.name(telemetry.StageQueueLength), sel)
	b.add(&panel{Title: "Queue length (messages)",
		thresholds:  b.ruleThresholds(telemetry.StageQueueLength, false),
		Targets:     []target{{Expr: queue, LegendFormat: stageLegend}},
		Description: "Messages waiting in each stage's input (a buffer's own queue for buffers)."}, "short")

	use := fmt.Sprintf("sum by (%s) (%s%s) / (sum by (%s) (%s%s) > 0)", stageBy,
		b.name(telemetry.StageQueueLength), sel, stageBy, b.name(telemetry.StageQueueCapacity), sel)
	blocked := b.rate(telemetry.StageBlockedTime, sel, stageBy)
	b.add(&panel{Title: "Buffer use and time blocked",
		thresholds: b.signalThresholds(alerting.SignalBufferUtilization),
		Targets: []target{
			{Expr: use, LegendFormat: stageLegend + " queue use"},
			{Expr: blocked, LegendFormat: stageLegend + " blocked sending"},
		},
		Description: "Share of each queue in use, and share of time each stage spent blocked sending " +
			"downstream: the stage after the most blocked one holds the others back."}, "percentunit")

	// Processing time: of each Process or Consume call, and for plugin
	// stages (which stream to their plugin rather than process one
	// message at a time) the round trip of a batch to the plugin.
	var consumers []*pipeline.Node
	for _, n := range nodes {
		switch n.Stage.(type) {
		case pipeline.Processor, pipeline.Sink:
			consumers = append(consumers, n)
		}
	}
	var targets []target
	if len(consumers) > 0 {
		targets = b.quantileTargets(telemetry.StageProcessDuration, selector(consumers), stageBy, stageLegend)
	}
	if plugins := b.plugins(nodes); len(plugins) > 0 {
		targets = append(targets, b.quantileTargets(telemetry.PluginRoundTripDuration, selector(plugins),
			stageBy, stageLegend+" round trip")...)
	}
	if len(targets) > 0 {
		b.add(&panel{Title: "Processing time", Targets: targets,
			Description: "Time each stage spends on a message (a frame, or a batch for batchers and " +
				"plugins), percentiles; for plugin stages also the round trip from sending a batch " +
				"to the plugin to its answer."}, "s")
	}
}

// plugins returns the nodes whose kind a plugin provides.
func (b *builder) plugins(nodes []*pipeline.Node) []*pipeline.Node {
	var out []*pipeline.Node
	if b.d.Registry == nil {
		return nil
	}
	for _, n := range nodes {
		if k, ok := b.d.Registry.Lookup(n.Family, n.Kind); ok && k.Plugin != "" {
			out = append(out, n)
		}
	}
	return out
}

func (b *builder) capturePanels(nodes []*pipeline.Node) {
	sel := selector(nodes)
	targets := b.quantileTargets(telemetry.CaptureInterval, sel, stageBy, stageLegend+" interval")
	targets = append(targets, target{Expr: b.quantile(0.95, telemetry.CaptureJitter, sel, stageBy),
		LegendFormat: stageLegend + " jitter p95"})
	b.add(&panel{Title: "Capture interval and jitter", Targets: targets,
		Description: "Time between captured frames, and its distance from 1/fps."}, "s")

	var execs []*pipeline.Node
	for _, n := range nodes {
		if n.Kind == "exec" {
			execs = append(execs, n)
		}
	}
	if len(execs) > 0 {
		b.add(&panel{Title: "Capture restarts",
			Targets: []target{{Expr: b.increase(telemetry.CaptureRestarts, selector(execs), stageBy),
				LegendFormat: stageLegend}},
			Description: "Times a capture command ended and was restarted."}, "short")
	}
}

func (b *builder) batchPanels(nodes []*pipeline.Node) {
	sel := selector(nodes)
	by, legend := stageBy+", tier", stageLegend+" {{tier}}"
	targets := b.quantileTargets(telemetry.BatchSize, sel, by, legend)
	targets = append(targets, target{Expr: b.quantile(1, telemetry.BatchSize, sel, by),
		LegendFormat: legend + " max"})
	b.add(&panel{Title: "Batch size (frames)", Targets: targets,
		thresholds:  b.ruleThresholds(telemetry.BatchSize, true),
		Description: "Frames per batch, per tier; max is the largest bucket used."}, "short")

	b.add(&panel{Title: "Batch wait",
		Targets: b.quantileTargets(telemetry.BatchWaitDuration, sel, by, legend),
		Description: "Time from a batch's first frame to its emission, per tier. Recorded by batchers " +
			"with a window; with window 0 (the default) batches form from frames already waiting, " +
			"nothing is recorded and the panel stays empty."}, "s")
}

// pluginPanels adds the health of the plugin processes; their round
// trips are in the row's processing time panel.
func (b *builder) pluginPanels(nodes []*pipeline.Node) {
	plugins := b.plugins(nodes)
	if len(plugins) == 0 {
		return
	}
	sel := selector(plugins)
	b.add(&panel{Title: "Plugin processes",
		Targets: []target{
			{Expr: fmt.Sprintf("sum by (%s) (%s%s)", stageBy, b.name(telemetry.PluginUp), sel),
				LegendFormat: stageLegend + " up"},
			{Expr: b.increase(telemetry.PluginRestarts, sel, stageBy), LegendFormat: stageLegend + " restarts"},
			{Expr: b.increase(telemetry.PluginFailures, sel, stageBy), LegendFormat: stageLegend + " failures"},
		},
		Description: "Whether each plugin answers, and its restarts and failures."}, "short")
}

func (b *builder) websocketPanels(nodes []*pipeline.Node) {
	if len(nodes) == 0 {
		return
	}
	sel := selector(nodes)
	tierBy, tierLegend := stageBy+", tier", stageLegend+" {{tier}}"
	b.add(&panel{Title: "Clients per tier",
		Targets: []target{{Expr: fmt.Sprintf("sum by (%s) (%s%s)", tierBy, b.name(telemetry.WSClients), sel),
			LegendFormat: tierLegend}},
		Description: "Connected WebSocket clients, per quality tier."}, "short")
	b.add(&panel{Title: "Connections (per second)",
		Targets: []target{
			{Expr: b.rate(telemetry.WSConnectionsOpened, sel, stageBy), LegendFormat: stageLegend + " opened"},
			{Expr: b.rate(telemetry.WSConnectionsClosed, sel, stageBy+", reason"),
				LegendFormat: stageLegend + " closed {{reason}}"},
			{Expr: b.rate(telemetry.WSQualityChanges, sel, stageBy+", from, to"),
				LegendFormat: stageLegend + " tier {{from}} to {{to}}"},
		},
		Description: "Connections opened and closed (by reason), and tier changes."}, "short")

	drop := alerting.Rule{Name: "x", Signal: alerting.SignalConnectionDropRatio, Window: 5 * time.Minute,
		Compare: alerting.Comparison{Op: alerting.Above}, Severity: alerting.Info}
	for _, r := range b.d.Alerts.Rules {
		if r.Signal == alerting.SignalConnectionDropRatio {
			drop.Window = r.Window
			break
		}
	}
	b.add(&panel{Title: "Connection drop ratio",
		thresholds: b.signalThresholds(alerting.SignalConnectionDropRatio),
		Targets:    []target{{Expr: drop.ValuePromQL(), LegendFormat: stageLegend}},
		Description: "Connections dropped (slow client, write or ping timeout, lost, or closed without a " +
			"handshake) over the connections of the window (" + alerting.PromDuration(drop.Window) + ")."},
		"percentunit")

	b.add(&panel{Title: "Frame latency, capture to socket write",
		thresholds:  b.ruleThresholds(telemetry.WSFrameLatency, true),
		Targets:     b.quantileTargets(telemetry.WSFrameLatency, sel, tierBy, tierLegend),
		Description: "Age of frames when their message is written to a client, per tier."}, "s")
	b.add(&panel{Title: "Sent per tier (per second)",
		Targets: []target{
			{Expr: b.rate(telemetry.WSMessagesSent, sel, tierBy), LegendFormat: tierLegend + " messages"},
			{Expr: b.rate(telemetry.WSFramesSent, sel, tierBy), LegendFormat: tierLegend + " frames"},
		},
		Description: "Messages and frames written to client sockets."}, "short")
	b.add(&panel{Title: "Bytes sent per tier",
		Targets:     []target{{Expr: b.rate(telemetry.WSBytesSent, sel, tierBy), LegendFormat: tierLegend}},
		Description: "Bytes of frame messages written to client sockets."}, "Bps")
	b.add(&panel{Title: "Client send queue depth",
		Targets: []target{
			{Expr: b.quantile(0.95, telemetry.WSSendQueueDepth, sel, tierBy), LegendFormat: tierLegend + " p95"},
			{Expr: b.quantile(1, telemetry.WSSendQueueDepth, sel, tierBy), LegendFormat: tierLegend + " max"},
		},
		Description: "Messages waiting for each client when a new one is queued."}, "short")
	b.add(&panel{Title: "Session duration",
		Targets:     b.quantileTargets(telemetry.WSSessionDuration, sel, stageBy, stageLegend),
		Description: "Length of ended client sessions."}, "s")
}

func (b *builder) resourcePanels() {
	b.row("Resources")
	b.add(&panel{Title: "Memory", thresholds: b.ruleThresholds(telemetry.SystemMemoryUtil, false),
		Targets: []target{{Expr: b.name(telemetry.SystemMemoryUtil) + `{system_memory_state="used"}`,
			LegendFormat: "machine memory used"}},
		Description: "Share of the machine's memory in use."}, "percentunit")
	cpuRules := append(b.ruleThresholds(telemetry.SystemCPUUtilization, false),
		b.ruleThresholds(telemetry.ProcessCPUUtilization, false)...)
	b.add(&panel{Title: "CPU", thresholds: cpuRules,
		Targets: []target{
			{Expr: b.name(telemetry.SystemCPUUtilization), LegendFormat: "machine"},
			{Expr: b.name(telemetry.ProcessCPUUtilization), LegendFormat: "streampipe"},
		},
		Description: "CPU in use, as a share of all cores."}, "percentunit")
	b.add(&panel{Title: "Process memory",
		Targets: []target{
			{Expr: b.name(telemetry.ProcessMemoryUsage), LegendFormat: "resident (RSS)"},
			{Expr: b.name(telemetry.GoMemoryUsed) + `{go_memory_type="other"}`, LegendFormat: "Go heap and runtime"},
		},
		Description: "Memory of the streampipe process."}, "bytes")
	b.add(&panel{Title: "Goroutines",
		Targets:     []target{{Expr: b.name(telemetry.GoGoroutineCount), LegendFormat: "goroutines"}},
		Description: "Live goroutines of the process."}, "short")
	b.add(&panel{Title: "Network",
		Targets: []target{{Expr: fmt.Sprintf("sum by (network_io_direction) (rate(%s%s))",
			b.name(telemetry.SystemNetworkIO), rateWindow), LegendFormat: "{{network_io_direction}}"}},
		Description: "Bytes the machine's network interfaces move per second."}, "Bps")
	writers := b.nodes(func(n *pipeline.Node) bool { _, ok := n.Stage.(telemetry.DiskWriter); return ok })
	if b.d.Disks || len(writers) > 0 {
		b.add(&panel{Title: "Disk use", thresholds: b.ruleThresholds(telemetry.StreampipeDiskUtilization, false),
			Targets:     []target{{Expr: b.name(telemetry.StreampipeDiskUtilization), LegendFormat: "{{path}}"}},
			Description: "Share of each file system streampipe writes to that is used."}, "percentunit")
	}
}

// alertPanels draws each rule's own value with its threshold, and the
// transitions of every alert.
func (b *builder) alertPanels() {
	if len(b.d.Alerts.Rules) == 0 {
		return
	}
	b.row("Alerts")
	b.add(&panel{Title: "Alert transitions",
		Targets: []target{{Expr: fmt.Sprintf("sum by (alert, to) (increase(%s%s))",
			b.name(telemetry.AlertTransitions), rateWindow), LegendFormat: "{{alert}} to {{to}}"}},
		Description: "State changes of the alerts evaluated by streampipe itself."}, "short")
	for _, r := range b.d.Alerts.Rules {
		expr := r.ValuePromQL()
		if expr == "" {
			continue
		}
		desc := r.Summary
		if desc != "" {
			desc += " "
		}
		desc += "Fires on: " + r.PromQL()
		if r.For > 0 {
			desc += " for " + alerting.PromDuration(r.For)
		}
		b.add(&panel{Title: fmt.Sprintf("Alert %s (%s)", r.Name, r.Severity), Description: desc,
			thresholds: ruleLines(r), Targets: []target{{Expr: expr}}}, grafanaUnit(r.Unit()))
	}
}

// ruleLines are the threshold lines of one rule.
func ruleLines(r alerting.Rule) []threshold {
	c := severityColor(r.Severity)
	if r.Compare.Op == alerting.Outside {
		return []threshold{{r.Compare.Low, c}, {r.Compare.High, c}}
	}
	return []threshold{{r.Compare.Threshold, c}}
}

// ruleThresholds are the lines of the rules on metric otel: those that
// read a quantile or the maximum of a histogram when quantiles is set,
// those that read its value (or max, min, avg) otherwise.
func (b *builder) ruleThresholds(otel string, quantiles bool) []threshold {
	var out []threshold
	for _, r := range b.d.Alerts.Rules {
		if r.Signal != "" || !sameMetric(r.Metric, otel) {
			continue
		}
		agg := r.EffectiveAggregate()
		isQuantile := strings.HasPrefix(agg, "p") || agg == alerting.AggMax
		isValue := agg == alerting.AggValue || agg == alerting.AggMax || agg == alerting.AggMin ||
			agg == alerting.AggAvg
		if quantiles && isQuantile || !quantiles && isValue {
			out = append(out, ruleLines(r)...)
		}
	}
	return sortLines(out)
}

func (b *builder) signalThresholds(signal string) []threshold {
	var out []threshold
	for _, r := range b.d.Alerts.Rules {
		if r.Signal == signal {
			out = append(out, ruleLines(r)...)
		}
	}
	return sortLines(out)
}

func sameMetric(name, otel string) bool {
	if name == otel {
		return true
	}
	p, ok := telemetry.PrometheusName(otel)
	return ok && p == name
}

// sortLines orders lines by value, as Grafana's steps must be.
func sortLines(ts []threshold) []threshold {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].value < ts[j-1].value; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
	return ts
}
