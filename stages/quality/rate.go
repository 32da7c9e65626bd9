package quality

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// maxDecimals is how many decimal places of a frame rate count; rates are
// rounded beyond it (a millionth of a frame per second is far below what
// any capture can hold).
const maxDecimals = 6

// rate decides which frames a tier takes: p of every q, with p <= q and
// the fraction reduced.
type rate struct{ p, q uint64 }

// newRate returns the rate of a tier of fps f over a capture of fps F,
// with 0 < f <= F.
func newRate(f, F float64) (rate, error) {
	if !(f > 0 && f <= F) {
		return rate{}, fmt.Errorf("tier rate %g over capture rate %g: need 0 < tier <= capture", f, F)
	}
	fn, fd, err := decimal(f)
	if err != nil {
		return rate{}, err
	}
	Fn, Fd, err := decimal(F)
	if err != nil {
		return rate{}, err
	}

	// Bring both to the same number of decimals: f/F = fn*10^-fd / Fn*10^-Fd.
	for ; fd < Fd; fd++ {
		fn *= 10
	}
	for ; Fd < fd; Fd++ {
		Fn *= 10
	}
	g := gcd(fn, Fn)
	return rate{p: fn / g, q: Fn / g}, nil
}

// takes reports whether the tier takes the frame with sequence number s,
// that is whether floor(s*p/q) > floor((s-1)*p/q). With p <= q the two
// floors differ by at most one, and they differ exactly when s*p mod q is
// below p. Reducing s mod q first and multiplying in 128 bits keeps this
// exact for every s.
func (r rate) takes(s uint64) bool {
	if r.p >= r.q {
		return true
	}
	hi, lo := bits.Mul64(s%r.q, r.p)
	return bits.Rem64(hi, lo, r.q) < r.p
}

// decimal returns v as n / 10^d, from its shortest decimal form, rounded
// to maxDecimals places.
func decimal(v float64) (n uint64, d int, err error) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > 1e9 {
		return 0, 0, fmt.Errorf("frame rate %g: must be positive and at most 1e9", v)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > maxDecimals {
		s = strconv.FormatFloat(v, 'f', maxDecimals, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	whole, frac, _ := strings.Cut(s, ".")
	n, err = strconv.ParseUint(whole+frac, 10, 64)
	if err != nil || n == 0 {
		return 0, 0, fmt.Errorf("frame rate %g: too small to represent", v)
	}
	return n, len(frac), nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
