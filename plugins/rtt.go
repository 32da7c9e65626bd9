package plugins

import (
	"sync/atomic"
	"time"
)

// rttBounds are the upper bounds of the round-trip histogram's buckets:
// 50µs to about 13s, doubling. The last bucket catches everything above.
var rttBounds = func() []time.Duration {
	var b []time.Duration
	for d := 50 * time.Microsecond; d < 15*time.Second; d *= 2 {
		b = append(b, d)
	}
	return b
}()

// rttHistogram counts round trips in fixed buckets with atomic adds, so
// recording costs no lock on the hot path.
type rttHistogram struct {
	counts [32]atomic.Uint64
	count  atomic.Uint64
	sum    atomic.Int64
	max    atomic.Int64
	last   atomic.Int64
}

func (h *rttHistogram) observe(d time.Duration) {
	i := 0
	for i < len(rttBounds) && d > rttBounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.count.Add(1)
	h.sum.Add(int64(d))
	h.last.Store(int64(d))
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			break
		}
	}
}

// RoundTrip summarises batch round-trip times.
type RoundTrip struct {
	Count          uint64
	Sum, Max, Last time.Duration
	// Buckets holds cumulative counts per upper bound, as Prometheus
	// histograms want them; the last bound is +Inf (zero here).
	Buckets []Bucket
}

// Bucket is one histogram bucket: how many round trips took at most
// UpperBound (0 means no bound).
type Bucket struct {
	UpperBound time.Duration
	Count      uint64
}

func (h *rttHistogram) snapshot() RoundTrip {
	rt := RoundTrip{
		Count: h.count.Load(),
		Sum:   time.Duration(h.sum.Load()),
		Max:   time.Duration(h.max.Load()),
		Last:  time.Duration(h.last.Load()),
	}
	var cum uint64
	for i := 0; i <= len(rttBounds); i++ {
		cum += h.counts[i].Load()
		var ub time.Duration
		if i < len(rttBounds) {
			ub = rttBounds[i]
		}
		rt.Buckets = append(rt.Buckets, Bucket{UpperBound: ub, Count: cum})
	}
	return rt
}

// Quantile returns an upper estimate of the q-quantile (0 < q <= 1): the
// bound of the bucket it falls in, or Max for the last bucket.
func (rt RoundTrip) Quantile(q float64) time.Duration {
	if rt.Count == 0 {
		return 0
	}
	rank := uint64(q * float64(rt.Count))
	if rank == 0 {
		rank = 1
	}
	for _, b := range rt.Buckets {
		if b.Count >= rank {
			if b.UpperBound == 0 || b.UpperBound > rt.Max {
				return rt.Max
			}
			return b.UpperBound
		}
	}
	return rt.Max
}
