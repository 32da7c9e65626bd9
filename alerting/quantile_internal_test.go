package alerting

import (
	"math"
	"testing"
)

func TestQuantileInterpolatesLikePrometheus(t *testing.T) {
	bounds := []float64{0.1, 0.2, 0.5}
	for _, tc := range []struct {
		name   string
		q      float64
		counts []uint64
		want   float64
	}{
		{"inside a middle bucket", 0.95, []uint64{50, 40, 10, 0}, 0.35},
		{"at a bucket edge", 0.5, []uint64{50, 40, 10, 0}, 0.1},
		{"first bucket starts at 0", 0.25, []uint64{50, 40, 10, 0}, 0.05},
		{"in the +Inf bucket", 0.99, []uint64{0, 0, 90, 10}, 0.5},
		{"max is the highest used bound", 1, []uint64{3, 7, 0, 0}, 0.2},
		{"skips empty buckets", 0.5, []uint64{0, 0, 4, 0}, 0.35},
		{"no observations", 0.5, []uint64{0, 0, 0, 0}, math.NaN()},
		{"counts do not fit bounds", 0.5, []uint64{1, 2}, math.NaN()},
		{"negative quantile", -1, []uint64{1, 0, 0, 0}, math.Inf(-1)},
		{"quantile above 1", 2, []uint64{1, 0, 0, 0}, math.Inf(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := quantile(tc.q, bounds, tc.counts)
			if math.IsNaN(tc.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("quantile(%v, %v) = %v, want %v", tc.q, tc.counts, got, tc.want)
			}
		})
	}
}

func TestQuantileBoundAtOrBelowZero(t *testing.T) {
	if got := quantile(0.5, []float64{0, 1}, []uint64{4, 0, 0}); got != 0 {
		t.Errorf("quantile in a first bucket with bound 0 = %v, want 0", got)
	}
}

func TestStateStepsThroughEveryState(t *testing.T) {
	t0 := mustTime(t)
	in := &instance{}
	for i, tc := range []struct {
		at    int // seconds after t0
		holds bool
		want  State
		moved bool
	}{
		{0, false, StateInactive, false},
		{10, true, StatePending, true},
		{20, true, StatePending, false}, // held 10s of the 15s asked
		{25, true, StateFiring, true},   // held 15s
		{30, true, StateFiring, false},
		{40, false, StateResolved, true},
		{50, false, StateInactive, true},
		{60, true, StatePending, true},
		{70, false, StateInactive, true}, // did not hold long enough
	} {
		from := in.state
		got, moved := in.step(tc.holds, t0.Add(sec(tc.at)), sec(15))
		if got != from || moved != tc.moved || in.state != tc.want {
			t.Fatalf("step %d (t=%ds, holds %v): now %v (moved %v), want %v (moved %v)",
				i, tc.at, tc.holds, in.state, moved, tc.want, tc.moved)
		}
	}
	if !in.fired.Equal(t0.Add(sec(25))) || !in.resolved.Equal(t0.Add(sec(40))) {
		t.Errorf("fired %v resolved %v", in.fired, in.resolved)
	}
}

func TestStateWithoutForFiresAtOnce(t *testing.T) {
	t0 := mustTime(t)
	in := &instance{}
	if from, moved := in.step(true, t0, 0); from != StateInactive || !moved || in.state != StateFiring {
		t.Fatalf("got %v from %v", in.state, from)
	}
	in.step(false, t0.Add(sec(1)), 0)
	if in.state != StateResolved {
		t.Fatalf("got %v, want resolved", in.state)
	}
	// Holding again while resolved fires again.
	in.step(true, t0.Add(sec(2)), 0)
	if in.state != StateFiring || !in.resolved.IsZero() {
		t.Fatalf("got %v (resolved %v), want firing again", in.state, in.resolved)
	}
}
