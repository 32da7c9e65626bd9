package export

import (
	"math"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// Values in descriptions are written for people: 100 ms rather than 0.1,
// 85% rather than 0.85, 10 messages rather than 10 {message}. unitParts
// splits a UCUM unit into what is counted and whether it is per second.

// unitParts returns the unit without a trailing "/s", and whether it had
// one.
func unitParts(unit string) (base string, perSecond bool) {
	base, perSecond = strings.CutSuffix(unit, "/s")
	return base, perSecond
}

// quantity renders v in unit for people, such as "100 ms", "85%",
// "1.5 GiB", "10 messages" or "30 frames/s".
func quantity(v float64, unit string) string {
	base, perSecond := unitParts(unit)
	suffix := ""
	if perSecond {
		suffix = "/s"
	}
	switch {
	case unit == "1" || unit == "s/s":
		return number(100*v) + "%"
	case base == "s":
		return seconds(v) + suffix
	case base == "By":
		if v >= 0 && v < math.MaxInt64 {
			return humanize.IBytes(uint64(v)) + suffix
		}
		return number(v) + " B" + suffix
	case strings.HasPrefix(base, "{") && strings.HasSuffix(base, "}"):
		return number(v) + " " + plural(strings.Trim(base, "{}"), v) + suffix
	case base == "":
		return number(v) + suffix
	}
	return number(v) + " " + unit
}

// valueTemplate renders Prometheus' $value in unit, with the template
// functions that write it as quantity writes thresholds.
func valueTemplate(unit string) string {
	base, perSecond := unitParts(unit)
	suffix := ""
	if perSecond {
		suffix = "/s"
	}
	switch {
	case unit == "1" || unit == "s/s":
		return "{{ $value | humanizePercentage }}"
	case base == "s":
		return "{{ $value | humanizeDuration }}" + suffix
	case base == "By":
		return "{{ $value | humanize1024 }}B" + suffix
	case strings.HasPrefix(base, "{") && strings.HasSuffix(base, "}"):
		return "{{ $value | humanize }} " + plural(strings.Trim(base, "{}"), 2) + suffix
	case base == "":
		return "{{ $value | humanize }}" + suffix
	}
	return "{{ $value | humanize }} " + unit
}

// seconds renders a duration in the largest unit that keeps it at least
// 1: "250 µs", "100 ms", "1.5 s".
func seconds(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0 s"
	case a < 1e-3:
		return number(v*1e6) + " µs"
	case a < 1:
		return number(v*1e3) + " ms"
	}
	return number(v) + " s"
}

// number renders v with at most 6 significant digits and no exponent,
// so that float noise (0.1*1000 = 100.00000000000001) does not show.
func number(v float64) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil {
		r = v
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// plural returns word for one, and word with an s otherwise.
func plural(word string, v float64) string {
	if v == 1 {
		return word
	}
	return word + "s"
}
