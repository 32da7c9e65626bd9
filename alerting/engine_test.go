package alerting_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/telemetry"
)

// stateOf returns the state and value /status reports for the rule's
// instance whose labels include want, or "absent".
func stateOf(e *alerting.Engine, rule string, want map[string]string) (string, float64) {
	for _, s := range e.AlertStates() {
		if s.Name != rule {
			continue
		}
		ok := true
		for k, v := range want {
			if s.Labels[k] != v {
				ok = false
			}
		}
		if ok {
			return s.State, s.Value
		}
	}
	return "absent", math.NaN()
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRateOverTheWindow(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	e := newEngine(t, src, c, nil, alerting.Rule{
		Name: "drops", Metric: telemetry.StageFramesDropped, Aggregate: alerting.AggRate,
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 5}, Window: 30 * time.Second,
		Severity: alerting.Warning,
	})
	stage := map[string]string{"pipeline": "p", "stage": "buf"}
	// The counter started an hour ago, so only snapshots give the base.
	start := t0.Add(-time.Hour)
	for i, tc := range []struct {
		dropped   float64
		wantState string
		wantRate  float64
	}{
		{0, "absent", math.NaN()},    // one snapshot: no rate yet
		{100, "firing", 10},          // 100 in 10 s (the window is not covered yet)
		{200, "firing", 10},          // 200 in 20 s
		{300, "firing", 10},          // 300 in 30 s
		{310, "firing", 7},           // 210 in the 30 s since the t=10 snapshot
		{320, "resolved", 4},         // 120 / 30
		{320, "inactive", 20.0 / 30}, // 20 / 30: below, one evaluation after resolving
	} {
		src.set(counter(telemetry.StageFramesDropped, start,
			point{labels("pipeline", "p", "stage", "buf", "kind", "buffer", "reason", "buffer_full"), tc.dropped}))
		evaluate(t, e)
		state, v := stateOf(e, "drops", stage)
		if state != tc.wantState || (!math.IsNaN(tc.wantRate) && !near(v, tc.wantRate)) {
			t.Fatalf("evaluation %d: %s at %v/s, want %s at %v/s", i, state, v, tc.wantState, tc.wantRate)
		}
		c.advance(10 * time.Second)
	}
}

func TestIncreaseCountsFromTheOriginInsideTheWindow(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	e := newEngine(t, src, c, nil, alerting.Rule{
		Name: "errors", Metric: telemetry.StageErrors, Aggregate: alerting.AggIncrease, By: []string{},
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 0}, Window: time.Minute,
		Severity: alerting.Info,
	})
	// Metrics started counting 5 s before the first evaluation, inside
	// the window: once there are two snapshots, the whole count is an
	// increase, although the window reaches back before the first.
	src.set(counter(telemetry.StageErrors, t0.Add(-5*time.Second),
		point{labels("pipeline", "p", "stage", "a", "kind", "x"), 2},
		point{labels("pipeline", "p", "stage", "b", "kind", "y"), 1}))
	evaluate(t, e)
	if state, _ := stateOf(e, "errors", nil); state != "inactive" {
		t.Fatalf("first evaluation: %s, want inactive (one snapshot: no data yet)", state)
	}
	c.advance(10 * time.Second)
	evaluate(t, e)
	if state, v := stateOf(e, "errors", nil); state != "firing" || v != 3 {
		t.Fatalf("got %s at %v, want firing at 3 (summed over every series with by = [])", state, v)
	}
}

