package telemetry

import (
	"context"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// The histograms recorded per frame (processing time, capture intervals,
// batch sizes, latency at socket write) are counted by streampipe itself
// in fixed buckets with atomic adds, and handed to the SDK's readers as
// finished data points when metrics are collected (histProducer). An SDK
// histogram costs a few hundred nanoseconds per measurement (attribute
// lookup, a lock); this costs a bucket search and three atomic adds, which
// is what keeps the standard set under 5% of the pipeline's throughput
// (docs/benchmarks.md). The instruments are still declared in the table,
// with their buckets, and look the same to Prometheus and OTLP.

// recorder records one histogram series; safe for concurrent use.
type recorder interface {
	record(v float64)
}

// atomicHistogram is one series: counts per bucket, total and sum.
type atomicHistogram struct {
	bounds []float64
	counts []atomic.Uint64 // len(bounds)+1; the last is +Inf
	// sum is kept in fixed point, in units of 1/sumScale, so that adding
	// is one atomic add rather than a compare-and-swap loop on float
	// bits. A nanosecond for seconds, a millionth for the rest: sums stay
	// exact enough for averages and overflow only after 292 years of
	// recorded time.
	sum      atomic.Int64
	sumScale float64
	// hint is the bucket of the last value recorded.
	hint atomic.Int32
	// sumFrom, when set, gives the sum instead of sum: processing times
	// are summed by the runtime's Stats already, which saves an atomic
	// add per call.
	sumFrom func() float64
}

// newAtomicHistogram returns a histogram whose values are in unit.
func newAtomicHistogram(bounds []float64, unit string) *atomicHistogram {
	scale := 1e6
	if unit == "s" {
		scale = 1e9
	}
	return &atomicHistogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1), sumScale: scale}
}

func (h *atomicHistogram) record(v float64) {
	if math.IsNaN(v) {
		return
	}
	// Buckets are upper-inclusive, as in OpenTelemetry and Prometheus: find
	// the first bound >= v. Successive values of a series mostly fall in
	// the same bucket (a steady frame interval, a steady processing time),
	// so the last bucket is tried first: two predictable comparisons. Else
	// a plain binary search (sort.SearchFloat64s would cost a closure call
	// per step on this per-frame path), and the hint moves.
	hint := int(h.hint.Load())
	lo := bucket(h.bounds, v, hint)
	if lo != hint {
		h.hint.Store(int32(lo))
	}
	h.counts[lo].Add(1)
	if h.sumFrom == nil {
		h.sum.Add(int64(v * h.sumScale))
	}
}

