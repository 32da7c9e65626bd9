package loadtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Share is one tier's part of the client population.
type Share struct {
	Tier    string
	Percent float64
}

// Mix is how clients are spread over tiers.
type Mix []Share

// DefaultMix is 20% high, 50% medium, 30% low.
var DefaultMix = Mix{{"high", 20}, {"medium", 50}, {"low", 30}}

// ParseMix parses "high=20,medium=50,low=30". Percentages must add up to
// 100.
func ParseMix(s string) (Mix, error) {
	var m Mix
	var total float64
	for _, part := range strings.Split(s, ",") {
		name, pct, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("mix %q: want tier=percent pairs, such as high=20,medium=50,low=30", s)
		}
		v, err := strconv.ParseFloat(pct, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("mix %q: %q is not a percentage", s, pct)
		}
		m = append(m, Share{Tier: name, Percent: v})
		total += v
	}
	if math.Abs(total-100) > 1e-6 {
		return nil, fmt.Errorf("mix %q: percentages add up to %g, not 100", s, total)
	}
	return m, nil
}

func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, s := range m {
		parts[i] = fmt.Sprintf("%s=%g", s.Tier, s.Percent)
	}
	return strings.Join(parts, ",")
}

// Assign returns the tier of each of n clients, spreading rounding so the
// counts match the percentages as closely as possible and interleaving
// tiers so any prefix of the list has about the same mix.
func (m Mix) Assign(n int) []string {
	out := make([]string, n)
	given := make([]int, len(m))
	for i := range out {
		// Give client i to the tier furthest below its share so far.
		best, bestGap := 0, math.Inf(-1)
		for j, s := range m {
			gap := s.Percent/100*float64(i+1) - float64(given[j])
			if gap > bestGap {
				best, bestGap = j, gap
			}
		}
		given[best]++
		out[i] = m[best].Tier
	}
	return out
}
