package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/streampipe/streampipe/telemetry"
)

// Source is where the engine reads metrics: cumulative OpenTelemetry data
// of the telemetry table's metrics. telemetry.Telemetry implements it.
type Source interface {
	Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error
}

// Config is the rule set an engine evaluates.
type Config struct {
	// Rules are evaluated in order, every Interval (DefaultInterval when
	// 0, which is what a file that does not set the interval gives).
	Rules    []Rule
	Interval time.Duration
}

// Options tune an engine.
type Options struct {
	// Logger receives transitions, the log hook's notifications and hook
	// failures. Nil discards them.
	Logger *slog.Logger
	// Meter creates streampipe.alert.transitions and
	// streampipe.alert.notifications (telemetry.Telemetry.Meter). Nil
	// counts nothing.
	Meter metric.Meter
	// Now is the clock; nil means time.Now. Tests inject their own.
	Now func() time.Time
	// Manual leaves evaluation to the caller: Start runs the hooks but no
	// evaluation loop, and the caller calls Evaluate (tests).
	Manual bool
}

// Engine evaluates a rule set on a fixed interval and notifies hooks. Its
// life: New, Start, then Stop once; Evaluate and AlertStates may be called
// at any time in between. It is safe for concurrent use.
type Engine struct {
	src      Source
	interval time.Duration
	log      *slog.Logger
	now      func() time.Time
	manual   bool
	want     map[string]bool

	transitions   metric.Int64Counter
	notifications metric.Int64Counter

	hooks []*hookRunner

	mu    sync.Mutex
	rules []*ruleState
	ring  ring

	stopLoop context.CancelFunc
	loopDone chan struct{}
	// hookCtx aborts deliveries in progress when Stop's bound expires.
	hookCtx    context.Context
	hookCancel context.CancelFunc
	hooksDone  sync.WaitGroup
	started    bool
	stopped    bool
}

// ruleState is a compiled rule and its instances, by group.
type ruleState struct {
	rule      Rule
	e         expr
	promql    string
	unit      string
	hooks     []*hookRunner
	instances map[string]*instance
}

