package alerting

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streampipe/streampipe/telemetry"
)

// An expr computes one value per group of series from a window, and
// renders itself as the PromQL expression that computes the same from a
// Prometheus scrape of the same metrics.
type expr interface {
	eval(w *window) result
	promql() string
}

// sample is one group's value.
type sample struct {
	labels map[string]string
	value  float64
}

// result holds one sample per group, keyed by groupKey.
type result map[string]sample

// matcher selects series whose label key has one of values.
type matcher struct {
	key    string
	values []string
}

// selector picks the series of one metric: all of them, or those that
// match every matcher of any one of alts.
type selector struct {
	in   telemetry.Instrument
	alts [][]matcher
}

func (s selector) matches(labels map[string]string) bool {
	if len(s.alts) == 0 {
		return true
	}
	for _, alt := range s.alts {
		ok := true
		for _, m := range alt {
			if !slices.Contains(m.values, labels[m.key]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// vector renders the selector with f wrapped around each alternative
// (such as "increase(%s[5m])"), joined with "or". suffix names a
// histogram's series (_bucket, _sum, _count).
func (s selector) vector(suffix, f string) string {
	name := s.in.PrometheusName() + suffix
	if len(s.alts) == 0 {
		return fmt.Sprintf(f, name)
	}
	parts := make([]string, len(s.alts))
	for i, alt := range s.alts {
		var ms []string
		for _, m := range alt {
			ms = append(ms, promMatcher(promLabel(s.in, m.key), m.values))
		}
		parts[i] = fmt.Sprintf(f, name+"{"+strings.Join(ms, ", ")+"}")
	}
	return strings.Join(parts, " or ")
}

func promMatcher(key string, values []string) string {
	if len(values) == 1 {
		return key + "=" + strconv.Quote(values[0])
	}
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = regexp.QuoteMeta(v)
	}
	return key + "=~" + strconv.Quote(strings.Join(q, "|"))
}

// promLabel returns the Prometheus form of an instrument's label key.
func promLabel(in telemetry.Instrument, key string) string {
	prom := in.PrometheusLabels()
	for i, l := range in.Labels {
		if l == key {
			return prom[i]
		}
	}
	return strings.ReplaceAll(key, ".", "_")
}

// grouping is the set of label keys that make a group, as OpenTelemetry
// keys and as their Prometheus forms.
type grouping struct {
	keys []string
	prom []string
}

func (g grouping) key(labels map[string]string) (string, map[string]string) {
	var b strings.Builder
	out := make(map[string]string, len(g.keys))
	for _, k := range g.keys {
		v := labels[k]
		out[k] = v
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte(0)
	}
	return b.String(), out
}

// TargetLabels are the labels Prometheus gives every series of a scrape
// target. Every aggregation of a rule's PromQL keeps them, so that two
// streampipe processes scraped by one Prometheus are judged apart, as
// the engine in each of them judges its own metrics, and their values
// are never added.
var TargetLabels = []string{"instance", "job"}

// sum renders "sum by (keys, instance, job) (inner)", with extra keys
// appended to the grouping (le, for buckets).
func (g grouping) sum(inner string, extra ...string) string { return g.agg("sum", inner, extra...) }

// agg renders the aggregation fn of inner by the group's keys, the
// target labels and extra.
func (g grouping) agg(fn, inner string, extra ...string) string {
	keys := append(append(append([]string(nil), g.prom...), TargetLabels...), extra...)
	return fn + " by (" + strings.Join(keys, ", ") + ") (" + inner + ")"
}

// promRange renders a duration as PromQL does, in one unit.
func promRange(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return strconv.FormatInt(max(int64(d/time.Millisecond), 1), 10) + "ms"
}

// add puts v into r under labels' group, summing.
func (r result) add(g grouping, labels map[string]string, v float64) {
	k, gl := g.key(labels)
	s, ok := r[k]
	if !ok {
		s = sample{labels: gl}
	}
	s.value += v
	r[k] = s
}

// max puts v into r under labels' group, keeping the largest.
func (r result) max(g grouping, labels map[string]string, v float64) {
	k, gl := g.key(labels)
	if s, ok := r[k]; ok && s.value >= v {
		return
	}
	r[k] = sample{labels: gl, value: v}
}

// ---- Instant values

// instant is the sum per group of the series' values in one snapshot:
// the newest, or the window's base when atBase is set. With max, it is
// their maximum instead (see reduceWithMax).
type instant struct {
	sel    selector
	by     grouping
	atBase bool
	max    bool
	length time.Duration
}

func (e instant) eval(w *window) result {
	s := w.now
	if e.atBase {
		s = w.base
	}
	return e.at(s)
}

func (e instant) at(s *snapshot) result {
	r := result{}
	if s == nil {
		return r
	}
	for _, x := range s.metrics[e.sel.in.Name] {
		if x.hist != nil || !e.sel.matches(x.labels) {
			continue
		}
		if e.max {
			r.max(e.by, x.labels, x.value)
		} else {
			r.add(e.by, x.labels, x.value)
		}
	}
	return r
}

func (e instant) promql() string {
	fn := "sum"
	if e.max {
		fn = "max"
	}
	if e.atBase {
		return e.by.agg(fn, e.sel.vector("", "%s offset "+promRange(e.length)))
	}
	return e.by.agg(fn, e.sel.vector("", "%s"))
}

// overTime reduces an instant expression over the snapshots of the window.
type overTime struct {
	fn     string // max, min or avg
	inner  instantExpr
	length time.Duration
}

// instantExpr is an expression that can be evaluated at any snapshot.
type instantExpr interface {
	expr
	at(s *snapshot) result
}

func (e overTime) eval(w *window) result {
	acc := result{}
	n := map[string]int{}
	for _, s := range w.within {
		for k, x := range e.inner.at(s) {
			prev, seen := acc[k]
			switch {
			case !seen:
				acc[k] = x
			case e.fn == "max":
				prev.value = math.Max(prev.value, x.value)
				acc[k] = prev
			case e.fn == "min":
				prev.value = math.Min(prev.value, x.value)
				acc[k] = prev
			default:
				prev.value += x.value
				acc[k] = prev
			}
			n[k]++
		}
	}
	if e.fn == "avg" {
		for k, x := range acc {
			x.value /= float64(n[k])
			acc[k] = x
		}
	}
	return acc
}

func (e overTime) promql() string {
	return fmt.Sprintf("%s_over_time((%s)[%s:])", e.fn, e.inner.promql(), promRange(e.length))
}

// ---- Increases over the window

// increase is the sum per group of each counter's increase from the
// window's base to now; divided by the window's span with perSecond.
// A series missing from the base started counting since, from zero.
type increase struct {
	sel       selector
	by        grouping
	length    time.Duration
	perSecond bool
}

func (e increase) eval(w *window) result {
	r := result{}
	span := w.span()
	if span <= 0 {
		return r
	}
	for _, x := range w.now.metrics[e.sel.in.Name] {
		if x.hist != nil || !e.sel.matches(x.labels) {
			continue
		}
		d := x.value
		if old, ok := w.base.find(e.sel.in.Name, x.labels); ok && old.value <= x.value {
			d -= old.value // a smaller value means a reset: count from zero
		}
		if e.perSecond {
			d /= span
		}
		r.add(e.by, x.labels, d)
	}
	return r
}

func (e increase) promql() string {
	f := "increase"
	if e.perSecond {
		f = "rate"
	}
	return e.by.sum(e.sel.vector("", f+"(%s["+promRange(e.length)+"])"))
}

// histDelta returns the bucket counts, count and sum a histogram series
// gained from the window's base to now.
func histDelta(w *window, metric string, x series) (counts []uint64, count uint64, sum float64) {
	h := x.hist
	old, ok := w.base.find(metric, x.labels)
	if !ok || old.hist == nil || !slices.Equal(old.hist.bounds, h.bounds) || old.hist.count > h.count {
		return slices.Clone(h.counts), h.count, h.sum
	}
	counts = make([]uint64, len(h.counts))
	for i := range counts {
		if i < len(old.hist.counts) && old.hist.counts[i] <= h.counts[i] {
			counts[i] = h.counts[i] - old.hist.counts[i]
		}
	}
	return counts, h.count - old.hist.count, h.sum - old.hist.sum
}

// quantileOf is a histogram quantile of the observations made in the
// window, summed per group (series with other bucket bounds than the
// group's first are left out, as they cannot be added).
type quantileOf struct {
	q      float64
	sel    selector
	by     grouping
	length time.Duration
}

func (e quantileOf) eval(w *window) result {
	type acc struct {
		labels map[string]string
		bounds []float64
		counts []uint64
	}
	groups := map[string]*acc{}
	for _, x := range w.now.metrics[e.sel.in.Name] {
		if x.hist == nil || !e.sel.matches(x.labels) {
			continue
		}
		counts, _, _ := histDelta(w, e.sel.in.Name, x)
		k, gl := e.by.key(x.labels)
		a := groups[k]
		if a == nil {
			a = &acc{labels: gl, bounds: x.hist.bounds, counts: make([]uint64, len(counts))}
			groups[k] = a
		}
		if !slices.Equal(a.bounds, x.hist.bounds) {
			continue
		}
		for i, c := range counts {
			a.counts[i] += c
		}
	}
	r := result{}
	for k, a := range groups {
		if v := quantile(e.q, a.bounds, a.counts); !math.IsNaN(v) {
			r[k] = sample{labels: a.labels, value: v}
		}
	}
	return r
}

func (e quantileOf) promql() string {
	inner := e.by.sum(e.sel.vector("_bucket", "rate(%s["+promRange(e.length)+"])"), "le")
	return fmt.Sprintf("histogram_quantile(%s, %s)", strconv.FormatFloat(e.q, 'g', -1, 64), inner)
}

// histMean is the mean of the observations made in the window.
type histMean struct {
	sel    selector
	by     grouping
	length time.Duration
}

func (e histMean) eval(w *window) result {
	sums, counts := result{}, result{}
	for _, x := range w.now.metrics[e.sel.in.Name] {
		if x.hist == nil || !e.sel.matches(x.labels) {
			continue
		}
		_, n, s := histDelta(w, e.sel.in.Name, x)
		sums.add(e.by, x.labels, s)
		counts.add(e.by, x.labels, float64(n))
	}
	return divide(sums, counts)
}

func (e histMean) promql() string {
	rng := "[" + promRange(e.length) + "])"
	return fmt.Sprintf("%s / (%s > 0)",
		e.by.sum(e.sel.vector("_sum", "rate(%s"+rng)),
		e.by.sum(e.sel.vector("_count", "rate(%s"+rng)))
}

// ---- Combinations

// ratio divides num by den group by group; groups where den is 0 or
// missing have no value.
type ratio struct{ num, den expr }

func (e ratio) eval(w *window) result { return divide(e.num.eval(w), e.den.eval(w)) }

func (e ratio) promql() string {
	return fmt.Sprintf("(%s) / (%s > 0)", e.num.promql(), e.den.promql())
}

// instantRatio is a ratio of instant expressions, usable over time.
type instantRatio struct{ num, den instantExpr }

func (e instantRatio) eval(w *window) result { return e.at(w.now) }
func (e instantRatio) at(s *snapshot) result { return divide(e.num.at(s), e.den.at(s)) }
func (e instantRatio) promql() string {
	return fmt.Sprintf("(%s) / (%s > 0)", e.num.promql(), e.den.promql())
}

func divide(num, den result) result {
	r := result{}
	for k, n := range num {
		d, ok := den[k]
		if !ok || d.value == 0 {
			continue
		}
		r[k] = sample{labels: n.labels, value: n.value / d.value}
	}
	return r
}

// plus adds a and b group by group; a group missing on one side counts
// as 0 there.
type plus struct{ a, b expr }

func (e plus) eval(w *window) result {
	r := result{}
	for _, side := range []result{e.a.eval(w), e.b.eval(w)} {
		for k, x := range side {
			s, ok := r[k]
			if !ok {
				s = sample{labels: x.labels}
			}
			s.value += x.value
			r[k] = s
		}
	}
	return r
}

func (e plus) promql() string {
	a, b := e.a.promql(), e.b.promql()
	return fmt.Sprintf("((%s) or (%s) * 0) + ((%s) or (%s) * 0)", a, b, b, a)
}
