package alerting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/streampipe/streampipe/alerting"
)

// t0 is the synthetic clock's start.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is an injected clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeSource hands out the metric data a test sets.
type fakeSource struct {
	mu      sync.Mutex
	metrics []metricdata.Metrics
}

func (f *fakeSource) set(ms ...metricdata.Metrics) {
	f.mu.Lock()
	f.metrics = ms
	f.mu.Unlock()
}

func (f *fakeSource) Collect(_ context.Context, rm *metricdata.ResourceMetrics) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	rm.ScopeMetrics = []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: "test"},
		Metrics: append([]metricdata.Metrics(nil), f.metrics...)}}
	return nil
}

// labels builds an attribute set from key, value pairs.
func labels(kv ...string) attribute.Set {
	var attrs []attribute.KeyValue
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, attribute.String(kv[i], kv[i+1]))
	}
	return attribute.NewSet(attrs...)
}

// point is one series' value.
type point struct {
	attrs attribute.Set
	value float64
}

// counter is a cumulative int64 sum counted from start.
func counter(name string, start time.Time, pts ...point) metricdata.Metrics {
	var dps []metricdata.DataPoint[int64]
	for _, p := range pts {
		dps = append(dps, metricdata.DataPoint[int64]{Attributes: p.attrs, StartTime: start, Value: int64(p.value)})
	}
	return metricdata.Metrics{Name: name, Data: metricdata.Sum[int64]{
		Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: dps}}
}

// gauge is a float64 gauge.
func gauge(name string, pts ...point) metricdata.Metrics {
	var dps []metricdata.DataPoint[float64]
	for _, p := range pts {
		dps = append(dps, metricdata.DataPoint[float64]{Attributes: p.attrs, Value: p.value})
	}
	return metricdata.Metrics{Name: name, Data: metricdata.Gauge[float64]{DataPoints: dps}}
}

// histogram is a cumulative float64 histogram with counts per bucket.
func histogram(name string, start time.Time, bounds []float64, attrs attribute.Set, counts []uint64) metricdata.Metrics {
	var total uint64
	for _, c := range counts {
		total += c
	}
	return metricdata.Metrics{Name: name, Data: metricdata.Histogram[float64]{
		Temporality: metricdata.CumulativeTemporality,
		DataPoints: []metricdata.HistogramDataPoint[float64]{{Attributes: attrs, StartTime: start,
			Bounds: bounds, BucketCounts: counts, Count: total}}}}
}

// receiver is a webhook endpoint on loopback that records what it gets.
type receiver struct {
	srv *httptest.Server

	mu     sync.Mutex
	got    []alerting.Notification
	bodies [][]byte
	status int
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{status: http.StatusOK}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var n alerting.Notification
		err := json.Unmarshal(body, &n)
		r.mu.Lock()
		status := r.status
		if err == nil && req.Method == http.MethodPost &&
			req.Header.Get("Content-Type") == "application/json" && status == http.StatusOK {
			r.got = append(r.got, n)
			r.bodies = append(r.bodies, body)
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) notifications() []alerting.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]alerting.Notification(nil), r.got...)
}

// waitFor polls cond every 10 ms until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logBuffer collects JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// records returns the log lines whose message is msg.
func (l *logBuffer) records(msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(l.buf.Bytes(), []byte("\n")) {
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// newEngine builds a manual engine on src with the clock, started, and
// stopped at the end of the test.
func newEngine(t *testing.T, src alerting.Source, c *clock, log *slog.Logger, rules ...alerting.Rule) *alerting.Engine {
	t.Helper()
	e, err := alerting.New(src, alerting.Config{Rules: rules, Interval: 10 * time.Second},
		alerting.Options{Logger: log, Now: c.Now, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return e
}

func evaluate(t *testing.T, e *alerting.Engine) {
	t.Helper()
	if err := e.Evaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
}
