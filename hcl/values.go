package hcl

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// decodeValue converts the evaluated value of attribute a, written at rng,
// to the Go type of a.Type (see pipeline.Type), checks it against a.Range
// and a.OneOf, and resolves paths against dir. val must be known and not
// null.
func decodeValue(a pipeline.Attr, val cty.Value, rng hcl.Range, dir string) (any, hcl.Diagnostics) {
	switch a.Type {
	case pipeline.TypeString:
		s, diags := asString(a, val, rng)
		if diags.HasErrors() {
			return nil, diags
		}
		return s, checkOneOf(a, s, rng)

	case pipeline.TypePath:
		s, diags := asString(a, val, rng)
		if diags.HasErrors() {
			return nil, diags
		}
		return resolvePath(dir, s), nil

	case pipeline.TypeNumber:
		f, diags := asNumber(a, val, rng)
		if diags.HasErrors() {
			return nil, diags
		}
		return f, checkRange(a, f, strconv.FormatFloat(f, 'g', -1, 64), nil, rng)

	case pipeline.TypeInt:
		i, diags := asInt(a, val, rng)
		if diags.HasErrors() {
			return nil, diags
		}
		return i, checkRange(a, float64(i), strconv.Itoa(i), nil, rng)

	case pipeline.TypeBool:
		v, err := convert.Convert(val, cty.Bool)
		if err != nil {
			return nil, typeMismatch(a, rng, err)
		}
		return v.True(), nil

	case pipeline.TypeDuration:
		d, diags := asDuration(a, val, rng)
		if diags.HasErrors() {
			return nil, diags
		}
		return d, checkRange(a, d.Seconds(), d.String(), boundFormat(a.Type), rng)

	case pipeline.TypeSize:
		n, diags := asSize(a, val, rng)
		if diags.HasErrors() {
			return nil, diags
		}
		return n, checkRange(a, float64(n), sizeString(n), boundFormat(a.Type), rng)

	case pipeline.TypeStringList:
		v, err := convert.Convert(val, cty.List(cty.String))
		if err != nil {
			return nil, typeMismatch(a, rng, err)
		}
		list := make([]string, 0, v.LengthInt())
		var diags hcl.Diagnostics
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				diags = diags.Append(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Null list element",
					Detail: fmt.Sprintf("The list %s must not contain null; remove the null "+
						"element.", a.Name),
					Subject: rng.Ptr(),
				})
				continue
			}
			list = append(list, e.AsString())
			diags = diags.Extend(checkOneOf(a, e.AsString(), rng))
		}
		return list, diags

	case pipeline.TypeAny:
		return goValue(val), nil
	}
	return nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Unsupported attribute type",
		Detail: fmt.Sprintf("The stage declares attribute %s with type %s, which this "+
			"version of streampipe cannot decode. This is a bug in the stage; report it "+
			"to its maintainers.", a.Name, a.Type),
		Subject: rng.Ptr(),
	}}
}

// resolvePath makes a relative path absolute against dir, the directory of
// the configuration file. The empty string stays empty so that stages can
// tell "not given" apart.
func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func asString(a pipeline.Attr, val cty.Value, rng hcl.Range) (string, hcl.Diagnostics) {
	v, err := convert.Convert(val, cty.String)
	if err != nil {
		return "", typeMismatch(a, rng, err)
	}
	return v.AsString(), nil
}

func asNumber(a pipeline.Attr, val cty.Value, rng hcl.Range) (float64, hcl.Diagnostics) {
	v, err := convert.Convert(val, cty.Number)
	if err != nil {
		return 0, typeMismatch(a, rng, err)
	}
	f, _ := v.AsBigFloat().Float64()
	if math.IsInf(f, 0) {
		return 0, tooLarge(a, rng)
	}
	return f, nil
}

func asInt(a pipeline.Attr, val cty.Value, rng hcl.Range) (int, hcl.Diagnostics) {
	v, err := convert.Convert(val, cty.Number)
	if err != nil {
		return 0, typeMismatch(a, rng, err)
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Whole number required",
			Detail: fmt.Sprintf("The value of %s must be a whole number; %s has a fractional part. "+
				"Round it, for example to %s.", a.Name, bf.Text('g', 10), roundText(bf)),
			Subject: rng.Ptr(),
		}}
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i < math.MinInt || i > math.MaxInt {
		return 0, tooLarge(a, rng)
	}
	return int(i), nil
}

