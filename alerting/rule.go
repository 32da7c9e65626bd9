package alerting

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/streampipe/streampipe/telemetry"
)

// Severity ranks an alert.
type Severity string

// Severities, most urgent first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Severities lists the valid severities, most urgent first.
var Severities = []string{string(Critical), string(Warning), string(Info)}

// Aggregations. A quantile is written "p" and a percentage, such as
// "p95" or "p99.9".
const (
	// AggValue is the current value (the sum over the group's series).
	AggValue = "value"
	// AggMax, AggMin and AggAvg reduce the current value over the window.
	// For a histogram, max is the upper bound of the highest bucket that
	// received observations in the window, and avg their mean.
	AggMax = "max"
	AggMin = "min"
	AggAvg = "avg"
	// AggRate is a counter's increase per second over the window, and
	// AggIncrease its increase.
	AggRate     = "rate"
	AggIncrease = "increase"
	// AggRatio divides a counter's increase over the window by the
	// increase of its denominator (by default the same metric without the
	// label matchers).
	AggRatio = "ratio"
)

// Aggregations lists the aggregation names, quantiles aside.
var Aggregations = []string{AggValue, AggMax, AggMin, AggAvg, AggRate, AggIncrease, AggRatio}

// MaxWindow is the longest window a rule may have. The engine keeps a
// bounded number of snapshots whatever the window (see docs/alerts.md),
// but a day is already far beyond what an alert on a live stream needs.
const MaxWindow = 24 * time.Hour

// Comparison operators.
const (
	Above   = "above"
	Below   = "below"
	Outside = "outside"
)

// Comparison is a rule's condition on its aggregated value.
type Comparison struct {
	// Op is Above, Below or Outside.
	Op string
	// Threshold is the bound of Above and Below.
	Threshold float64
	// Low and High bound the allowed range of Outside (inclusive).
	Low, High float64
}

// Holds reports whether v meets the condition, and the threshold it
// crossed (for Outside, the nearer bound).
func (c Comparison) Holds(v float64) (bool, float64) {
	switch c.Op {
	case Above:
		return v > c.Threshold, c.Threshold
	case Below:
		return v < c.Threshold, c.Threshold
	case Outside:
		if v < c.Low {
			return true, c.Low
		}
		if v > c.High {
			return true, c.High
		}
		if v-c.Low < c.High-v {
			return false, c.Low
		}
		return false, c.High
	}
	return false, math.NaN()
}

// promql renders the condition applied to the expression e.
func (c Comparison) promql(e string) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch c.Op {
	case Below:
		return e + " < " + f(c.Threshold)
	case Outside:
		return "(" + e + " < " + f(c.Low) + ") or (" + e + " > " + f(c.High) + ")"
	}
	return e + " > " + f(c.Threshold)
}

// Rule is one alert rule.
type Rule struct {
	// Name identifies the rule; it is the alertname in Prometheus.
	Name string
	// Metric is the OpenTelemetry name of a metric of the telemetry table;
	// Signal names one of [Signals] instead. Exactly one is set.
	Metric string
	Signal string
	// Labels selects the metric's series: each key (a label of the
	// metric) must have one of the listed values.
	Labels map[string][]string
	// By lists the labels whose values make the groups, each its own
	// alert instance. Nil means the default: the metric's pipeline,
	// stage, tier and path labels, those it has. Empty means one group.
	By []string
	// Aggregate is one of Aggregations or a quantile such as "p95".
	// Empty means AggValue for metrics and the signal's own default.
	Aggregate string
	// Denominator is the OpenTelemetry name of the counter a ratio
	// divides by; empty means the rule's metric without its Labels.
	Denominator string
	// Compare is the condition.
	Compare Comparison
	// Window is the span rates, ratios, quantiles and max/min/avg look
	// back over. For must hold continuously before the alert fires.
	Window, For time.Duration
	Severity    Severity
	// Summary is a sentence for people, sent in notifications.
	Summary string
	// Hooks receive the rule's notifications; nil means a log hook.
	Hooks []*HookConfig
}

