package quality

import (
	"math/big"
	"testing"
)

func TestRateFraction(t *testing.T) {
	tests := []struct {
		f, F float64
		p, q uint64
	}{
		{30, 30, 1, 1},
		{20, 30, 2, 3},
		{10, 30, 1, 3},
		{25, 30, 5, 6},
		{12.5, 25, 1, 2},
		{29.97, 30, 999, 1000},
		{0.5, 30, 1, 60},
		{7.5, 29.97, 250, 999},
		{1.0 / 3, 1, 333333, 1000000},
	}
	for _, tt := range tests {
		r, err := newRate(tt.f, tt.F)
		if err != nil {
			t.Errorf("newRate(%g, %g): %v", tt.f, tt.F, err)
			continue
		}
		if r.p != tt.p || r.q != tt.q {
			t.Errorf("newRate(%g, %g) = %d/%d, want %d/%d", tt.f, tt.F, r.p, r.q, tt.p, tt.q)
		}
	}
}

func TestRateRejects(t *testing.T) {
	for _, tt := range [][2]float64{{31, 30}, {0, 30}, {-1, 30}, {10, 0}, {1e-9, 30}} {
		if _, err := newRate(tt[0], tt[1]); err == nil {
			t.Errorf("newRate(%g, %g) succeeded, want an error", tt[0], tt[1])
		}
	}
}

// TestTakesMatchesFloorDefinition checks the remainder shortcut against
// the definition, floor(s*p/q) > floor((s-1)*p/q), in exact arithmetic,
// including sequence numbers near the top of uint64.
func TestTakesMatchesFloorDefinition(t *testing.T) {
	rates := []rate{{2, 3}, {1, 3}, {5, 6}, {1, 2}, {999, 1000}, {250, 999}, {7, 1 << 40}}
	var seqs []uint64
	for s := uint64(1); s <= 3000; s++ {
		seqs = append(seqs, s)
	}
	for s := ^uint64(0) - 3000; s != 0; s++ {
		seqs = append(seqs, s)
	}
	for _, r := range rates {
		p, q := new(big.Int).SetUint64(r.p), new(big.Int).SetUint64(r.q)
		floor := func(s *big.Int) *big.Int {
			return new(big.Int).Div(new(big.Int).Mul(s, p), q)
		}
		for _, s := range seqs {
			bs := new(big.Int).SetUint64(s)
			want := floor(bs).Cmp(floor(new(big.Int).Sub(bs, big.NewInt(1)))) > 0
			if got := r.takes(s); got != want {
				t.Fatalf("rate %d/%d: takes(%d) = %v, want %v", r.p, r.q, s, got, want)
			}
		}
	}
}
