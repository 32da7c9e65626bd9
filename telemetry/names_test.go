package telemetry_test

import (
	"context"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/telemetry"
)

func TestPrometheusNameExamples(t *testing.T) {
	for _, tc := range []struct{ otel, prom string }{
		{telemetry.StageFramesIn, "streampipe_stage_frames_in_total"},
		{telemetry.StageBlockedTime, "streampipe_stage_blocked_time_seconds_total"},
		{telemetry.StageQueueLength, "streampipe_stage_queue_length"},
		{telemetry.WSFrameLatency, "streampipe_websocket_frame_latency_seconds"},
		{telemetry.WSBytesSent, "streampipe_websocket_bytes_sent_total"},
		{telemetry.BatchSize, "streampipe_batch_size"},
		{telemetry.SystemMemoryUtil, "system_memory_utilization_ratio"},
		{telemetry.RedisLatency, "streampipe_redis_latency_seconds"},
	} {
		t.Run(tc.otel, func(t *testing.T) {
			got, ok := telemetry.PrometheusName(tc.otel)
			if !ok || got != tc.prom {
				t.Errorf("PrometheusName(%q) = %q, %v; want %q", tc.otel, got, ok, tc.prom)
			}
		})
	}
	if _, ok := telemetry.PrometheusName("no.such.metric"); ok {
		t.Error("PrometheusName of an undeclared metric reported ok")
	}
}

func TestTableIsWellFormed(t *testing.T) {
	allowed := []string{"pipeline", "stage", "kind", "reason", "tier", "code", "from", "to", "state",
		"direction", "path",
		// The alert engine's: rule names come from the file, the rest
		// from fixed sets.
		"alert", "severity", "hook", "result"}
	seen := map[string]bool{}
	promSeen := map[string]bool{}
	for _, in := range telemetry.Instruments() {
		t.Run(in.Name, func(t *testing.T) {
			if seen[in.Name] || promSeen[in.PrometheusName()] {
				t.Fatalf("declared twice")
			}
			seen[in.Name], promSeen[in.PrometheusName()] = true, true
			if in.Description == "" || in.Source == "" {
				t.Error("description and source are required")
			}
			if (in.Kind == telemetry.Histogram) != (len(in.Buckets) > 0) {
				t.Errorf("a %s with %d buckets", in.Kind, len(in.Buckets))
			}
			if !sort.Float64sAreSorted(in.Buckets) {
				t.Errorf("buckets not sorted: %v", in.Buckets)
			}
			if in.External {
				return
			}
			for _, l := range in.Labels {
				if !slices.Contains(allowed, l) {
					t.Errorf("label %q is not in the bounded set %v", l, allowed)
				}
			}
		})
	}
}

func TestSecondsBucketsResolveAlertThresholds(t *testing.T) {
	b := telemetry.SecondsBuckets
	for _, edge := range []float64{0.1, 0.2} {
		if !slices.Contains(b, edge) {
			t.Errorf("no bucket bound at %v s", edge)
		}
	}
	if b[0] >= 0.001 {
		t.Errorf("lowest bound %v s: want sub-millisecond", b[0])
	}
	// Neighbours within 25 ms of each threshold, so p95/p99 near them are
	// resolved, not smeared over a wide bucket.
	for _, edge := range []float64{0.1, 0.2} {
		i := slices.Index(b, edge)
		if b[i]-b[i-1] > 0.0251 || b[i+1]-b[i] > 0.0251 {
			t.Errorf("bounds around %v s too coarse: %v %v %v", edge, b[i-1], b[i], b[i+1])
		}
	}
}

func TestPluginBucketsMatchTheSupervisor(t *testing.T) {
	got := fakePlugin{}.PluginStats().RoundTrip.Buckets
	// The fake builds its buckets from the table; the real supervisor's
	// are checked through a zero snapshot of a stage's stats.
	want := telemetry.PluginRoundTripBuckets
	if len(got) != len(want)+1 {
		t.Fatalf("%d buckets, want %d bounds + Inf", len(got), len(want))
	}
	for i, w := range want {
		if d := got[i].UpperBound.Seconds() - w; d > 1e-12 || d < -1e-12 {
			t.Errorf("bound %d = %v, want %v s", i, got[i].UpperBound, w)
		}
	}
}