// roundText renders bf rounded to the nearest integer.
func roundText(bf *big.Float) string {
	f, _ := bf.Float64()
	return strconv.FormatFloat(math.Round(f), 'f', -1, 64)
}

func asDuration(a pipeline.Attr, val cty.Value, rng hcl.Range) (time.Duration, hcl.Diagnostics) {
	if val.Type() == cty.Number {
		// A bare number has no unit. Guessing seconds would hide mistakes
		// like 500 meaning milliseconds, so ask for the unit instead.
		n := val.AsBigFloat().Text('g', 10)
		unit := "seconds"
		if n == "1" {
			unit = "second"
		}
		return 0, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid duration",
			Detail: fmt.Sprintf("The value of %s is a duration: a string with a unit, such as "+
				"\"250ms\", \"5s\" or \"2m\". A bare number has no unit; write \"%ss\" for %s %s.",
				a.Name, n, n, unit),
			Subject: rng.Ptr(),
		}}
	}
	s, diags := asString(a, val, rng)
	if diags.HasErrors() {
		return 0, diags
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		hint := ""
		if n := strings.TrimSpace(s); n != "" {
			if _, nerr := strconv.ParseFloat(n, 64); nerr == nil {
				hint = fmt.Sprintf(" %q has no unit; write \"%ss\" for seconds.", s, n)
			} else if d2, derr := time.ParseDuration(strings.Join(strings.Fields(n), "")); derr == nil {
				hint = fmt.Sprintf(" Leave out the spaces: %q.", d2.String())
			}
		}
		return 0, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid duration",
			Detail: fmt.Sprintf("The value of %s, %q, is not a duration. Write a number with a "+
				"unit (ms, s, m or h), such as \"250ms\", \"5s\" or \"1m30s\".%s", a.Name, s, hint),
			Subject: rng.Ptr(),
		}}
	}
	return d, nil
}

func asSize(a pipeline.Attr, val cty.Value, rng hcl.Range) (int64, hcl.Diagnostics) {
	invalid := func(why string) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid size",
			Detail: fmt.Sprintf("The value of %s %s. Write a number of bytes, or a string with "+
				"a unit such as \"64KiB\", \"16MiB\" or \"1.5MB\".", a.Name, why),
			Subject: rng.Ptr(),
		}}
	}
	if val.Type() == cty.Number {
		bf := val.AsBigFloat()
		switch {
		case bf.Sign() < 0:
			return 0, invalid(fmt.Sprintf("cannot be negative, as %s is", bf.Text('g', 10)))
		case !bf.IsInt():
			return 0, invalid(fmt.Sprintf("must be a whole number of bytes, not %s", bf.Text('g', 10)))
		}
		i, acc := bf.Int64()
		if acc != big.Exact {
			return 0, tooLarge(a, rng)
		}
		return i, nil
	}
	s, diags := asString(a, val, rng)
	if diags.HasErrors() {
		return 0, diags
	}
	n, err := pipeline.ParseSize(s)
	switch {
	case errors.Is(err, pipeline.ErrSizeTooLarge):
		return 0, tooLarge(a, rng)
	case errors.Is(err, pipeline.ErrSizeFraction):
		return 0, invalid(fmt.Sprintf("is %q, which is not a whole number of bytes", s))
	case err != nil:
		return 0, invalid(fmt.Sprintf("is %q, which is not a size", s))
	}
	return n, nil
}

// goValue converts a value of any type to plain Go values, as JSON decoding
// would: string, float64, bool, []any, map[string]any or nil.
func goValue(v cty.Value) any {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case ty == cty.Bool:
		return v.True()
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, goValue(e))
		}
		return out
	case ty.IsMapType() || ty.IsObjectType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = goValue(e)
		}
		return out
	}
	return nil
}

// typeMismatch reports a value that cannot be converted to a's type.
func typeMismatch(a pipeline.Attr, rng hcl.Range, err error) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Incorrect attribute value type",
		Detail: fmt.Sprintf("Inappropriate value for attribute %q: %s. Write %s %s, such as %s = %s.",
			a.Name, err, article(a.Type.String()), a.Type, a.Name, exampleValue(a)),
		Subject: rng.Ptr(),
	}}
}

