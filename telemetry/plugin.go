package telemetry

import (
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/streampipe/streampipe/plugins"
)

// pluginStage is what a plugin stage offers beyond the standard stage
// interfaces; *plugins.Stage implements it.
type pluginStage interface {
	PluginStats() plugins.Stats
}

// pluginObservables are the plugin instruments read from PluginStats.
type pluginObservables struct {
	restarts, failures metric.Int64ObservableCounter
	up                 metric.Int64ObservableGauge
}

func newPluginObservables(m metric.Meter) (*pluginObservables, error) {
	restarts, err1 := int64ObservableCounter(m, PluginRestarts)
	failures, err2 := int64ObservableCounter(m, PluginFailures)
	up, err3 := int64ObservableGauge(m, PluginUp)
	if err := firstError(err1, err2, err3); err != nil {
		return nil, err
	}
	return &pluginObservables{restarts: restarts, failures: failures, up: up}, nil
}

func (p *pluginObservables) list() []metric.Observable {
	return []metric.Observable{p.restarts, p.failures, p.up}
}

// observe reports s's plugin facts, when s is a plugin stage.
func (p *pluginObservables) observe(o metric.Observer, s *stageObserver) {
	ps, ok := s.node.Stage.(pluginStage)
	if !ok {
		return
	}
	st := ps.PluginStats()
	opt := metric.WithAttributeSet(s.attrs)
	o.ObserveInt64(p.restarts, int64(st.Restarts), opt)
	o.ObserveInt64(p.failures, int64(st.Failures), opt)
	up := int64(0)
	if st.Up {
		up = 1
	}
	o.ObserveInt64(p.up, up, opt)
}

// pluginRoundTrips exports the plugin supervisors' round-trip histograms.
// The supervisor counts round trips in buckets of its own with atomic
// adds; they are handed to the readers as they are, rather than recording
// every round trip twice.
func (t *Telemetry) pluginRoundTrips(now time.Time) (metricdata.Metrics, bool) {
	in, _ := Lookup(PluginRoundTripDuration)
	var points []metricdata.HistogramDataPoint[float64]
	for _, a := range t.attachedPipelines() {
		for _, s := range a.stages {
			ps, ok := s.node.Stage.(pluginStage)
			if !ok {
				continue
			}
			points = append(points, roundTripPoint(ps.PluginStats().RoundTrip, s, t.started, now))
		}
	}
	if len(points) == 0 {
		return metricdata.Metrics{}, false
	}
	return metricdata.Metrics{
		Name:        in.Name,
		Description: in.Description,
		Unit:        in.Unit,
		Data: metricdata.Histogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints:  points,
		},
	}, true
}

// roundTripPoint converts the supervisor's cumulative buckets, whose last
// bound is +Inf, into an OpenTelemetry data point (counts per bucket).
func roundTripPoint(rt plugins.RoundTrip, s *stageObserver, start, now time.Time) metricdata.HistogramDataPoint[float64] {
	dp := metricdata.HistogramDataPoint[float64]{
		Attributes: s.attrs,
		StartTime:  start,
		Time:       now,
		Sum:        seconds(rt.Sum),
	}
	var prev uint64
	for _, b := range rt.Buckets {
		if b.UpperBound > 0 {
			dp.Bounds = append(dp.Bounds, seconds(b.UpperBound))
		}
		dp.BucketCounts = append(dp.BucketCounts, b.Count-prev)
		prev = b.Count
	}
	// The count must equal the buckets' total; the buckets are read one
	// by one while round trips go on, so take the total from them.
	dp.Count = prev
	if rt.Count > 0 {
		dp.Max = metricdata.NewExtrema(seconds(rt.Max))
	}
	return dp
}

// seconds converts d to seconds with a single rounding, so that a whole
// number of microseconds such as 1.6384 s becomes the double nearest that
// decimal. (Duration.Seconds adds the whole and fractional seconds, two
// roundings, and yields 1.6383999999999999, which is what a Prometheus
// bucket label would then say.)
func seconds(d time.Duration) float64 { return float64(d) / float64(time.Second) }