func TestQuantileFromBucketDeltas(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	rcv := newReceiver(t)
	e := newEngine(t, src, c, nil, alerting.Rule{
		Name: "latency", Metric: telemetry.WSFrameLatency, Aggregate: "p95",
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 0.1}, Window: 20 * time.Second,
		For: 10 * time.Second, Severity: alerting.Critical, Summary: "slow frames",
		Hooks: []*alerting.HookConfig{{Kind: alerting.HookWebhook, URL: rcv.srv.URL}},
	})
	bounds := telemetry.SecondsBuckets
	idx := func(bound float64) int {
		for i, b := range bounds {
			if b == bound {
				return i
			}
		}
		t.Fatalf("no bucket %v", bound)
		return 0
	}
	fast, slow := idx(0.01), idx(0.11) // slow: (0.1, 0.11]
	counts := make([]uint64, len(bounds)+1)
	attrs := labels("pipeline", "p", "stage", "ws", "tier", "high")
	tier := map[string]string{"pipeline": "p", "stage": "ws", "tier": "high"}
	start := t0.Add(-time.Hour)

	for i, tc := range []struct {
		addFast, addSlow uint64
		wantState        string
		wantValue        float64
	}{
		{1000, 0, "absent", math.NaN()},        // t=0: one snapshot
		{0, 100, "pending", 0.1 + 0.01*0.95},   // t=10: 100 slow since t=0
		{0, 100, "firing", 0.1 + 0.01*0.95},    // t=20: 200 slow since t=0; held 10 s
		{1000, 0, "firing", 0.1 + 0.01*0.45},   // t=30: since t=10: 100 slow, 1000 fast
		{0, 0, "resolved", 0.005 + 0.005*0.95}, // t=40: since t=20: 1000 fast, in (0.005, 0.01]
		{0, 0, "inactive", math.NaN()},         // t=50: since t=30: nothing new, no data
	} {
		counts[fast] += tc.addFast
		counts[slow] += tc.addSlow
		src.set(histogram(telemetry.WSFrameLatency, start, bounds, attrs, append([]uint64(nil), counts...)))
		evaluate(t, e)
		state, v := stateOf(e, "latency", tier)
		if tc.wantState == "inactive" {
			// No observations in the window: the instance is gone.
			if state != "absent" && state != "inactive" {
				t.Fatalf("evaluation %d: %s, want inactive", i, state)
			}
		} else if state != tc.wantState || (!math.IsNaN(tc.wantValue) && !near(v, tc.wantValue)) {
			t.Fatalf("evaluation %d: %s at %v, want %s at %v", i, state, v, tc.wantState, tc.wantValue)
		}
		c.advance(10 * time.Second)
	}

	waitFor(t, "two notifications", func() bool { return len(rcv.notifications()) == 2 })
	got := rcv.notifications()
	fired, resolved := got[0], got[1]
	if fired.State != "firing" || fired.Alert != "latency" || fired.Severity != "critical" ||
		!near(fired.Value, 0.1+0.01*0.95) || fired.Threshold != 0.1 || fired.Comparison != "above" ||
		fired.Unit != "s" || fired.Summary != "slow frames" || fired.Resolved != nil ||
		!fired.Started.Equal(t0.Add(20*time.Second)) || fired.Version != alerting.PayloadVersion {
		t.Errorf("firing notification: %+v", fired)
	}
	for k, v := range tier {
		if fired.Labels[k] != v || resolved.Labels[k] != v {
			t.Errorf("label %s: firing %q, resolved %q, want %q", k, fired.Labels[k], resolved.Labels[k], v)
		}
	}
	if resolved.State != "resolved" || resolved.Resolved == nil || !resolved.Resolved.Equal(t0.Add(40*time.Second)) ||
		!resolved.Started.Equal(t0.Add(20*time.Second)) || !near(resolved.Value, 0.005+0.005*0.95) {
		t.Errorf("resolved notification: %+v", resolved)
	}
	want := `histogram_quantile(0.95, sum by (pipeline, stage, tier, instance, job, le) ` +
		`(rate(streampipe_websocket_frame_latency_seconds_bucket[20s]))) > 0.1`
	if fired.Expr != want {
		t.Errorf("expr %s\nwant %s", fired.Expr, want)
	}
}