// article returns the indefinite article for a word: "an integer", "a
// size".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// tooLarge reports a value that does not fit the Go type of a, either
// way from 0, with a's range when it has one.
func tooLarge(a pipeline.Attr, rng hcl.Range) hcl.Diagnostics {
	if iv, err := pipeline.ParseInterval(a.Range); a.Range != "" && err == nil {
		want := iv.Describe(boundFormat(a.Type))
		return outOfRange(a, rng, fmt.Sprintf("The value of %s must be %s, but it is far beyond "+
			"any value it can hold. Change it to a value %s.", a.Name, want, want))
	}
	return outOfRange(a, rng, fmt.Sprintf("The value of %s is far beyond any value it can hold; "+
		"use one closer to 0.", a.Name))
}

// boundFormat is how Interval.Describe renders the bounds of a range of
// type t: nil for plain numbers.
func boundFormat(t pipeline.Type) func(float64) string {
	switch t {
	case pipeline.TypeDuration:
		return pipeline.DurationString
	case pipeline.TypeSize:
		return sizeBound
	}
	return nil
}

func outOfRange(a pipeline.Attr, rng hcl.Range, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Value out of range",
		Detail:   detail,
		Subject:  rng.Ptr(),
	}}
}

// checkRange checks v against a.Range. shown is v as the user would write
// it; unit formats the interval's bounds.
func checkRange(
	a pipeline.Attr,
	v float64,
	shown string,
	unit func(float64) string,
	rng hcl.Range,
) hcl.Diagnostics {
	if a.Range == "" {
		return nil
	}
	iv, err := pipeline.ParseInterval(a.Range)
	if err != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid attribute specification",
			Detail: fmt.Sprintf("The stage declares an invalid range for %s (%v). This is a bug "+
				"in the stage; report it to its maintainers.", a.Name, err),
			Subject: rng.Ptr(),
		}}
	}
	if iv.Contains(v) {
		return nil
	}
	want := iv.Describe(unit)
	return outOfRange(a, rng, fmt.Sprintf("The value of %s must be %s, but it is %s. "+
		"Change it to a value %s.", a.Name, want, shown, want))
}

// checkOneOf checks s against a.OneOf.
func checkOneOf(a pipeline.Attr, s string, rng hcl.Range) hcl.Diagnostics {
	if len(a.OneOf) == 0 || slices.Contains(a.OneOf, s) {
		return nil
	}
	fix := suggest.DidYouMean(s, a.OneOf)
	if fix == "" {
		fix = " Use one of those values."
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Unsupported value",
		Detail: fmt.Sprintf("The value of %s must be %s; %q is not one of them.%s",
			a.Name, quoteList(a.OneOf), s, fix),
		Subject: rng.Ptr(),
	}}
}

// sizeString renders a byte count the way a user would write it: "16MiB"
// for exact binary multiples, else "1000B".
func sizeString(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{60, "EiB"}, {50, "PiB"}, {40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%dB", n)
}

// sizeBound formats an interval bound in bytes, for Interval.Describe.
func sizeBound(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < math.MaxInt64 {
		return sizeString(int64(v))
	}
	return strconv.FormatFloat(v, 'g', -1, 64) + "B"
}

// exampleValue renders a's default, or a typical value of its type, as
// HCL, for details that show how to write the attribute.
func exampleValue(a pipeline.Attr) string {
	if a.Default != nil {
		if s, ok := literal(a.Default, a.Type); ok {
			return s
		}
	}
	if len(a.OneOf) > 0 {
		return strconv.Quote(a.OneOf[0])
	}
	switch a.Type {
	case pipeline.TypeNumber:
		return "30"
	case pipeline.TypeInt:
		return "10"
	case pipeline.TypeBool:
		return "true"
	case pipeline.TypeDuration:
		return `"5s"`
	case pipeline.TypeSize:
		return `"16MiB"`
	case pipeline.TypeStringList:
		return `["a", "b"]`
	case pipeline.TypePath:
		return `"path/to/file"`
	}
	return `"text"`
}

// literal renders a decoded Go value of type t as HCL source. It reports
// false for values it cannot render (a stage's default of the wrong Go
// type).
func literal(v any, t pipeline.Type) (string, bool) {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Duration:
		return strconv.Quote(x.String()), true
	case int64:
		if t == pipeline.TypeSize {
			return strconv.Quote(sizeString(x)), true
		}
		return strconv.FormatInt(x, 10), true
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]", true
	}
	return "", false
}
