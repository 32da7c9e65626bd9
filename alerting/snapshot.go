package alerting

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// series is one labelled series of a metric at one instant.
type series struct {
	labels map[string]string
	// value holds a sum's or a gauge's value; hist a histogram's.
	value float64
	hist  *histPoint
}

// histPoint is a histogram's cumulative state: the count in each bucket
// (not cumulative across buckets, as OpenTelemetry reports them; the last
// is +Inf), the total count and the sum.
type histPoint struct {
	bounds []float64
	counts []uint64
	count  uint64
	sum    float64
}

// snapshot holds the series of the watched metrics at one instant.
type snapshot struct {
	at      time.Time
	metrics map[string][]series
}

// newSnapshot converts collected metric data into a snapshot taken at at,
// keeping only the metrics in want. It also returns the earliest start
// time of the cumulative data points, when metrics are counted from (the
// zero of every counter), or the zero time when there is none.
func newSnapshot(at time.Time, rm *metricdata.ResourceMetrics, want map[string]bool) (*snapshot, time.Time) {
	s := &snapshot{at: at, metrics: map[string][]series{}}
	var origin time.Time
	start := func(t time.Time) {
		if !t.IsZero() && (origin.IsZero() || t.Before(origin)) {
			origin = t
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !want[m.Name] {
				continue
			}
			var out []series
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					start(p.StartTime)
					out = append(out, series{labels: labelMap(p.Attributes), value: float64(p.Value)})
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					start(p.StartTime)
					out = append(out, series{labels: labelMap(p.Attributes), value: p.Value})
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out = append(out, series{labels: labelMap(p.Attributes), value: float64(p.Value)})
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out = append(out, series{labels: labelMap(p.Attributes), value: p.Value})
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					start(p.StartTime)
					out = append(out, series{labels: labelMap(p.Attributes), hist: &histPoint{
						bounds: p.Bounds, counts: p.BucketCounts, count: p.Count, sum: float64(p.Sum)}})
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					start(p.StartTime)
					out = append(out, series{labels: labelMap(p.Attributes), hist: &histPoint{
						bounds: p.Bounds, counts: p.BucketCounts, count: p.Count, sum: p.Sum}})
				}
			}
			s.metrics[m.Name] = append(s.metrics[m.Name], out...)
		}
	}
	return s, origin
}

// labelMap renders attributes as strings, as Prometheus shows them.
func labelMap(set attribute.Set) map[string]string {
	m := make(map[string]string, set.Len())
	for it := set.Iter(); it.Next(); {
		kv := it.Attribute()
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// find returns the series of metric whose labels equal labels.
func (s *snapshot) find(metric string, labels map[string]string) (series, bool) {
	if s == nil {
		return series{}, false
	}
	for _, x := range s.metrics[metric] {
		if sameLabels(x.labels, labels) {
			return x, true
		}
	}
	return series{}, false
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