// TestTableCreates creates every instrument the table owns and fails on
// any error the SDK reports (the constructors in the package drop them).
func TestTableCreates(t *testing.T) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	m := mp.Meter("test")
	for _, in := range telemetry.Instruments() {
		if in.External {
			continue
		}
		t.Run(in.Name, func(t *testing.T) {
			desc, unit := metric.WithDescription(in.Description), metric.WithUnit(in.Unit)
			var err error
			switch {
			case in.Kind == telemetry.Histogram && in.Number == telemetry.Float64:
				_, err = m.Float64Histogram(in.Name, desc, unit, metric.WithExplicitBucketBoundaries(in.Buckets...))
			case in.Kind == telemetry.Histogram:
				_, err = m.Int64Histogram(in.Name, desc, unit, metric.WithExplicitBucketBoundaries(in.Buckets...))
			case in.Kind == telemetry.Counter && in.Number == telemetry.Float64:
				_, err = m.Float64ObservableCounter(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
			case in.Kind == telemetry.Counter:
				_, err = m.Int64Counter(in.Name, desc, unit)
			case in.Kind == telemetry.UpDownCounter:
				_, err = m.Int64UpDownCounter(in.Name, desc, unit)
			case in.Kind == telemetry.Gauge && in.Number == telemetry.Float64:
				_, err = m.Float64ObservableGauge(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
			case in.Kind == telemetry.Gauge:
				_, err = m.Int64ObservableGauge(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// scrapeAll runs the test pipeline with every recorder used once, then
// gathers the Prometheus registry once the CPU shares have been measured
// over a real interval. A memory limit is set meanwhile, so that the Go
// runtime's go.memory.limit, reported only when one is set, is there too.
func scrapeAll(t *testing.T) (map[string]*dto.MetricFamily, *telemetry.Telemetry) {
	t.Helper()
	old := debug.SetMemoryLimit(1 << 50)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	tel := newTelemetry(t, telemetry.Options{})
	p, _ := testPipeline(t, 101)
	tel.Attach(p)
	tel.SetDiskPaths([]string{t.TempDir()})
	cfg := telemetry.Config{Listen: telemetry.ListenOff, Interval: 50 * time.Millisecond}
	if err := tel.Start(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	env := pipeline.Env{Pipeline: "p", Stage: "ws", Meter: tel.Meter(),
		Upstream: pipeline.StreamInfo{Tiers: []pipeline.TierInfo{{Name: "high"}, {Name: "low"}}}}
	ws := telemetry.NewWebSocket(env, []string{"high", "low"})
	ws.Opened(0)
	ws.Queued(0, 3)
	f := pipeline.NewFrame(1, time.Now().Add(-40*time.Millisecond), pipeline.ContentTypeJPEG, nil)
	var tally telemetry.SendTally
	ws.Sent(&tally, 0, []*pipeline.Frame{f}, 1234, time.Now())
	ws.Flush(&tally)
	ws.TierChanged(0, 1, "requested")
	ws.Opened(1)
	ws.Closed(1, "client_closed", 1000, 3*time.Second)
	ws.Refused("full")
	telemetry.NewBatch(env).Waited("high", 5*time.Millisecond)
	telemetry.NewCapture(env).Restarted()

	var byName map[string]*dto.MetricFamily
	cpu, _ := telemetry.PrometheusName(telemetry.SystemCPUUtilization)
	poll(t, "a measured CPU share", 30*time.Second, func() bool {
		families, err := tel.Gatherer().Gather()
		if err != nil {
			t.Fatal(err)
		}
		byName = map[string]*dto.MetricFamily{}
		for _, mf := range families {
			byName[mf.GetName()] = mf
		}
		return byName[cpu] != nil
	})
	return byName, tel
}

func TestPrometheusNamesMatchAScrape(t *testing.T) {
	byName, _ := scrapeAll(t)
	wantType := map[telemetry.Kind]dto.MetricType{
		telemetry.Counter:       dto.MetricType_COUNTER,
		telemetry.UpDownCounter: dto.MetricType_GAUGE,
		telemetry.Gauge:         dto.MetricType_GAUGE,
		telemetry.Histogram:     dto.MetricType_HISTOGRAM,
	}
	for _, in := range telemetry.Instruments() {
		t.Run(in.Name, func(t *testing.T) {
			mf, ok := byName[in.PrometheusName()]
			if strings.HasPrefix(in.Name, "streampipe.alert.") {
				// Recorded by package alerting, whose tests find them
				// in the scrape of a running pipeline.
				return
			}
			if in.Name == telemetry.RedisLatency {
				if ok {
					t.Fatal("the Redis metric is reserved and must not be recorded yet")
				}
				return
			}
			if !ok {
				t.Fatalf("%s is not in the scrape", in.PrometheusName())
			}
			if mf.GetType() != wantType[in.Kind] {
				t.Errorf("type %v, want %v", mf.GetType(), wantType[in.Kind])
			}
			want := in.PrometheusLabels()
			for _, m := range mf.GetMetric() {
				var got []string
				for _, lp := range m.GetLabel() {
					got = append(got, lp.GetName())
				}
				sort.Strings(got)
				w := slices.Clone(want)
				sort.Strings(w)
				if !slices.Equal(got, w) {
					t.Errorf("labels %v, want %v", got, w)
					break
				}
			}
		})
	}
}

func TestScrapedValuesMatchTheRun(t *testing.T) {
	byName, tel := scrapeAll(t)
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		mf := byName[name]
		if mf == nil {
			t.Fatalf("%s missing", name)
		}
	next:
		for _, m := range mf.GetMetric() {
			for k, v := range labels {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
		t.Fatalf("%s has no series %v", name, labels)
		return 0
	}
	sink := map[string]string{"stage": "out"}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"streampipe_stage_frames_out_total", map[string]string{"stage": "cam", "kind": "capture.spaced"}, 101},
		{"streampipe_stage_frames_in_total", sink, 101},
		// The pair batcher sends 50 pairs and one single frame.
		{"streampipe_stage_process_duration_seconds", sink, 51},
		{"streampipe_batch_size", map[string]string{"stage": "batch", "tier": "high"}, 51},
		{"streampipe_capture_interval_seconds", map[string]string{"stage": "cam"}, 100},
		{"streampipe_capture_jitter_seconds", map[string]string{"stage": "cam"}, 100},
		{"streampipe_stage_frames_dropped_total", map[string]string{"stage": "out", "reason": "slow_client"}, 51},
		{"streampipe_stage_frames_skipped_total", sink, 51},
		{"streampipe_stage_state", map[string]string{"stage": "out", "state": "stopped"}, 1},
		{"streampipe_stage_state", map[string]string{"stage": "out", "state": "ok"}, 0},
		{"streampipe_plugin_restarts_total", map[string]string{"stage": "plug"}, 2},
		{"streampipe_plugin_up", map[string]string{"stage": "plug"}, 1},
		{"streampipe_plugin_round_trip_duration_seconds", map[string]string{"stage": "plug"}, 3},
		{"streampipe_websocket_connections_active", map[string]string{"stage": "ws"}, 1},
		{"streampipe_websocket_clients", map[string]string{"tier": "high"}, 0},
		{"streampipe_websocket_clients", map[string]string{"tier": "low"}, 1},
		{"streampipe_websocket_connections_closed_total", map[string]string{"reason": "client_closed", "code": "1000"}, 1},
		{"streampipe_websocket_bytes_sent_total", map[string]string{"tier": "high"}, 1234},
		{"streampipe_websocket_quality_changes_total", map[string]string{"from": "high", "to": "low"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := value(tc.name, tc.labels); got != tc.want {
				t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
			}
		})
	}

	// Capture intervals were exactly 33 ms: every one falls in the
	// (30 ms, 40 ms] bucket.
	for _, m := range byName["streampipe_capture_interval_seconds"].GetMetric() {
		for _, b := range m.GetHistogram().GetBucket() {
			want := uint64(0)
			if b.GetUpperBound() >= 0.04 {
				want = 100
			}
			if b.GetCumulativeCount() != want {
				t.Errorf("interval bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
			}
		}
	}

	// The manual reader sees what Prometheus sees, plugin histograms too.
	var rm metricdata.ResourceMetrics
	if err := tel.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
		}
	}
	for _, n := range []string{telemetry.StageFramesIn, telemetry.PluginRoundTripDuration, telemetry.GoGoroutineCount} {
		if !names[n] {
			t.Errorf("Collect has no %s", n)
		}
	}
}

// TestSendTallyFlushes checks that tallied sends reach the counters in
// bulk and exactly: at 32 messages, on a tier change and on Flush.
func TestSendTallyFlushes(t *testing.T) {
	tel, err := telemetry.New(telemetry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := pipeline.Env{Pipeline: "p", Stage: "ws", Meter: tel.Meter()}
	ws := telemetry.NewWebSocket(env, []string{"high", "low"})
	f := pipeline.NewFrame(1, time.Now(), pipeline.ContentTypeJPEG, nil)
	frames := []*pipeline.Frame{f, f}
	now := time.Now()

	sent := func(tier string) float64 {
		t.Helper()
		families, err := tel.Gatherer().Gather()
		if err != nil {
			t.Fatal(err)
		}
		inst, _ := telemetry.Lookup(telemetry.WSMessagesSent)
		name := inst.PrometheusName()
		for _, mf := range families {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == telemetry.LabelTier && l.GetValue() == tier {
						return m.GetCounter().GetValue()
					}
				}
			}
		}
		return 0
	}

	var tally telemetry.SendTally
	for range 31 {
		ws.Sent(&tally, 0, frames, 100, now)
	}
	if got := sent("high"); got != 0 {
		t.Fatalf("after 31 messages the counter shows %v, want them still tallied", got)
	}
	ws.Sent(&tally, 0, frames, 100, now)
	if got := sent("high"); got != 32 {
		t.Fatalf("after 32 messages the counter shows %v, want 32", got)
	}
	ws.Sent(&tally, 0, frames, 100, now)
	ws.Sent(&tally, 1, frames, 100, now) // the tier change flushes "high"
	if got := sent("high"); got != 33 {
		t.Fatalf("after a tier change high shows %v, want 33", got)
	}
	ws.Sent(&tally, 1, frames, 100, now.Add(2*time.Second)) // old enough: flushed
	if got := sent("low"); got != 2 {
		t.Fatalf("low shows %v, want 2", got)
	}
	ws.Sent(&tally, 1, frames, 100, now.Add(2*time.Second))
	ws.Flush(&tally)
	if got := sent("low"); got != 3 {
		t.Fatalf("after Flush low shows %v, want 3", got)
	}
}
