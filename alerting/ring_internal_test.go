package alerting

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/streampipe/streampipe/telemetry"
)

// TestRingStaysBounded: a day's window at a 10 s interval would keep 8640
// snapshots; the ring keeps at most ringMax, the newest half one interval
// apart, and every window's base still at or before its start.
func TestRingStaysBounded(t *testing.T) {
	t0 := mustTime(t)
	r := &ring{span: MaxWindow, minSpan: 5 * time.Second}
	const n = 20000
	for i := range n {
		r.add(&snapshot{at: t0.Add(sec(10 * i))}, time.Time{})
		if len(r.snaps) > ringMax {
			t.Fatalf("after %d snapshots the ring holds %d", i+1, len(r.snaps))
		}
	}
	now := t0.Add(sec(10 * (n - 1)))
	if r.snaps[len(r.snaps)-1].at != now {
		t.Fatal("the newest snapshot is not last")
	}
	for i := len(r.snaps) - ringMax/2 + 1; i < len(r.snaps); i++ {
		if d := r.snaps[i].at.Sub(r.snaps[i-1].at); d != sec(10) {
			t.Fatalf("snapshots %d and %d are %v apart in the newest half", i-1, i, d)
		}
	}
	for i := 1; i < len(r.snaps); i++ {
		if !r.snaps[i].at.After(r.snaps[i-1].at) {
			t.Fatal("snapshots out of order")
		}
	}

	// Each window still starts at or before its start, at most a step of
	// the thinned part (and an interval) before it.
	maxGap := MaxWindow/(ringMax/2-3) + sec(10)
	for _, length := range []time.Duration{time.Minute, time.Hour, 12 * time.Hour, MaxWindow} {
		w, ok := r.window(length)
		if !ok || !w.ready || w.base == nil {
			t.Fatalf("window %v: %+v", length, w)
		}
		start := now.Add(-length)
		if w.baseAt.After(start) || start.Sub(w.baseAt) > maxGap {
			t.Errorf("window %v starts at %v, %v before its start", length, w.baseAt, start.Sub(w.baseAt))
		}
	}
}

// TestRingSpansOnlyWindowedRules: rules on the current value keep no
// past snapshot, whatever their (unused) window says.
func TestRingSpansOnlyWindowedRules(t *testing.T) {
	value := Rule{Name: "q", Metric: telemetry.StageQueueLength, Window: MaxWindow,
		Compare: Comparison{Op: Above, Threshold: 10}, Severity: Warning}
	rate := Rule{Name: "r", Metric: telemetry.StageFramesIn, Aggregate: AggRate, Window: time.Minute,
		Compare: Comparison{Op: Above, Threshold: 10}, Severity: Warning}
	for _, tc := range []struct {
		name  string
		rules []Rule
		want  time.Duration
	}{
		{"value only", []Rule{value}, 0},
		{"value and rate", []Rule{value, rate}, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(nopSource{}, Config{Rules: tc.rules}, Options{Manual: true})
			if err != nil {
				t.Fatal(err)
			}
			if e.ring.span != tc.want {
				t.Errorf("ring span %v, want %v", e.ring.span, tc.want)
			}
		})
	}
}

// TestThinnedWindowKeepsRatesRight: a rate over a window whose base lies
// in the thinned part divides by the true span.
func TestThinnedWindowKeepsRatesRight(t *testing.T) {
	t0 := mustTime(t)
	in, _ := telemetry.Lookup(telemetry.StageFramesIn)
	e := increase{sel: selector{in: in}, length: 6 * time.Hour, perSecond: true}
	r := &ring{span: 6 * time.Hour, minSpan: time.Second}
	labels := map[string]string{"pipeline": "p", "stage": "s", "kind": "k"}
	for i := range 5000 {
		r.add(&snapshot{at: t0.Add(sec(10 * i)), metrics: map[string][]series{
			in.Name: {{labels: labels, value: float64(300 * i)}}, // 30 frames/s
		}}, time.Time{})
	}
	w, _ := r.window(6 * time.Hour)
	got := e.eval(w)
	if len(got) != 1 {
		t.Fatalf("%d groups", len(got))
	}
	for _, s := range got {
		if math.Abs(s.value-30) > 1e-9 {
			t.Errorf("rate %v, want 30", s.value)
		}
	}
}

type nopSource struct{}

func (nopSource) Collect(context.Context, *metricdata.ResourceMetrics) error { return nil }
