package alerting

import (
	"errors"
	"slices"
	"strings"

	"github.com/streampipe/streampipe/telemetry"
)

// Signal is a named value computed from several metrics, for what no
// single metric tells.
type Signal struct {
	Name string
	// Doc says what the signal is, for docs/alerts.md.
	Doc string
	// aggregates lists those the signal accepts; the first is the default.
	aggregates []string
	metrics    []string
	build      func(r *Rule, agg string) (expr, error)
}

// Aggregates returns the aggregations the signal accepts; the first is
// its default.
func (s Signal) Aggregates() []string { return slices.Clone(s.aggregates) }

// Signal names.
const (
	SignalConnectionDropRatio = "connection_drop_ratio"
	SignalBufferUtilization   = "buffer_utilization"
)

// DropReasons are the reasons of streampipe.websocket.connections.closed
// that count as a connection drop: the server gave up on a client that
// could not keep up or stopped answering, or the connection was lost.
// Besides these, any connection that ended without a close handshake
// (close code 1006, abnormal closure) is a drop, whatever its reason.
var DropReasons = []string{"slow_client", "write_timeout", "ping_timeout", "connection_lost"}

// DropCode is the close code of connections that ended without a close
// frame; they count as drops.
const DropCode = "1006"

// Signals lists the named signals a rule can watch.
func Signals() []Signal { return slices.Clone(signals) }

var signals = []Signal{
	{
		Name: SignalConnectionDropRatio,
		Doc: "Share of the WebSocket connections of the window that were dropped, per pipeline and " +
			"sink: connections closed for reason " + strings.Join(DropReasons, ", ") + ", or with close " +
			"code " + DropCode + " (ended without a close handshake, such as a client that vanished), " +
			"divided by the connections that existed in the window (those open at its start plus those " +
			"opened during it). Connections closed normally by either side are not drops.",
		aggregates: []string{AggRatio},
		metrics: []string{telemetry.WSConnectionsClosed, telemetry.WSConnectionsActive,
			telemetry.WSConnectionsOpened},
		build: buildConnectionDropRatio,
	},
	{
		Name: SignalBufferUtilization,
		Doc: "Share of each stage's queue in use: streampipe.stage.queue.length divided by " +
			"streampipe.stage.queue.capacity, per pipeline and stage (0 to 1).",
		aggregates: []string{AggValue, AggMax, AggMin, AggAvg},
		metrics:    []string{telemetry.StageQueueLength, telemetry.StageQueueCapacity},
		build:      buildBufferUtilization,
	},
}

// SignalNames returns the names of the signals.
func SignalNames() []string {
	out := make([]string, len(signals))
	for i, s := range signals {
		out[i] = s.Name
	}
	return out
}

func signalByName(name string) (Signal, bool) {
	for _, s := range signals {
		if s.Name == name {
			return s, true
		}
	}
	return Signal{}, false
}

// compileSignal builds the expression of a rule on a named signal,
// reporting every problem at once.
func (r *Rule) compileSignal() (expr, error) {
	sig, ok := signalByName(r.Signal)
	if !ok {
		return nil, fieldErr("signal", "%q is not a signal; use one of %s", r.Signal,
			strings.Join(SignalNames(), ", "))
	}
	var errs []error
	if len(r.Labels) > 0 {
		errs = append(errs, fieldErr("labels", "label matchers apply to metrics, not to signals"))
	}
	if r.Denominator != "" {
		errs = append(errs, fieldErr("denominator", "applies to metrics, not to signals"))
	}
	agg := r.aggregate()
	if !slices.Contains(sig.aggregates, agg) {
		errs = append(errs, fieldErr("aggregate", "signal %s takes aggregate %s, not %q", sig.Name,
			strings.Join(sig.aggregates, " or "), agg))
		agg = sig.aggregates[0] // still check the grouping
	}
	e, err := sig.build(r, agg)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// signalGrouping groups a signal's metrics by r.By (checked against
// every one of them) or by default by pipeline and stage.
func signalGrouping(r *Rule, ins ...telemetry.Instrument) ([]grouping, error) {
	by := r.By
	if by == nil {
		by = []string{telemetry.LabelPipeline, telemetry.LabelStage}
	}
	out := make([]grouping, len(ins))
	for i, in := range ins {
		g, err := newGrouping(in, by)
		if err != nil {
			// The metrics share their grouping labels: the first one's
			// errors say it all.
			return nil, err
		}
		out[i] = g
	}
	return out, nil
}

func buildConnectionDropRatio(r *Rule, _ string) (expr, error) {
	closed, _ := telemetry.Lookup(telemetry.WSConnectionsClosed)
	active, _ := telemetry.Lookup(telemetry.WSConnectionsActive)
	opened, _ := telemetry.Lookup(telemetry.WSConnectionsOpened)
	g, err := signalGrouping(r, closed, active, opened)
	if err != nil {
		return nil, err
	}
	drops := selector{in: closed, alts: [][]matcher{
		{{key: telemetry.LabelReason, values: DropReasons}},
		{{key: telemetry.LabelCode, values: []string{DropCode}}},
	}}
	num := increase{sel: drops, by: g[0], length: r.Window}
	den := plus{
		a: instant{sel: selector{in: active}, by: g[1], atBase: true, length: r.Window},
		b: increase{sel: selector{in: opened}, by: g[2], length: r.Window},
	}
	return ratio{num: num, den: den}, nil
}

func buildBufferUtilization(r *Rule, agg string) (expr, error) {
	length, _ := telemetry.Lookup(telemetry.StageQueueLength)
	capacity, _ := telemetry.Lookup(telemetry.StageQueueCapacity)
	g, err := signalGrouping(r, length, capacity)
	if err != nil {
		return nil, err
	}
	e := instantRatio{
		num: instant{sel: selector{in: length}, by: g[0], length: r.Window},
		den: instant{sel: selector{in: capacity}, by: g[1], length: r.Window},
	}
	if agg == AggValue {
		return e, nil
	}
	return overTime{fn: agg, inner: e, length: r.Window}, nil
}
