package pipeline

import (
	"errors"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  error // nil: no error; errAny: any error
	}{
		{"4096", 4096, nil},
		{"64KiB", 64 << 10, nil},
		{"1.5KiB", 1536, nil},
		{"1.1KB", 1100, nil},
		{"4 kib", 4096, nil},
		{"2048.0", 2048, nil},
		{"1000.5", 0, ErrSizeFraction},
		{"200.7B", 0, ErrSizeFraction},
		{"2.0001KiB", 0, ErrSizeFraction},
		{"20EiB", 0, ErrSizeTooLarge},
		{"3 parsecs", 0, errAny},
		{"", 0, errAny},
	} {
		got, err := ParseSize(tc.in)
		switch {
		case tc.err == nil && (err != nil || got != tc.want):
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		case tc.err == errAny && err == nil:
			t.Errorf("ParseSize(%q) = %d, want an error", tc.in, got)
		case tc.err != nil && tc.err != errAny && !errors.Is(err, tc.err):
			t.Errorf("ParseSize(%q) error %v, want %v", tc.in, err, tc.err)
		}
	}
}

var errAny = errors.New("any error")