// Unit returns the unit of the rule's value: the metric's UCUM unit, or
// "1" for ratios.
func (r *Rule) Unit() string {
	if r.Signal != "" {
		return "1"
	}
	if r.aggregate() == AggRatio {
		return "1"
	}
	in, err := lookupMetric("metric", r.Metric)
	if err != nil {
		return ""
	}
	switch r.aggregate() {
	case AggRate:
		return in.Unit + "/s"
	}
	return in.Unit
}

func (r *Rule) aggregate() string {
	if r.Aggregate != "" {
		return r.Aggregate
	}
	if sig, ok := signalByName(r.Signal); ok {
		return sig.aggregates[0]
	}
	return AggValue
}

// Check reports everything wrong with the rule at once, as errors that
// name the field at fault (the HCL attribute of the same name).
func (r *Rule) Check() error {
	_, err := r.compile()
	return err
}

// FieldError is a problem with one field of a rule, named as its HCL
// attribute.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// PromQL returns the rule's condition as a PromQL expression: the
// aggregated value compared with the threshold. It is empty when the
// rule is invalid.
func (r *Rule) PromQL() string {
	e, err := r.compile()
	if err != nil {
		return ""
	}
	return r.Compare.promql(e.promql())
}

// ValuePromQL returns the PromQL expression of the rule's aggregated
// value, without the comparison; empty when the rule is invalid.
func (r *Rule) ValuePromQL() string {
	e, err := r.compile()
	if err != nil {
		return ""
	}
	return e.promql()
}

// Metrics returns the OpenTelemetry names of the metrics the rule reads.
func (r *Rule) Metrics() []string {
	var out []string
	if r.Signal != "" {
		if sig, ok := signalByName(r.Signal); ok {
			out = append(out, sig.metrics...)
		}
	} else {
		for _, m := range []string{r.Metric, r.Denominator} {
			if in, err := lookupMetric("metric", m); err == nil && !slices.Contains(out, in.Name) {
				out = append(out, in.Name)
			}
		}
	}
	return out
}

