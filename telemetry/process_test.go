package telemetry_test

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/streampipe/streampipe/telemetry"
)

// TestCPUSharesWaitForARealInterval: the CPU gauges are absent until a
// real interval has been measured, so the first value an alert sees is
// not the 0 or 1 of a window of a few milliseconds; then they hold a
// share from 0 to 1.
func TestCPUSharesWaitForARealInterval(t *testing.T) {
	tel := newTelemetry(t, telemetry.Options{})
	start := time.Now()
	cfg := telemetry.Config{Listen: telemetry.ListenOff, Interval: 20 * time.Millisecond}
	if err := tel.Start(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	names := []string{telemetry.ProcessCPUUtilization, telemetry.SystemCPUUtilization}
	gauges := func() map[string]*dto.MetricFamily {
		t.Helper()
		families, err := tel.Gatherer().Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*dto.MetricFamily{}
		for _, mf := range families {
			for _, n := range names {
				if prom, _ := telemetry.PrometheusName(n); mf.GetName() == prom {
					got[n] = mf
				}
			}
		}
		return got
	}

	// Checked only while less than the shortest window has passed: on a
	// loaded machine this part may be skipped, never wrong.
	got := gauges()
	if time.Since(start) < 900*time.Millisecond && len(got) > 0 {
		t.Errorf("CPU gauges reported %v after start, before any real interval", time.Since(start))
	}

	poll(t, "both CPU gauges", 30*time.Second, func() bool {
		got = gauges()
		return len(got) == len(names)
	})
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("CPU gauges appeared %v after start, before a full window", d)
	}
	for n, mf := range got {
		v := mf.GetMetric()[0].GetGauge().GetValue()
		if v < 0 || v > 1 {
			t.Errorf("%s = %v, want a share from 0 to 1", n, v)
		}
	}
}
