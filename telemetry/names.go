package telemetry

import (
	"fmt"

	"github.com/prometheus/otlptranslator"
)

// translation is how the Prometheus exporter rewrites names: dots become
// underscores, the unit becomes a suffix (s -> _seconds, By -> _bytes,
// 1 -> _ratio on gauges; annotations such as {frame} are left out) and
// counters end in _total. The exporter is built with the same strategy,
// so PrometheusName and a real scrape agree; a test checks it.
var translation = otlptranslator.UnderscoreEscapingWithSuffixes

// PrometheusName returns the metric's name as the Prometheus exporter
// exposes it. For histograms it is the base name of the _bucket, _sum and
// _count series.
func (in Instrument) PrometheusName() string {
	namer := otlptranslator.NewMetricNamer("", translation)
	name, err := namer.Build(otlptranslator.Metric{Name: in.Name, Unit: in.Unit, Type: in.promType()})
	if err != nil {
		// Only an empty or all-symbol name fails; the table has none.
		panic(fmt.Sprintf("telemetry: metric %q has no Prometheus name: %v", in.Name, err))
	}
	return name
}

// PrometheusLabels returns the metric's label keys as Prometheus exposes
// them (dots become underscores).
func (in Instrument) PrometheusLabels() []string {
	namer := otlptranslator.LabelNamer{}
	out := make([]string, len(in.Labels))
	for i, l := range in.Labels {
		n, err := namer.Build(l)
		if err != nil {
			panic(fmt.Sprintf("telemetry: label %q of %q has no Prometheus name: %v", l, in.Name, err))
		}
		out[i] = n
	}
	return out
}

// PrometheusName returns the Prometheus name of the metric whose
// OpenTelemetry name is name, and false when the table has no such
// metric.
func PrometheusName(name string) (string, bool) {
	in, ok := Lookup(name)
	if !ok {
		return "", false
	}
	return in.PrometheusName(), true
}

func (in Instrument) promType() otlptranslator.MetricType {
	switch in.Kind {
	case Counter:
		return otlptranslator.MetricTypeMonotonicCounter
	case UpDownCounter:
		return otlptranslator.MetricTypeNonMonotonicCounter
	case Gauge:
		return otlptranslator.MetricTypeGauge
	case Histogram:
		return otlptranslator.MetricTypeHistogram
	}
	return otlptranslator.MetricTypeUnknown
}
