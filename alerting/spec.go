package alerting

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// The HCL of alerts is described as data, like a stage's settings: the
// loader decodes `alert "NAME"` blocks with RuleSpec, their `hook "KIND"`
// blocks with HookSpec, and the `alerts` block with AlertsSpec, and the
// configuration reference is generated from the same specs.

// RuleSpec describes the attributes of an `alert "NAME"` block. Its
// `hook "KIND"` blocks are described by HookSpec.
var RuleSpec = pipeline.Spec{Attrs: []pipeline.Attr{
	{Name: "metric", Type: pipeline.TypeString,
		Doc: "The metric to watch, by its OpenTelemetry name (or its Prometheus name) from " +
			"docs/metrics.md, such as \"streampipe.websocket.frame.latency\". Set metric or signal."},
	{Name: "signal", Type: pipeline.TypeString, OneOf: SignalNames(),
		Doc: "A named signal computed from several metrics instead of one metric (see docs/alerts.md)."},
	{Name: "labels", Type: pipeline.TypeAny,
		Doc: "Selects the metric's series: a map from label to a value or a list of values, such as " +
			"{ tier = \"high\" } or { reason = [\"slow_client\", \"write_timeout\"] }."},
	{Name: "by", Type: pipeline.TypeStringList,
		Doc: "Labels whose values make separate alert instances. Default: the metric's pipeline, " +
			"stage, tier and path labels, those it has; [] watches all series as one."},
	{Name: "aggregate", Type: pipeline.TypeString,
		Doc: "How series become one value: value (the current sum; default), max, min or avg over " +
			"the window, rate or increase of a counter, ratio of counters, or a quantile of a histogram " +
			"such as p95 or p99.9."},
	{Name: "denominator", Type: pipeline.TypeString,
		Doc: "For aggregate = \"ratio\": the counter to divide by. Default: the metric itself without " +
			"the labels matchers, so the ratio is the matching share."},
	{Name: "above", Type: pipeline.TypeAny,
		Doc: "Fires when the value is above this: a number in the metric's unit, a duration such as " +
			"\"100ms\" for metrics in seconds, or a percentage such as \"85%\" for ratios."},
	{Name: "below", Type: pipeline.TypeAny, Doc: "Fires when the value is below this; written like above."},
	{Name: "outside", Type: pipeline.TypeAny,
		Doc: "Fires when the value is outside [low, high], bounds included in the allowed range; each " +
			"bound written like above. Set exactly one of above, below and outside."},
	{Name: "window", Type: pipeline.TypeDuration, Default: 5 * time.Minute, Range: "(0,86400]",
		Doc: "How far back rates, increases, ratios, quantiles and max, min and avg look; at most 24h. " +
			"Beyond the last 128 evaluations, a window is sampled more coarsely (see docs/alerts.md)."},
	{Name: "for", Type: pipeline.TypeDuration, Default: time.Duration(0), Range: "[0,]",
		Doc: "How long the condition must hold before the alert fires; while it holds for less, " +
			"the alert is pending. 0 fires at the first evaluation that meets the condition."},
	{Name: "severity", Type: pipeline.TypeString, Default: string(Warning), OneOf: Severities,
		Doc: "How urgent the alert is; sent in notifications and a label of the Prometheus rule."},
	{Name: "summary", Type: pipeline.TypeString,
		Doc: "A sentence for people, sent in notifications and as the Prometheus rule's summary."},
}}

// AlertsSpec describes the `alerts` block, which configures the engine
// and the default rule set.
var AlertsSpec = pipeline.Spec{Attrs: []pipeline.Attr{
	{Name: "defaults", Type: pipeline.TypeBool,
		Doc: "Includes the default rule set. Default: true when the file declares no alert block, " +
			"false when it declares some."},
	{Name: "interval", Type: pipeline.TypeDuration, Default: DefaultInterval, Range: "[0.01,]",
		Doc: "How often every rule is evaluated. A rule's window should span several intervals."},
}}

// hookSpecs describes the block of each hook kind.
var hookSpecs = map[string]pipeline.Spec{
	HookLog: {},
	HookWebhook: {Attrs: []pipeline.Attr{
		{Name: "url", Type: pipeline.TypeString, Required: true,
			Doc: "Where the notification JSON is POSTed (http:// or https://)."},
		{Name: "timeout", Type: pipeline.TypeDuration, Default: DefaultWebhookTimeout, Range: "(0,]",
			Doc: "Bounds one attempt."},
		{Name: "retries", Type: pipeline.TypeInt, Default: DefaultWebhookRetries, Range: "[0,20]",
			Doc: "Attempts repeated after a network error, a timeout, or a 408, 429 or 5xx answer."},
		{Name: "backoff", Type: pipeline.TypeDuration, Default: DefaultWebhookBackoff, Range: "(0,]",
			Doc: "Delay before the first repeat; it doubles after each one, up to 30s."},
		{Name: "headers", Type: pipeline.TypeAny,
			Doc: "A map of header names to strings sent with every request, such as an authorization token."},
	}},
	HookExec: {Attrs: []pipeline.Attr{
		{Name: "command", Type: pipeline.TypeStringList, Required: true,
			Doc: "The program and its arguments, run without a shell; the notification JSON is its " +
				"standard input. A program path with a slash is relative to the configuration file's " +
				"directory, which is also its working directory."},
		{Name: "timeout", Type: pipeline.TypeDuration, Default: DefaultExecTimeout, Range: "(0,]",
			Doc: "The command is killed when it runs longer; that counts as a failure."},
	}},
}