// New compiles the rules and builds their hooks. An invalid rule is an
// error naming it; nothing runs until Start.
func New(src Source, cfg Config, opts Options) (*Engine, error) {
	if src == nil {
		return nil, errors.New("alerting: no metric source")
	}
	e := &Engine{
		src:      src,
		interval: cfg.Interval,
		log:      opts.Logger,
		now:      opts.Now,
		manual:   opts.Manual,
		want:     map[string]bool{},
	}
	if e.interval <= 0 {
		e.interval = DefaultInterval
	}
	// Windowed values need two snapshots about an interval apart; half
	// an interval leaves room for the loop's scheduling jitter.
	e.ring.minSpan = e.interval / 2
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.hookCtx, e.hookCancel = context.WithCancel(context.Background())
	if err := e.counters(opts.Meter); err != nil {
		return nil, err
	}

	// Compile every rule; hooks shared by several rules (the alerts
	// block's, for the defaults) are built once.
	byConfig := map[*HookConfig]*hookRunner{}
	failed := map[*HookConfig]bool{}
	var defaultLog *hookRunner
	var errs []error
	names := map[string]bool{}
	for _, r := range cfg.Rules {
		x, err := r.compile()
		if err != nil {
			errs = append(errs, fmt.Errorf("alert %q: %w", r.Name, err))
			continue
		}
		if names[r.Name] {
			errs = append(errs, fmt.Errorf("alert %q: declared twice", r.Name))
			continue
		}
		names[r.Name] = true
		rs := &ruleState{rule: r, e: x, promql: r.Compare.promql(x.promql()), unit: r.Unit(),
			instances: map[string]*instance{}}
		for _, h := range r.Hooks {
			if failed[h] {
				continue // reported with the first rule that has it
			}
			hr, ok := byConfig[h]
			if !ok {
				d, err := newDeliverer(*h, e.log)
				if err != nil {
					errs = append(errs, fmt.Errorf("alert %q: %w", r.Name, err))
					failed[h] = true
					continue
				}
				hr = e.newRunner(h.Kind, d)
				byConfig[h] = hr
			}
			rs.hooks = append(rs.hooks, hr)
		}
		if r.Hooks == nil {
			if defaultLog == nil {
				defaultLog = e.newRunner(HookLog, &logHook{log: e.log})
			}
			rs.hooks = append(rs.hooks, defaultLog)
		}
		for _, m := range r.Metrics() {
			e.want[m] = true
		}
		// Only windowed rules need past snapshots: a rule on the
		// current value keeps none, whatever its (unused) window.
		if r.UsesWindow() {
			e.ring.span = max(e.ring.span, r.Window)
		}
		e.rules = append(e.rules, rs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

func (e *Engine) newRunner(kind string, d deliverer) *hookRunner {
	hr := &hookRunner{kind: kind, d: d, queue: make(chan Notification, hookQueue), log: e.log,
		count: e.countNotification}
	e.hooks = append(e.hooks, hr)
	return hr
}

// counters creates the engine's instruments from the telemetry table.
func (e *Engine) counters(m metric.Meter) error {
	if m == nil {
		return nil
	}
	for _, c := range []struct {
		name string
		dst  *metric.Int64Counter
	}{{telemetry.AlertTransitions, &e.transitions}, {telemetry.AlertNotifications, &e.notifications}} {
		in, ok := telemetry.Lookup(c.name)
		if !ok {
			return fmt.Errorf("alerting: metric %s is not in the telemetry table", c.name)
		}
		ctr, err := m.Int64Counter(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
		if err != nil {
			return fmt.Errorf("alerting: %s: %w", c.name, err)
		}
		*c.dst = ctr
	}
	return nil
}

func (e *Engine) countNotification(alert, kind, result string) {
	if e.notifications != nil {
		e.notifications.Add(context.Background(), 1, metric.WithAttributes(
			attribute.String(LabelAlert, alert), attribute.String(LabelHook, kind),
			attribute.String(LabelResult, result)))
	}
}

// Label keys of the engine's metrics.
const (
	LabelAlert    = "alert"
	LabelSeverity = "severity"
	LabelHook     = "hook"
	LabelResult   = "result"
)

// Interval returns the evaluation interval.
func (e *Engine) Interval() time.Duration { return e.interval }

// Start starts the hooks and, unless Options.Manual, the evaluation loop,
// which evaluates at once and then every interval until ctx ends or Stop
// is called. Cancel ctx when the process begins to stop (its pipelines
// to drain): what happens while they drain, such as queues emptying, is
// not evaluated, so no alert resolves or fires because of the stop. The
// hooks go on delivering until Stop.
func (e *Engine) Start(ctx context.Context) {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return
	}
	e.started = true
	e.mu.Unlock()

	for _, h := range e.hooks {
		e.hooksDone.Add(1)
		go func() {
			defer e.hooksDone.Done()
			h.run(e.hookCtx)
		}()
	}
	if e.manual {
		return
	}
	loopCtx, stop := context.WithCancel(ctx)
	e.stopLoop = stop
	e.loopDone = make(chan struct{})
	go e.loop(loopCtx)
}

func (e *Engine) loop(ctx context.Context) {
	defer close(e.loopDone)
	tick := time.NewTicker(e.interval)
	defer tick.Stop()
	for {
		_ = e.Evaluate(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Stop stops the evaluation loop and lets the hooks deliver what they
// hold until ctx ends; then deliveries in progress are abandoned and the
// rest dropped (and counted). Alerts still firing are not resolved: the
// process stopping does not mean the fault went away. Calls after the
// first do nothing.
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return nil
	}
	e.stopped = true
	e.mu.Unlock()
	if e.stopLoop != nil {
		e.stopLoop()
		<-e.loopDone
	}
	for _, h := range e.hooks {
		h.close()
	}
	done := make(chan struct{})
	go func() { e.hooksDone.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("alerting: stop: hooks still delivering: %w", ctx.Err())
	}
	e.hookCancel()
	<-done
	return err
}

// Evaluate collects the metrics once and evaluates every rule, moving
// their instances and queueing notifications for the hooks. It returns
// the collection error, if any, after logging it. When ctx ends during
// the collection, nothing is evaluated or logged, and ctx's error is
// returned.
func (e *Engine) Evaluate(ctx context.Context) error {
	var rm metricdata.ResourceMetrics
	err := e.src.Collect(ctx, &rm)
	if ctx.Err() != nil {
		// Stopping: the metrics may describe the drain already.
		return fmt.Errorf("alerting: evaluate: %w", ctx.Err())
	}
	if err != nil {
		e.log.Warn(EventEvaluationFailed, "error", err)
		return fmt.Errorf("alerting: collect: %w", err)
	}
	now := e.now()
	snap, origin := newSnapshot(now, &rm, e.want)

	e.mu.Lock()
	defer e.mu.Unlock()
	e.ring.add(snap, origin)
	for _, rs := range e.rules {
		w, ok := e.ring.window(rs.rule.Window)
		if !ok {
			continue
		}
		// A windowed value needs two samples; until then there is no
		// data, which meets no condition (not even below).
		var res result
		if w.ready || !rs.rule.UsesWindow() {
			res = rs.e.eval(w)
		}
		seen := map[string]bool{}
		for k, s := range res {
			if !finite(s.value) {
				continue
			}
			seen[k] = true
			in := rs.instances[k]
			if in == nil {
				in = &instance{labels: s.labels, since: now}
				rs.instances[k] = in
			}
			holds, threshold := rs.rule.Compare.Holds(s.value)
			in.value, in.threshold, in.hasValue = s.value, threshold, true
			e.step(rs, in, holds, now)
		}
		// Groups without data no longer meet the condition.
		for k, in := range rs.instances {
			if seen[k] {
				continue
			}
			e.step(rs, in, false, now)
			if in.state == StateInactive {
				delete(rs.instances, k)
			}
		}
	}
	return nil
}

// step moves one instance, and logs, counts and notifies what it did.
func (e *Engine) step(rs *ruleState, in *instance, holds bool, now time.Time) {
	from, moved := in.step(holds, now, rs.rule.For)
	if !moved {
		return
	}
	r := &rs.rule
	if e.transitions != nil {
		e.transitions.Add(context.Background(), 1, metric.WithAttributes(
			attribute.String(LabelAlert, r.Name), attribute.String(LabelSeverity, string(r.Severity)),
			attribute.String(telemetry.LabelFrom, from.String()),
			attribute.String(telemetry.LabelTo, in.state.String())))
	}
	level := slog.LevelInfo
	switch {
	case in.state == StateFiring:
		level = slog.LevelWarn
	case in.state == StateInactive:
		level = slog.LevelDebug
	}
	attrs := []any{"alert", r.Name, "severity", string(r.Severity), "from", from.String(),
		"to", in.state.String(), "value", in.value, "threshold", in.threshold, labelsGroup(in.labels)}
	for _, k := range []string{telemetry.LabelPipeline, telemetry.LabelStage} {
		if v, ok := in.labels[k]; ok {
			attrs = append(attrs, k, v)
		}
	}
	e.log.Log(context.Background(), level, EventStateChanged, attrs...)

	// TODO: repeat the firing notification of a long-lasting alert (as
	// Alertmanager's repeat_interval does); hooks now hear of it once.
	if in.state != StateFiring && in.state != StateResolved {
		return
	}
	n := e.notification(rs, in, now)
	for _, h := range rs.hooks {
		h.enqueue(n.clone())
	}
}

func (e *Engine) notification(rs *ruleState, in *instance, now time.Time) Notification {
	r := &rs.rule
	n := Notification{
		Version:    PayloadVersion,
		Alert:      r.Name,
		Severity:   string(r.Severity),
		State:      in.state.String(),
		Value:      in.value,
		Threshold:  in.threshold,
		Comparison: r.Compare.Op,
		Unit:       rs.unit,
		Labels:     maps.Clone(in.labels),
		Summary:    r.Summary,
		Expr:       rs.promql,
		Started:    in.fired,
		Time:       now,
	}
	if r.Compare.Op == Outside {
		n.Bounds = []float64{r.Compare.Low, r.Compare.High}
	}
	if in.state == StateResolved {
		t := in.resolved
		n.Resolved = &t
	}
	return n
}

// AlertStates implements telemetry.AlertProvider: every instance of every
// rule, and one inactive entry for a rule without any.
func (e *Engine) AlertStates() []telemetry.AlertState {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []telemetry.AlertState{}
	for _, rs := range e.rules {
		r := &rs.rule
		if len(rs.instances) == 0 {
			out = append(out, telemetry.AlertState{Name: r.Name, Severity: string(r.Severity),
				State: StateInactive.String(), Threshold: r.Compare.threshold()})
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(rs.instances)) {
			in := rs.instances[k]
			out = append(out, telemetry.AlertState{Name: r.Name, Severity: string(r.Severity),
				State: in.state.String(), Value: in.value, Threshold: in.threshold,
				Labels: maps.Clone(in.labels), Since: in.since})
		}
	}
	return out
}

// Rules returns the engine's rules, in order.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, len(e.rules))
	for i, rs := range e.rules {
		out[i] = rs.rule
	}
	return out
}

// threshold is the comparison's headline bound: Threshold, or High for
// Outside.
func (c Comparison) threshold() float64 {
	if c.Op == Outside {
		return c.High
	}
	return c.Threshold
}

// Interface guards.
var _ telemetry.AlertProvider = (*Engine)(nil)