func TestConnectionDropRatio(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	e := newEngine(t, src, c, nil, alerting.Rule{
		Name: "drops", Signal: alerting.SignalConnectionDropRatio,
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 0.1}, Window: 5 * time.Minute,
		Severity: alerting.Critical,
	})
	start := t0.Add(-time.Hour)
	ws := []string{"pipeline", "p", "stage", "ws"}
	closed := func(reason, code string) []string {
		return append(append([]string(nil), ws...), "reason", reason, "code", code)
	}

	// At t=0, 10 clients are connected.
	src.set(
		counter(telemetry.WSConnectionsActive, start, point{labels(ws...), 10}),
		counter(telemetry.WSConnectionsOpened, start, point{labels(ws...), 10}),
	)
	evaluate(t, e)

	// By t=10, 10 more connected; 3 were dropped as slow, 2 vanished
	// (1006), 4 closed normally.
	c.advance(10 * time.Second)
	src.set(
		counter(telemetry.WSConnectionsActive, start, point{labels(ws...), 11}),
		counter(telemetry.WSConnectionsOpened, start, point{labels(ws...), 20}),
		counter(telemetry.WSConnectionsClosed, start,
			point{labels(closed("slow_client", "4000")...), 3},
			point{labels(closed("client_closed", "1006")...), 2},
			point{labels(closed("client_closed", "1000")...), 4}),
	)
	evaluate(t, e)
	// 5 drops of the 20 connections of the window: 10 open at its start
	// and 10 opened since.
	if state, v := stateOf(e, "drops", map[string]string{"pipeline": "p", "stage": "ws"}); state != "firing" || !near(v, 0.25) {
		t.Fatalf("got %s at %v, want firing at 0.25", state, v)
	}
}

func TestRatioWithDenominator(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	e := newEngine(t, src, c, nil, alerting.Rule{
		Name: "drop_share", Metric: telemetry.StageFramesDropped, Aggregate: alerting.AggRatio,
		Labels:      map[string][]string{"reason": {"buffer_full"}},
		Denominator: telemetry.StageFramesIn,
		Compare:     alerting.Comparison{Op: alerting.Above, Threshold: 0.5}, Window: time.Minute,
		Severity: alerting.Warning,
	})
	start := t0.Add(-time.Second) // counting began inside the window
	buf := []string{"pipeline", "p", "stage", "buf", "kind", "buffer"}
	src.set(
		counter(telemetry.StageFramesDropped, start,
			point{labels(append(buf, "reason", "buffer_full")...), 30},
			point{labels(append(buf, "reason", "shutdown")...), 50}),
		counter(telemetry.StageFramesIn, start, point{labels(buf...), 100}),
	)
	evaluate(t, e)
	c.advance(10 * time.Second)
	evaluate(t, e)
	if state, v := stateOf(e, "drop_share", map[string]string{"stage": "buf"}); state != "inactive" || !near(v, 0.3) {
		t.Fatalf("got %s at %v, want inactive at 0.3 (only buffer_full counts)", state, v)
	}
}

func TestOutsideAndBelow(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmp  alerting.Comparison
		v    float64
		want string
	}{
		{"inside", alerting.Comparison{Op: alerting.Outside, Low: 1, High: 5}, 5, "inactive"},
		{"over the high bound", alerting.Comparison{Op: alerting.Outside, Low: 1, High: 5}, 6, "firing"},
		{"under the low bound", alerting.Comparison{Op: alerting.Outside, Low: 1, High: 5}, 0.5, "firing"},
		{"below", alerting.Comparison{Op: alerting.Below, Threshold: 2}, 1, "firing"},
		{"not below", alerting.Comparison{Op: alerting.Below, Threshold: 2}, 2, "inactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{now: t0}
			src := &fakeSource{}
			e := newEngine(t, src, c, nil, alerting.Rule{
				Name: "cpu", Metric: telemetry.SystemCPUUtilization, Compare: tc.cmp,
				Window: time.Minute, Severity: alerting.Info,
			})
			src.set(gauge(telemetry.SystemCPUUtilization, point{labels(), tc.v}))
			evaluate(t, e)
			if state, _ := stateOf(e, "cpu", nil); state != tc.want {
				t.Errorf("got %s, want %s", state, tc.want)
			}
		})
	}
}