// HookSpec returns the spec of a hook kind's block.
func HookSpec(kind string) (pipeline.Spec, bool) {
	s, ok := hookSpecs[kind]
	return s, ok
}

// HookFromConfig builds a hook of kind from its decoded block. dir is the
// configuration file's directory, against which an exec hook's program
// and working directory resolve. Errors are *pipeline.ConfigError.
func HookFromConfig(kind string, c *pipeline.Config, dir string) (*HookConfig, error) {
	h := &HookConfig{Kind: kind}
	switch kind {
	case HookWebhook:
		h.URL = c.String("url")
		h.Timeout = c.Duration("timeout")
		h.Retries = c.Int("retries")
		h.Backoff = c.Duration("backoff")
		headers, err := stringMap(c.Value("headers"))
		if err != nil {
			return nil, c.Errorf("headers", "Invalid webhook headers", "%v.", err)
		}
		h.Headers = headers
	case HookExec:
		h.Command = slices.Clone(c.Strings("command"))
		h.Timeout = c.Duration("timeout")
		if len(h.Command) > 0 && strings.Contains(h.Command[0], "/") && !filepath.IsAbs(h.Command[0]) {
			h.Command[0] = filepath.Join(dir, h.Command[0])
		}
		h.Dir = dir
	}
	h.Source = c
	var errs []error
	for _, e := range leafErrors(h.Check()) {
		var fe *FieldError
		if errors.As(e, &fe) {
			errs = append(errs, c.Errorf(attrOf(c, fe.Field), "Invalid alert hook", "%s", sentence(fe.Reason)))
		} else {
			errs = append(errs, c.Errorf("", "Invalid alert hook", "%v.", e))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return h, nil
}

// attrOf returns field when c's spec has an attribute of that name, or ""
// (the block itself) when it does not.
func attrOf(c *pipeline.Config, field string) string {
	if _, ok := c.Spec.Attr(field); ok {
		return field
	}
	return ""
}

// RuleFromConfig builds the rule of an `alert "NAME"` block from its
// decoded attributes and its hooks (nil: the default log hook). Every
// problem is a *pipeline.ConfigError at its attribute, all of them
// joined: one mistake does not hide another.
func RuleFromConfig(c *pipeline.Config, hooks []*HookConfig) (Rule, error) {
	r := Rule{
		Name:        c.Label(0),
		Metric:      c.String("metric"),
		Signal:      c.String("signal"),
		Aggregate:   c.String("aggregate"),
		Denominator: c.String("denominator"),
		Window:      c.Duration("window"),
		For:         c.Duration("for"),
		Severity:    Severity(c.String("severity")),
		Summary:     c.String("summary"),
		Hooks:       hooks,
	}
	if c.IsSet("by") {
		r.By = append([]string{}, c.Strings("by")...)
	}
	// reported holds the fields already reported here, whose errors the
	// rule's own Check would repeat less precisely.
	var errs []error
	reported := map[string]bool{}
	labels, err := labelValues(c.Value("labels"))
	if err != nil {
		errs = append(errs, c.Errorf("labels", "Invalid label matchers", "%v.", err))
		reported["labels"] = true
	}
	r.Labels = labels

	// A metric that does not exist hides the threshold's unit, so the
	// threshold is not read; everything else is still checked.
	if r.Metric != "" {
		if _, err := lookupMetric("metric", r.Metric); err != nil {
			var fe *FieldError
			errors.As(err, &fe)
			errs = append(errs, c.Errorf("metric", "Unknown metric", "%s", sentence(fe.Reason)))
			reported["metric"] = true
		}
	}

	// The threshold, in the unit of the value it is compared with.
	var ops []string
	for _, op := range []string{Above, Below, Outside} {
		if c.IsSet(op) {
			ops = append(ops, op)
		}
	}
	unit := r.Unit()
	switch {
	case len(ops) == 0:
		errs = append(errs, c.Errorf("", "Missing alert threshold",
			"An alert needs one of above, below or outside, such as above = %s.", exampleThreshold(unit)))
		reported[Above] = true
	case len(ops) > 1:
		errs = append(errs, c.Errorf(ops[1], "Conflicting alert thresholds",
			"Set only one of above, below and outside; this alert sets %s.", strings.Join(ops, " and ")))
		reported[ops[0]], reported[ops[1]] = true, true
	case reported["metric"]:
		r.Compare.Op = ops[0]
		reported[ops[0]] = true
	default:
		r.Compare.Op = ops[0]
		if err := r.parseCompare(c.Value(ops[0]), unit); err != nil {
			errs = append(errs, c.Errorf(ops[0], "Invalid alert threshold", "%v.", err))
			reported[ops[0]] = true
		}
	}

	// What only the compiled rule can tell (an aggregation that does not
	// fit the metric, a label it lacks), each at its attribute. Hooks
	// were checked at their own blocks; a threshold reported above is
	// replaced by a valid one, so that it is not reported twice.
	check := r
	check.Hooks = nil
	if reported["labels"] {
		check.Labels = nil
	}
	if reported[Above] || reported[Below] || reported[Outside] {
		check.Compare = Comparison{Op: Above}
	}
	for _, e := range leafErrors(check.Check()) {
		var fe *FieldError
		if !errors.As(e, &fe) {
			errs = append(errs, c.Errorf("", "Invalid alert rule", "%v.", e))
			continue
		}
		if !reported[fe.Field] {
			errs = append(errs, c.Errorf(attrOf(c, fe.Field), "Invalid alert rule", "%s", sentence(fe.Reason)))
		}
	}
	return r, errors.Join(errs...)
}

func leafErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

func (r *Rule) parseCompare(v any, unit string) error {
	if r.Compare.Op != Outside {
		t, err := ParseThreshold(v, unit)
		r.Compare.Threshold = t
		return err
	}
	list, ok := v.([]any)
	if !ok || len(list) != 2 {
		return fmt.Errorf("outside takes a list of two bounds, such as [1, 5]")
	}
	lo, err := ParseThreshold(list[0], unit)
	if err != nil {
		return err
	}
	hi, err := ParseThreshold(list[1], unit)
	if err != nil {
		return err
	}
	if lo > hi {
		return fmt.Errorf("the low bound %v is above the high bound %v", list[0], list[1])
	}
	r.Compare.Low, r.Compare.High = lo, hi
	return nil
}

// ParseThreshold reads a threshold written in HCL: a number in unit, a
// duration when unit is seconds ("100ms"), or a percentage when unit is
// a ratio ("85%", read as 0.85).
func ParseThreshold(v any, unit string) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case string:
		s := strings.TrimSpace(x)
		if p, ok := strings.CutSuffix(s, "%"); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return 0, fmt.Errorf("%q is not a percentage", x)
			}
			if unit != "1" {
				return 0, fmt.Errorf("a percentage such as %q applies to ratios; this value is in %s",
					x, unitName(unit))
			}
			return f / 100, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, nil
		}
		if d, err := time.ParseDuration(s); err == nil {
			if unit != "s" {
				return 0, fmt.Errorf("a duration such as %q applies to values in seconds; this value is in %s",
					x, unitName(unit))
			}
			return d.Seconds(), nil
		}
		return 0, fmt.Errorf("%q is not a number, duration or percentage", x)
	}
	return 0, fmt.Errorf("a threshold is a number or a string such as \"100ms\" or \"85%%\", not %T", v)
}

