package alerting

import "math"

// quantile returns the q-quantile (0 <= q <= 1) of observations counted
// in buckets with the given upper bounds (counts per bucket, the last
// being +Inf), interpolating linearly within the bucket that holds it, as
// Prometheus' histogram_quantile does: the first bucket starts at 0 when
// its bound is positive, and a quantile that falls into the +Inf bucket
// is the highest finite bound. It returns NaN when there are no
// observations.
func quantile(q float64, bounds []float64, counts []uint64) float64 {
	if len(counts) != len(bounds)+1 {
		return math.NaN()
	}
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	if q < 0 {
		return math.Inf(-1)
	}
	if q > 1 {
		return math.Inf(1)
	}

	// Find the first bucket whose cumulative count reaches the rank.
	rank := q * float64(total)
	var cum uint64
	b := 0
	for ; b < len(counts); b++ {
		if float64(cum+counts[b]) >= rank && counts[b] > 0 || b == len(counts)-1 {
			break
		}
		cum += counts[b]
	}
	if b == len(bounds) {
		if len(bounds) == 0 {
			return math.NaN()
		}
		return bounds[len(bounds)-1]
	}
	if b == 0 && bounds[0] <= 0 {
		return bounds[0]
	}
	start := 0.0
	if b > 0 {
		start = bounds[b-1]
	}
	end := bounds[b]
	return start + (end-start)*((rank-float64(cum))/float64(counts[b]))
}