// bucket returns the index of the first bound >= v, trying hint first.
func bucket(bounds []float64, v float64, hint int) int {
	if (hint == 0 || bounds[hint-1] < v) && (hint == len(bounds) || bounds[hint] >= v) {
		return hint
	}
	lo, hi := 0, len(bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if bounds[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// localHistogram accumulates one goroutine's measurements of a series in
// plain fields and publishes them to the shared atomicHistogram every
// publishEvery measurements and when the goroutine finishes
// (pipeline.Finisher). A measurement then costs a few plain adds instead
// of two atomic adds. Readers see at most publishEvery-1 measurements
// late, and everything once the stage has returned.
type localHistogram struct {
	// The padding keeps the fields written per measurement off the cache
	// lines of other stages' accumulators, which other cores write.
	_      [cacheLine]byte
	h      *atomicHistogram
	counts []uint64
	sum    float64
	n      int
	hint   int
	_      [cacheLine]byte
}

// cacheLine is a generous cache line size (two lines, against adjacent
// line prefetching).
const cacheLine = 128

// publishEvery bounds how many measurements a localHistogram holds back.
const publishEvery = 8

func newLocalHistogram(h *atomicHistogram) *localHistogram {
	// counts is padded on both sides for the same reason as the struct.
	pad := cacheLine / 8
	counts := make([]uint64, len(h.counts)+2*pad)
	return &localHistogram{h: h, counts: counts[pad : pad+len(h.counts) : pad+len(h.counts)]}
}

func (l *localHistogram) record(v float64) {
	if math.IsNaN(v) {
		return
	}
	l.hint = bucket(l.h.bounds, v, l.hint)
	l.counts[l.hint]++
	l.sum += v
	if l.n++; l.n >= publishEvery {
		l.publish()
	}
}

// publish adds what was accumulated to the shared histogram.
func (l *localHistogram) publish() {
	if l.n == 0 {
		return
	}
	for i, c := range l.counts {
		if c != 0 {
			l.h.counts[i].Add(c)
			l.counts[i] = 0
		}
	}
	if l.h.sumFrom == nil {
		l.h.sum.Add(int64(l.sum * l.h.sumScale))
	}
	l.sum, l.n = 0, 0
}

// snapshot reads the counts; the total is taken from them, so a data point
// always adds up even while measurements go on.
func (h *atomicHistogram) snapshot() (counts []uint64, total uint64, sum float64) {
	counts = make([]uint64, len(h.counts))
	for i := range h.counts {
		counts[i] = h.counts[i].Load()
		total += counts[i]
	}
	if h.sumFrom != nil {
		return counts, total, h.sumFrom()
	}
	return counts, total, float64(h.sum.Load()) / h.sumScale
}

// sdkRecorder records into an SDK histogram, for meters that are not a
// Telemetry's (a test's own provider).
type sdkRecorder struct {
	h    metric.Float64Histogram
	opts []metric.RecordOption
}

func (r sdkRecorder) record(v float64) { r.h.Record(context.Background(), v, r.opts...) }

// histSeries is one registered series of a produced histogram.
type histSeries struct {
	attrs attribute.Set
	h     *atomicHistogram
}

// histRegistry holds every produced histogram series of a Telemetry.
type histRegistry struct {
	mu     sync.Mutex
	start  time.Time
	series map[string][]histSeries // by instrument name
	index  map[string]map[attribute.Distinct]*atomicHistogram
}

// get returns the series of name with attrs, creating it on first use.
func (r *histRegistry) get(name string, attrs attribute.Set) *atomicHistogram {
	return r.getWithSum(name, attrs, nil)
}

// getWithSum is get for a series whose sum sumFrom gives (when it creates
// the series).
func (r *histRegistry) getWithSum(name string, attrs attribute.Set, sumFrom func() float64) *atomicHistogram {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.series == nil {
		r.series = map[string][]histSeries{}
		r.index = map[string]map[attribute.Distinct]*atomicHistogram{}
	}
	if h, ok := r.index[name][attrs.Equivalent()]; ok {
		return h
	}
	in := declaredHistogram(name)
	h := newAtomicHistogram(in.Buckets, in.Unit)
	h.sumFrom = sumFrom
	if r.index[name] == nil {
		r.index[name] = map[attribute.Distinct]*atomicHistogram{}
	}
	r.index[name][attrs.Equivalent()] = h
	r.series[name] = append(r.series[name], histSeries{attrs: attrs, h: h})
	return h
}

// produce builds the data points of every series.
func (r *histRegistry) produce(now time.Time) []metricdata.Metrics {
	r.mu.Lock()
	names := make([]string, 0, len(r.series))
	for name := range r.series {
		names = append(names, name)
	}
	series := make(map[string][]histSeries, len(r.series))
	for name, s := range r.series {
		series[name] = append([]histSeries(nil), s...)
	}
	r.mu.Unlock()
	sort.Strings(names)

	out := make([]metricdata.Metrics, 0, len(names))
	for _, name := range names {
		in := declaredHistogram(name)
		m := metricdata.Metrics{Name: in.Name, Description: in.Description, Unit: in.Unit}
		if in.Number == Float64 {
			var dps []metricdata.HistogramDataPoint[float64]
			for _, s := range series[name] {
				counts, total, sum := s.h.snapshot()
				dps = append(dps, metricdata.HistogramDataPoint[float64]{Attributes: s.attrs,
					StartTime: r.start, Time: now, Count: total, Bounds: s.h.bounds,
					BucketCounts: counts, Sum: sum})
			}
			m.Data = metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality, DataPoints: dps}
		} else {
			var dps []metricdata.HistogramDataPoint[int64]
			for _, s := range series[name] {
				counts, total, sum := s.h.snapshot()
				dps = append(dps, metricdata.HistogramDataPoint[int64]{Attributes: s.attrs,
					StartTime: r.start, Time: now, Count: total, Bounds: s.h.bounds,
					BucketCounts: counts, Sum: int64(sum)})
			}
			m.Data = metricdata.Histogram[int64]{Temporality: metricdata.CumulativeTemporality, DataPoints: dps}
		}
		out = append(out, m)
	}
	return out
}

// declaredHistogram returns a produced histogram's declaration; asking for
// one the table does not declare as a histogram is a bug in this package.
func declaredHistogram(name string) Instrument {
	in, ok := Lookup(name)
	if !ok || in.Kind != Histogram || in.External {
		panic("telemetry: " + name + " is not a histogram of the table")
	}
	return in
}

// histogramFor returns a recorder of the histogram name with attrs: a
// produced one when m is a Telemetry's meter, else one recording into m.
func histogramFor(m metric.Meter, name string, attrs attribute.Set) recorder {
	if tm, ok := m.(*meter); ok {
		return tm.t.hists.get(name, attrs)
	}
	in := declaredHistogram(name)
	h, _ := m.Float64Histogram(in.Name, metric.WithDescription(in.Description), metric.WithUnit(in.Unit),
		metric.WithExplicitBucketBoundaries(in.Buckets...))
	return sdkRecorder{h: h, opts: []metric.RecordOption{metric.WithAttributeSet(attrs)}}
}

// meter is the metric.Meter a Telemetry hands out: the SDK's, carrying
// the Telemetry so that its recorders find the produced histograms.
type meter struct {
	metric.Meter
	t *Telemetry
}

// producer hands the readers what is not recorded through SDK
// instruments: the produced histograms and the plugin round trips.
type producer struct{ t *Telemetry }

// Produce implements sdkmetric.Producer.
func (p producer) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	now := time.Now()
	metrics := p.t.hists.produce(now)
	if rt, ok := p.t.pluginRoundTrips(now); ok {
		metrics = append(metrics, rt)
	}
	if len(metrics) == 0 {
		return nil, nil
	}
	return []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: ScopeName}, Metrics: metrics}}, nil
}
