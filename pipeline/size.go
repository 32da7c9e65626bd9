package pipeline

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"

	"github.com/dustin/go-humanize"
)

// Errors of ParseSize, to be told apart with errors.Is.
var (
	// ErrSizeTooLarge is a size over math.MaxInt64 bytes.
	ErrSizeTooLarge = errors.New("too large")
	// ErrSizeFraction is a size with a fraction of a byte, such as
	// "1000.5" or "2.0001KiB".
	ErrSizeFraction = errors.New("not a whole number of bytes")
)

// sizeSyntax splits a size into its number and its unit.
var sizeSyntax = regexp.MustCompile(`^([0-9]*\.?[0-9]*)\s*([A-Za-z]*)$`)

// ParseSize parses a size as TypeSize attributes and flags accept it: a
// number of bytes, or a number with a unit, "64KiB" (binary) or "1.5MB"
// (decimal), case-insensitive. A size must come to a whole number of
// bytes.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	n, err := humanize.ParseBytes(s)
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "too large"):
		return 0, fmt.Errorf("%q: %w", s, ErrSizeTooLarge)
	case err != nil:
		return 0, fmt.Errorf("%q is not a size", s)
	case n > math.MaxInt64:
		return 0, fmt.Errorf("%q: %w", s, ErrSizeTooLarge)
	}
	// humanize drops a fraction of a byte; refuse it rather than round.
	m := sizeSyntax.FindStringSubmatch(strings.ReplaceAll(s, ",", ""))
	if m != nil && strings.Contains(m[1], ".") {
		num, ok1 := new(big.Rat).SetString(m[1])
		unit, err := humanize.ParseBytes("1" + m[2])
		if ok1 && err == nil && !num.Mul(num, new(big.Rat).SetUint64(unit)).IsInt() {
			return 0, fmt.Errorf("%q is %w", s, ErrSizeFraction)
		}
	}
	return int64(n), nil
}