func TestMaxMinAvgOverTheWindow(t *testing.T) {
	values := []float64{3, 12, 6, 9} // one every 10 s
	for _, tc := range []struct {
		agg  string
		want float64 // over the last 20 s: 12, 6, 9
	}{
		{alerting.AggMax, 12},
		{alerting.AggMin, 6},
		{alerting.AggAvg, 9},
		{alerting.AggValue, 9},
	} {
		t.Run(tc.agg, func(t *testing.T) {
			c := &clock{now: t0}
			src := &fakeSource{}
			e := newEngine(t, src, c, nil, alerting.Rule{
				Name: "queue", Metric: telemetry.StageQueueLength, Aggregate: tc.agg,
				Compare: alerting.Comparison{Op: alerting.Above, Threshold: 100}, Window: 20 * time.Second,
				Severity: alerting.Warning,
			})
			for i, v := range values {
				if i > 0 {
					c.advance(10 * time.Second)
				}
				src.set(gauge(telemetry.StageQueueLength, point{labels("pipeline", "p", "stage", "s", "kind", "k"), v}))
				evaluate(t, e)
			}
			if _, v := stateOf(e, "queue", nil); v != tc.want {
				t.Errorf("%s = %v, want %v", tc.agg, v, tc.want)
			}
		})
	}
}

func TestRuleWithoutDataIsListedInactive(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(t, &fakeSource{}, c, nil, alerting.Defaults()...)
	evaluate(t, e)
	states := e.AlertStates()
	if len(states) != len(alerting.Defaults()) {
		t.Fatalf("%d states, want one per default rule", len(states))
	}
	for _, s := range states {
		if s.State != "inactive" || s.Labels != nil {
			t.Errorf("%s: %+v, want inactive without labels", s.Name, s)
		}
	}
}

func TestTransitionsAreLogged(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	var logs logBuffer
	e := newEngine(t, src, c, logs.logger(), alerting.Rule{
		Name: "queue", Metric: telemetry.StageQueueLength,
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 10}, Window: time.Minute,
		For: 10 * time.Second, Severity: alerting.Warning,
	})
	for _, v := range []float64{20, 20, 0, 0} {
		src.set(gauge(telemetry.StageQueueLength, point{labels("pipeline", "p", "stage", "out", "kind", "sink.x"), v}))
		evaluate(t, e)
		c.advance(10 * time.Second)
	}
	var got []string
	for _, rec := range logs.records(alerting.EventStateChanged) {
		got = append(got, rec["from"].(string)+">"+rec["to"].(string))
		if rec["alert"] != "queue" || rec["pipeline"] != "p" || rec["stage"] != "out" || rec["severity"] != "warning" {
			t.Errorf("log record lacks keys: %v", rec)
		}
		if l, _ := rec["labels"].(map[string]any); l["stage"] != "out" {
			t.Errorf("labels group: %v", rec["labels"])
		}
	}
	want := []string{"inactive>pending", "pending>firing", "firing>resolved", "resolved>inactive"}
	if len(got) != len(want) {
		t.Fatalf("transitions %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transitions %v, want %v", got, want)
		}
	}
	// The default hook logs the notifications: firing at warn level for
	// a warning, resolved at info.
	waitFor(t, "two log hook lines", func() bool { return len(logs.records(alerting.EventNotification)) == 2 })
	notes := logs.records(alerting.EventNotification)
	if len(notes) != 2 || notes[0]["state"] != "firing" || notes[0]["level"] != "WARN" ||
		notes[1]["state"] != "resolved" || notes[1]["level"] != "INFO" {
		t.Errorf("log hook lines: %v", notes)
	}
}

