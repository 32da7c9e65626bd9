package telemetry

import (
	"math"
	"sync"
	"testing"
)

func TestAtomicHistogramBuckets(t *testing.T) {
	h := newAtomicHistogram([]float64{1, 2, 5}, "{frame}")
	for _, v := range []float64{0, 1, 1.5, 2, 4.9, 5, 5.1, 100, math.NaN(), 2, 1} {
		h.record(v)
	}
	counts, total, sum := h.snapshot()
	// Upper-inclusive: 0, 1, 1 in le=1; 1.5, 2, 2 in le=2; 4.9 and 5 in
	// le=5; 5.1 and 100 above. NaN is ignored. The repeated 2 and 1 take
	// the hint's path and the search's.
	want := []uint64{3, 3, 2, 2}
	for i := range want {
		if counts[i] != want[i] {
			t.Errorf("bucket %d holds %d, want %d (all %v)", i, counts[i], want[i], counts)
		}
	}
	if total != 10 || math.Abs(sum-122.5) > 1e-6 {
		t.Errorf("total %d sum %v, want 10 and 122.5", total, sum)
	}
}

func TestAtomicHistogramConcurrent(t *testing.T) {
	h := newAtomicHistogram(SecondsBuckets, "s")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				h.record(float64(w*1000+i) / 1e4)
			}
		}()
	}
	wg.Wait()
	_, total, sum := h.snapshot()
	// The sum of i/1e4 for i in 0..3999.
	if total != 4000 || math.Abs(sum-3999*4000/2/1e4) > 1e-6 {
		t.Errorf("total %d sum %v", total, sum)
	}
}

// BenchmarkAtomicHistogramRecord records a steady value (a frame
// interval near 33 ms) and values spread over the buckets.
func BenchmarkAtomicHistogramRecord(b *testing.B) {
	b.Run("steady", func(b *testing.B) {
		h := newAtomicHistogram(SecondsBuckets, "s")
		for i := 0; b.Loop(); i++ {
			h.record(0.033 + float64(i%8)/1e5)
		}
	})
	b.Run("spread", func(b *testing.B) {
		h := newAtomicHistogram(SecondsBuckets, "s")
		for i := 0; b.Loop(); i++ {
			h.record(float64(i*7919%2000) / 1000)
		}
	})
}