// compile checks the rule and builds its expression.
func (r *Rule) compile() (expr, error) {
	var errs []error
	if r.Name == "" {
		errs = append(errs, fieldErr("name", "a rule needs a name"))
	}
	switch r.Severity {
	case Critical, Warning, Info:
	default:
		errs = append(errs, fieldErr("severity", "%q is not a severity; use %s",
			r.Severity, strings.Join(Severities, ", ")))
	}
	switch {
	case r.Window <= 0:
		errs = append(errs, fieldErr("window", "must be longer than 0"))
	case r.Window > MaxWindow:
		errs = append(errs, fieldErr("window", "is %s; it must be at most %s", r.Window, PromDuration(MaxWindow)))
	}
	if r.For < 0 {
		errs = append(errs, fieldErr("for", "must not be negative"))
	}
	switch r.Compare.Op {
	case Above, Below:
		if !finite(r.Compare.Threshold) {
			errs = append(errs, fieldErr(r.Compare.Op, "must be a finite number"))
		}
	case Outside:
		if !finite(r.Compare.Low) || !finite(r.Compare.High) || r.Compare.Low > r.Compare.High {
			errs = append(errs, fieldErr(Outside, "must be [low, high] with low <= high"))
		}
	default:
		errs = append(errs, fieldErr("above", "a rule needs one of above, below or outside"))
	}
	for _, h := range r.Hooks {
		if err := h.Check(); err != nil {
			errs = append(errs, err)
		}
	}

	var e expr
	var err error
	switch {
	case r.Metric != "" && r.Signal != "":
		err = fieldErr("signal", "set either metric or signal, not both")
	case r.Signal != "":
		e, err = r.compileSignal()
	case r.Metric != "":
		e, err = r.compileMetric()
	default:
		err = fieldErr("metric", "a rule needs a metric or a signal")
	}
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// compileMetric builds the expression of a rule on a table metric. It
// reports every problem it finds, not only the first: an unknown metric
// hides only what depends on the metric (its labels and its kind).
func (r *Rule) compileMetric() (expr, error) {
	var errs []error
	agg := r.aggregate()
	q, isQuantile, qerr := parseQuantile(agg)
	switch {
	case qerr != nil:
		errs = append(errs, qerr)
	case !isQuantile && !slices.Contains(Aggregations, agg):
		errs = append(errs, fieldErr("aggregate", "%q is not an aggregation; use one of %s, or a quantile "+
			"such as p95", agg, strings.Join(Aggregations, ", ")))
	}
	if r.Denominator != "" && agg != AggRatio {
		errs = append(errs, fieldErr("denominator", "applies to aggregate = %q only", AggRatio))
	}
	in, err := lookupMetric("metric", r.Metric)
	if err != nil {
		return nil, errors.Join(append([]error{err}, errs...)...)
	}
	sel, err := newSelector(in, r.Labels)
	if err != nil {
		errs = append(errs, err)
	}
	by, err := newGrouping(in, r.By)
	if err != nil {
		errs = append(errs, err)
	}
	if qerr != nil || !isQuantile && !slices.Contains(Aggregations, agg) {
		return nil, errors.Join(errs...)
	}
	e, err := r.metricExpr(in, sel, by, agg, q, isQuantile)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// metricExpr builds the expression of aggregation agg (quantile q when
// isQuantile) of the metric in, checking that they fit each other.
func (r *Rule) metricExpr(in telemetry.Instrument, sel selector, by grouping, agg string, q float64,
	isQuantile bool) (expr, error) {
	hist := in.Kind == telemetry.Histogram
	counter := in.Kind == telemetry.Counter
	wrongKind := func(what string) error {
		return fieldErr("aggregate", "%q applies to %s, and %s is a %s", agg, what, in.Name, in.Kind)
	}
	if isQuantile {
		if !hist {
			return nil, wrongKind("histograms")
		}
		return quantileOf{q: q, sel: sel, by: by, length: r.Window}, nil
	}
	inst := instant{sel: sel, by: by, length: r.Window, max: reduceWithMax(in)}
	switch agg {
	case AggValue:
		if hist {
			return nil, wrongKind("counters and gauges; use a quantile, max or avg for a histogram")
		}
		return inst, nil
	case AggMax:
		if hist {
			return quantileOf{q: 1, sel: sel, by: by, length: r.Window}, nil
		}
		return overTime{fn: agg, inner: inst, length: r.Window}, nil
	case AggMin:
		if hist {
			return nil, wrongKind("counters and gauges (a histogram's buckets do not tell its " +
				"minimum; use a low quantile such as p1)")
		}
		return overTime{fn: agg, inner: inst, length: r.Window}, nil
	case AggAvg:
		if hist {
			return histMean{sel: sel, by: by, length: r.Window}, nil
		}
		return overTime{fn: agg, inner: inst, length: r.Window}, nil
	case AggRate, AggIncrease:
		if !counter {
			return nil, wrongKind("counters")
		}
		return increase{sel: sel, by: by, length: r.Window, perSecond: agg == AggRate}, nil
	}

	// AggRatio.
	if !counter {
		return nil, wrongKind("counters")
	}
	den := increase{sel: selector{in: in}, by: by, length: r.Window}
	if r.Denominator != "" {
		din, err := lookupMetric("denominator", r.Denominator)
		if err != nil {
			return nil, err
		}
		if din.Kind != telemetry.Counter {
			return nil, fieldErr("denominator", "%s is a %s; a ratio divides by a counter", din.Name, din.Kind)
		}
		dby, err := newGrouping(din, by.keys)
		if err != nil {
			return nil, fieldErr("denominator", "%s lacks a label the rule groups by: %v", din.Name, err)
		}
		den = increase{sel: selector{in: din}, by: dby, length: r.Window}
	}
	num := increase{sel: sel, by: by, length: r.Window}
	return ratio{num: num, den: den}, nil
}

// reduceWithMax reports whether the series of a group of metric in are
// reduced with max rather than added: a gauge of the machine (every
// process on a host reports the same value) or a ratio cannot be summed.
func reduceWithMax(in telemetry.Instrument) bool {
	if in.Kind == telemetry.Counter || in.Kind == telemetry.Histogram {
		return false
	}
	return in.Unit == "1" || strings.HasPrefix(in.Name, "system.") ||
		strings.HasPrefix(in.Name, "streampipe.disk.")
}

// parseQuantile reads "p95" as 0.95. ok is false when s is not a
// quantile; err is set when it looks like one but is out of range.
func parseQuantile(s string) (q float64, ok bool, err error) {
	rest, found := strings.CutPrefix(s, "p")
	if !found || rest == "" {
		return 0, false, nil
	}
	v, perr := strconv.ParseFloat(rest, 64)
	if perr != nil || strings.ContainsAny(rest, "eEpPxX_") || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false, nil
	}
	if v <= 0 || v > 100 {
		return 0, false, fieldErr("aggregate", "quantile %q must be above p0 and at most p100", s)
	}
	// Shift the decimal point in the text rather than divide, so that
	// p99.9 is exactly 0.999 (99.9/100 is 0.9990000000000001).
	q, _ = strconv.ParseFloat(rest+"e-2", 64)
	return q, true, nil
}

// lookupMetric finds a metric of the telemetry table by its OpenTelemetry
// name, accepting its Prometheus name too.
func lookupMetric(field, name string) (telemetry.Instrument, error) {
	if in, ok := telemetry.Lookup(name); ok {
		return in, nil
	}
	var names []string
	for _, in := range telemetry.Instruments() {
		if in.PrometheusName() == name {
			return in, nil
		}
		names = append(names, in.Name)
	}
	hint := ""
	if s := suggest.Closest(name, names); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	return telemetry.Instrument{}, fieldErr(field,
		"%q is not a streampipe metric (docs/metrics.md lists them)%s", name, hint)
}

// labelKey returns the instrument's label key named key, in its
// OpenTelemetry or Prometheus form.
func labelKey(in telemetry.Instrument, key string) (string, bool) {
	prom := in.PrometheusLabels()
	for i, l := range in.Labels {
		if l == key || prom[i] == key {
			return l, true
		}
	}
	return "", false
}

func newSelector(in telemetry.Instrument, labels map[string][]string) (selector, error) {
	sel := selector{in: in}
	if len(labels) == 0 {
		return sel, nil
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var alt []matcher
	var errs []error
	for _, k := range keys {
		key, ok := labelKey(in, k)
		switch {
		case !ok:
			errs = append(errs, fieldErr("labels", "%s has no label %q; its labels are %s%s",
				in.Name, k, listOrNone(in.Labels), labelHint(k, in.Labels)))
		case len(labels[k]) == 0:
			errs = append(errs, fieldErr("labels", "label %q needs at least one value", k))
		default:
			alt = append(alt, matcher{key: key, values: labels[k]})
		}
	}
	sel.alts = [][]matcher{alt}
	return sel, errors.Join(errs...)
}

// defaultGroupBy are the labels a rule groups by when it does not say.
var defaultGroupBy = []string{telemetry.LabelPipeline, telemetry.LabelStage, telemetry.LabelTier,
	telemetry.LabelPath}

func newGrouping(in telemetry.Instrument, by []string) (grouping, error) {
	var g grouping
	if by == nil {
		for _, l := range defaultGroupBy {
			if slices.Contains(in.Labels, l) {
				g.keys = append(g.keys, l)
			}
		}
	} else {
		var errs []error
		for _, b := range by {
			key, ok := labelKey(in, b)
			if !ok {
				errs = append(errs, fieldErr("by", "%s has no label %q; its labels are %s%s",
					in.Name, b, listOrNone(in.Labels), labelHint(b, in.Labels)))
				continue
			}
			if !slices.Contains(g.keys, key) {
				g.keys = append(g.keys, key)
			}
		}
		if len(errs) > 0 {
			return g, errors.Join(errs...)
		}
	}
	for _, k := range g.keys {
		g.prom = append(g.prom, promLabel(in, k))
	}
	return g, nil
}

// labelHint is "; did you mean "x"?" for the label closest to key, or "".
func labelHint(key string, labels []string) string {
	if s := suggest.Closest(key, labels); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// UsesWindow reports whether the rule's value depends on its window (every
// aggregation but the current value does).
func (r *Rule) UsesWindow() bool { return r.aggregate() != AggValue }

// EffectiveAggregate returns the rule's aggregation, its default filled
// in: AggValue for a metric, the signal's own for a signal.
func (r *Rule) EffectiveAggregate() string { return r.aggregate() }

// PromDuration renders d as a Prometheus duration in one unit ("5m",
// "90s", "150ms").
func PromDuration(d time.Duration) string { return promRange(d) }
