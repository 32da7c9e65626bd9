package telemetry

import (
	"fmt"

	"go.opentelemetry.io/otel/metric"
)

// declared returns the table's declaration of name, checking that the
// code asks for the kind and value type the table declares. A mismatch is
// a bug in this package, caught by its tests, so it panics.
func declared(name string, kind Kind, number Number, observable bool) Instrument {
	in, ok := Lookup(name)
	if !ok {
		panic(fmt.Sprintf("telemetry: metric %q is not in the table", name))
	}
	if in.Kind != kind || in.Number != number || in.Observable != observable || in.External {
		panic(fmt.Sprintf("telemetry: metric %q is declared as a %s (observable %v), not created so",
			name, in.Kind, in.Observable))
	}
	return in
}

// The constructors below create an instrument from its declaration. The
// SDK reports an error only for a malformed name or unit, and still
// returns a working instrument; TestTableCreates creates every
// declaration and fails on any error, so the errors are dropped here.

func int64Counter(m metric.Meter, name string) metric.Int64Counter {
	in := declared(name, Counter, Int64, false)
	c, _ := m.Int64Counter(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
	return c
}

func int64UpDownCounter(m metric.Meter, name string) metric.Int64UpDownCounter {
	in := declared(name, UpDownCounter, Int64, false)
	c, _ := m.Int64UpDownCounter(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
	return c
}

func float64Histogram(m metric.Meter, name string) metric.Float64Histogram {
	in := declared(name, Histogram, Float64, false)
	h, _ := m.Float64Histogram(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit),
		metric.WithExplicitBucketBoundaries(in.Buckets...))
	return h
}

func int64ObservableCounter(m metric.Meter, name string) (metric.Int64ObservableCounter, error) {
	in := declared(name, Counter, Int64, true)
	return m.Int64ObservableCounter(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
}

func float64ObservableCounter(m metric.Meter, name string) (metric.Float64ObservableCounter, error) {
	in := declared(name, Counter, Float64, true)
	return m.Float64ObservableCounter(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
}

func int64ObservableGauge(m metric.Meter, name string) (metric.Int64ObservableGauge, error) {
	in := declared(name, Gauge, Int64, true)
	return m.Int64ObservableGauge(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
}

func float64ObservableGauge(m metric.Meter, name string) (metric.Float64ObservableGauge, error) {
	in := declared(name, Gauge, Float64, true)
	return m.Float64ObservableGauge(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit))
}
