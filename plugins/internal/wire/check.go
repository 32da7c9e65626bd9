package wire

import (
	"fmt"
	"slices"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// CheckValue checks a decoded value against its attribute's range and
// allowed values, as the host's loader does. It returns a short summary and
// a detail for a diagnostic, or "" when the value is fine.
func CheckValue(a pipeline.Attr, v any) (summary, detail string) {
	if len(a.OneOf) > 0 {
		if s, ok := v.(string); ok && !slices.Contains(a.OneOf, s) {
			return "Invalid value", fmt.Sprintf("%s must be one of %q, not %q.", a.Name, a.OneOf, s)
		}
	}
	if a.Range == "" {
		return "", ""
	}
	iv, err := pipeline.ParseInterval(a.Range)
	if err != nil {
		return "Invalid schema", fmt.Sprintf("%s has a bad range: %v.", a.Name, err)
	}
	var x float64
	var unit func(float64) string
	switch n := v.(type) {
	case float64:
		x = n
	case int:
		x = float64(n)
	case int64:
		x = float64(n)
	case time.Duration:
		x, unit = n.Seconds(), pipeline.DurationString
	default:
		return "", ""
	}
	if !iv.Contains(x) {
		return "Value out of range", fmt.Sprintf("%s must be %s.", a.Name, iv.Describe(unit))
	}
	return "", ""
}