func unitName(unit string) string {
	if unit == "" {
		return "no unit"
	}
	return "unit " + unit
}

func exampleThreshold(unit string) string {
	switch unit {
	case "s":
		return `"100ms"`
	case "1":
		return `"10%"`
	}
	return "10"
}

// labelValues reads the labels attribute: a map of strings or lists of
// strings.
func labelValues(v any) (map[string][]string, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("labels must be a map, such as { tier = \"high\" }")
	}
	out := make(map[string][]string, len(m))
	for k, x := range m {
		switch y := x.(type) {
		case string:
			out[k] = []string{y}
		case float64:
			out[k] = []string{strconv.FormatFloat(y, 'f', -1, 64)}
		case []any:
			for _, e := range y {
				switch z := e.(type) {
				case string:
					out[k] = append(out[k], z)
				case float64:
					out[k] = append(out[k], strconv.FormatFloat(z, 'f', -1, 64))
				default:
					return nil, fmt.Errorf("label %q: list values must be strings", k)
				}
			}
			if len(out[k]) == 0 {
				return nil, fmt.Errorf("label %q: the list of values is empty", k)
			}
		default:
			return nil, fmt.Errorf("label %q: want a string or a list of strings", k)
		}
	}
	return out, nil
}

// stringMap reads a map of strings.
func stringMap(v any) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("headers must be a map of strings, such as { authorization = \"Bearer ...\" }")
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("header %q is not a string", k)
		}
		out[k] = s
	}
	return out, nil
}

// sentence ends s with a full stop, unless it ends with a question
// mark already (a "did you mean" hint).
func sentence(s string) string {
	if strings.HasSuffix(s, "?") || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
