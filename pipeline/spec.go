package pipeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Type is the type of a configuration attribute.
type Type int

// Attribute types. Durations and sizes are written as strings in HCL
// ("50ms", "64KiB") and decoded to time.Duration and int64 bytes.

const (
	TypeString Type = iota + 1
	TypeNumber
	TypeInt
	TypeBool
	TypeDuration
	TypeSize
	TypeStringList
	// TypePath is a string naming a file; relative paths are resolved
	// against the directory of the configuration file.
	TypePath
	// TypeAny is an attribute whose value the stage interprets itself (a
	// plugin's own settings); decoded as a Go value from JSON-like types.
	TypeAny
)

var typeNames = map[Type]string{
	TypeString:     "string",
	TypeNumber:     "number",
	TypeInt:        "integer",
	TypeBool:       "bool",
	TypeDuration:   "duration",
	TypeSize:       "size",
	TypeStringList: "list(string)",
	TypePath:       "path",
	TypeAny:        "any",
}

func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Spec describes a stage's configuration as data: it drives HCL decoding,
// `streampipe validate`, `streampipe stages` and the configuration
// reference, for built-in and plugin stages alike.
type Spec struct {
	Attrs  []Attr
	Blocks []BlockSpec
}

// Attr describes one attribute.
type Attr struct {
	Name string
	Type Type
	// Doc is one or two sentences for the reference: what it does and,
	// where it matters, what it costs.
	Doc string
	// Default is used when the attribute is not set, as a Go value of the
	// type's decoded form (string, float64, int, bool, time.Duration, int64,
	// []string). Nil means no default: the attribute is then unset, or an
	// error when Required.
	Default any
	// Required attributes must be set.
	Required bool
	// Range bounds numbers, durations and sizes in interval notation:
	// "(0,]" means greater than 0, "[1,255]" 1 to 255 inclusive. Durations
	// are compared in seconds and sizes in bytes.
	Range string
	// OneOf lists the allowed values of a string.
	OneOf []string
	// Exclusive names the namespace of a resource that only one user may
	// hold, such as ResourceListen or ResourceFile, for a string or path
	// attribute: the loader reports a stage (or the telemetry block) whose
	// value, written or default, is already used in the same namespace by
	// another one anywhere in the file. Empty means no such rule.
	Exclusive string
}

// Namespaces of Attr.Exclusive. The loader knows how values of these
// compare; values of other namespaces conflict when they are equal.
const (
	// ResourceListen is a TCP listen address, host:port. Addresses with
	// port 0 (any free port) never conflict; a wildcard host (empty,
	// 0.0.0.0 or ::) conflicts with every host on the same port. Host names
	// are not resolved, so "localhost:8080" and "127.0.0.1:8080" differ.
	ResourceListen = "listen address"
	// ResourceFile is a path written to; paths compare once cleaned.
	ResourceFile = "output file"
)

// BlockSpec describes a nested block type, such as a quality tier.
type BlockSpec struct {
	Name   string
	Labels []string
	Doc    string
	// Min and Max bound how many blocks may appear; Max 0 means no limit.
	Min, Max int
	Spec     Spec
}

// Attr returns the attribute called name.
func (s Spec) Attr(name string) (Attr, bool) {
	for _, a := range s.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}

// Block returns the nested block type called name.
func (s Spec) Block(name string) (BlockSpec, bool) {
	for _, b := range s.Blocks {
		if b.Name == name {
			return b, true
		}
	}
	return BlockSpec{}, false
}

// Interval is a parsed Attr.Range.
type Interval struct {
	Min, Max                   float64
	MinExclusive, MaxExclusive bool
}

// ParseInterval parses interval notation such as "(0,]" or "[1, 255]". A
// missing bound is unbounded.
func ParseInterval(s string) (Interval, error) {
	s = strings.TrimSpace(s)
	if len(s) < 3 {
		return Interval{}, fmt.Errorf("interval %q: too short", s)
	}
	iv := Interval{Min: math.Inf(-1), Max: math.Inf(1)}
	switch s[0] {
	case '(':
		iv.MinExclusive = true
	case '[':
	default:
		return Interval{}, fmt.Errorf("interval %q: must start with ( or [", s)
	}
	switch s[len(s)-1] {
	case ')':
		iv.MaxExclusive = true
	case ']':
	default:
		return Interval{}, fmt.Errorf("interval %q: must end with ) or ]", s)
	}
	lo, hi, ok := strings.Cut(s[1:len(s)-1], ",")
	if !ok {
		return Interval{}, fmt.Errorf("interval %q: missing comma", s)
	}
	if lo = strings.TrimSpace(lo); lo != "" {
		v, err := strconv.ParseFloat(lo, 64)
		if err != nil {
			return Interval{}, fmt.Errorf("interval %q: %w", s, err)
		}
		iv.Min = v
	}
	if hi = strings.TrimSpace(hi); hi != "" {
		v, err := strconv.ParseFloat(hi, 64)
		if err != nil {
			return Interval{}, fmt.Errorf("interval %q: %w", s, err)
		}
		iv.Max = v
	}
	return iv, nil
}

// Contains reports whether v lies in the interval.
func (iv Interval) Contains(v float64) bool {
	if v < iv.Min || (iv.MinExclusive && v == iv.Min) {
		return false
	}
	if v > iv.Max || (iv.MaxExclusive && v == iv.Max) {
		return false
	}
	return true
}

// Describe renders the interval for people, such as "greater than 0" or
// "between 1 and 255". unit formats bounds (nil prints plain numbers).
func (iv Interval) Describe(unit func(float64) string) string {
	if unit == nil {
		unit = func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	}
	lo, hi := !math.IsInf(iv.Min, -1), !math.IsInf(iv.Max, 1)
	loWord, hiWord := "at least", "at most"
	if iv.MinExclusive {
		loWord = "greater than"
	}
	if iv.MaxExclusive {
		hiWord = "less than"
	}
	switch {
	case lo && hi && !iv.MinExclusive && !iv.MaxExclusive:
		return fmt.Sprintf("between %s and %s", unit(iv.Min), unit(iv.Max))
	case lo && hi:
		return fmt.Sprintf("%s %s and %s %s", loWord, unit(iv.Min), hiWord, unit(iv.Max))
	case lo:
		return fmt.Sprintf("%s %s", loWord, unit(iv.Min))
	case hi:
		return fmt.Sprintf("%s %s", hiWord, unit(iv.Max))
	}
	return "any value"
}

// DurationString formats seconds as a Go duration, for Interval.Describe.
func DurationString(seconds float64) string {
	return time.Duration(seconds * float64(time.Second)).String()
}