func TestEvaluateWithoutStartKeepsNotifications(t *testing.T) {
	// Notifications queue even before the hooks run; Stop drops them
	// within its bound without blocking.
	src := &fakeSource{}
	e, err := alerting.New(src, alerting.Config{Rules: []alerting.Rule{{Name: "q", Metric: telemetry.StageQueueLength,
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 1}, Window: time.Minute, Severity: alerting.Info}}},
		alerting.Options{Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	src.set(gauge(telemetry.StageQueueLength, point{labels("pipeline", "p", "stage", "s", "kind", "k"), 5}))
	if err := e.Evaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestBelowOnARateWaitsForTwoSnapshots: a rate needs two samples, as
// Prometheus' rate does. At the first evaluation, right at start, a
// capture has emitted nothing yet; that is no data, not a rate of 0, and
// no data does not meet a below condition either.
func TestBelowOnARateWaitsForTwoSnapshots(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	var logs logBuffer
	e, err := alerting.New(src, alerting.Config{Interval: time.Second, Rules: []alerting.Rule{{
		Name: "no_frames", Metric: telemetry.StageFramesOut, Aggregate: alerting.AggRate,
		Labels:  map[string][]string{"kind": {"capture.synthetic"}},
		Compare: alerting.Comparison{Op: alerting.Below, Threshold: 1}, Window: 10 * time.Second,
		Severity: alerting.Warning,
	}}}, alerting.Options{Logger: logs.logger(), Now: c.Now, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	start := t0.Add(-50 * time.Millisecond) // telemetry started just before
	capture := labels("pipeline", "p", "stage", "capture", "kind", "capture.synthetic")
	at := time.Duration(0)
	for i, tc := range []struct {
		at        time.Duration // after t0
		frames    float64
		wantState string
		wantRate  float64
	}{
		{0, 0, "inactive", math.NaN()},                      // one snapshot: no data
		{300 * time.Millisecond, 9, "inactive", math.NaN()}, // less than half an interval on
		{time.Second, 31, "inactive", 31 / 1.05},            // counted since the telemetry's start
		{2 * time.Second, 61, "inactive", 61 / 2.05},
	} {
		c.advance(tc.at - at)
		at = tc.at
		src.set(counter(telemetry.StageFramesOut, start, point{capture, tc.frames}))
		evaluate(t, e)
		state, v := stateOf(e, "no_frames", nil)
		if state == "absent" {
			state = "inactive"
		}
		if state != tc.wantState || !math.IsNaN(tc.wantRate) && !near(v, tc.wantRate) {
			t.Fatalf("evaluation %d: %s at %v, want %s at %v", i, state, v, tc.wantState, tc.wantRate)
		}
	}
	if got := logs.records(alerting.EventStateChanged); len(got) != 0 {
		t.Errorf("transitions at start: %v", got)
	}
}

// TestMachineGaugesAreNotSummed: series of a machine-wide gauge or of a
// ratio are reduced with max, in the engine as in PromQL: two paths on
// one disk must not make it 120% full.
func TestMachineGaugesAreNotSummed(t *testing.T) {
	c := &clock{now: t0}
	src := &fakeSource{}
	rule := alerting.Rule{
		Name: "disk", Metric: telemetry.StreampipeDiskUtilization, By: []string{},
		Compare: alerting.Comparison{Op: alerting.Above, Threshold: 0.9}, Window: time.Minute,
		Severity: alerting.Critical,
	}
	e := newEngine(t, src, c, nil, rule)
	src.set(gauge(telemetry.StreampipeDiskUtilization,
		point{labels("path", "/data/a"), 0.6}, point{labels("path", "/data/b"), 0.6}))
	evaluate(t, e)
	if state, v := stateOf(e, "disk", nil); state != "inactive" || v != 0.6 {
		t.Errorf("got %s at %v, want inactive at 0.6", state, v)
	}
	if want := `max by (instance, job) (streampipe_disk_utilization_ratio) > 0.9`; rule.PromQL() != want {
		t.Errorf("PromQL %s, want %s", rule.PromQL(), want)
	}
}
