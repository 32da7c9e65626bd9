package alerting_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/streampipe/streampipe/alerting"
)

// steppedSource hands each Collect call to the test, which answers it
// with the queue length to report. A call whose context ends first
// returns the context's error, as the telemetry's reader does.
type steppedSource struct {
	calls chan chan step
}

// step answers one Collect call: the queue length, and what to do just
// before Collect returns it.
type step struct {
	queue  float64
	before func()
}

func (s *steppedSource) Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	answer := make(chan step)
	select {
	case s.calls <- answer:
	case <-ctx.Done():
		return ctx.Err()
	}
	var st step
	select {
	case st = <-answer:
	case <-ctx.Done():
		return ctx.Err()
	}
	if st.before != nil {
		st.before()
	}
	src := &fakeSource{}
	setQueue(src, st.queue)
	return src.Collect(ctx, rm)
}

// nextCall waits for the engine's next Collect call.
func (s *steppedSource) nextCall(t *testing.T) chan step {
	t.Helper()
	select {
	case c := <-s.calls:
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("the engine did not collect")
		return nil
	}
}

// TestCancelledStartContextEndsEvaluation: when the context given to
// Start ends (the process begins to stop and its pipelines drain), what
// the metrics say next is not evaluated, so a queue emptying during the
// drain does not resolve the alert, while the hooks still deliver what
// they hold until Stop.
func TestCancelledStartContextEndsEvaluation(t *testing.T) {
	rcv := newReceiver(t)
	src := &steppedSource{calls: make(chan chan step)}
	var logs logBuffer
	e, err := alerting.New(src, alerting.Config{Interval: 10 * time.Millisecond,
		Rules: []alerting.Rule{firingRule(&alerting.HookConfig{Kind: alerting.HookWebhook, URL: rcv.srv.URL})}},
		alerting.Options{Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.Start(ctx)

	// The queue is long: the alert fires.
	src.nextCall(t) <- step{queue: 5}
	waitFor(t, "the firing notification", func() bool { return len(rcv.notifications()) == 1 })

	// The stop begins while the engine collects; the metrics it gets
	// already show the drained queue.
	src.nextCall(t) <- step{queue: 0, before: cancel}

	stopCtx, stopCancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer stopCancel()
	if err := e.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if got := rcv.notifications(); len(got) != 1 || got[0].State != "firing" {
		t.Errorf("notifications %+v, want only the firing one", got)
	}
	if state, _ := stateOf(e, "queue", nil); state != "firing" {
		t.Errorf("state %s after the stop, want firing still", state)
	}
	if recs := logs.records(alerting.EventEvaluationFailed); len(recs) != 0 {
		t.Errorf("evaluation failures logged at stop: %v", recs)
	}
}

// TestStopDuringCollectLogsNothing: an evaluation cut short by the stop is
// not an evaluation failure.
func TestStopDuringCollectLogsNothing(t *testing.T) {
	src := &steppedSource{calls: make(chan chan step)}
	var logs logBuffer
	e, err := alerting.New(src, alerting.Config{Interval: 10 * time.Millisecond,
		Rules: []alerting.Rule{firingRule()}}, alerting.Options{Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(context.Background())
	src.nextCall(t) // the engine waits in Collect; it is never answered

	stopCtx, stopCancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer stopCancel()
	if err := e.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if recs := logs.records(alerting.EventEvaluationFailed); len(recs) != 0 {
		t.Errorf("evaluation failures logged at stop: %v", recs)
	}
	if got := e.AlertStates(); len(got) != 1 || got[0].State != "inactive" {
		t.Errorf("states %+v", got)
	}
}

// Interface guard.
var _ alerting.Source = (*steppedSource)(nil)
