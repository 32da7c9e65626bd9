package hcl

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/streampipe/streampipe/pipeline"
)

func TestDecodeValue(t *testing.T) {
	dur := pipeline.Attr{Name: "d", Type: pipeline.TypeDuration, Range: "[0,3600]"}
	size := pipeline.Attr{Name: "s", Type: pipeline.TypeSize, Range: "[1024,]"}
	integer := pipeline.Attr{Name: "i", Type: pipeline.TypeInt}
	for _, tc := range []struct {
		name    string
		attr    pipeline.Attr
		expr    string
		want    any
		summary string // of the error, when one is expected
	}{
		{name: "duration", attr: dur, expr: `"1m30s"`, want: 90 * time.Second},
		{name: "duration zero", attr: dur, expr: `"0s"`, want: time.Duration(0)},
		{name: "duration bare number", attr: dur, expr: `5`, summary: "Invalid duration"},
		{name: "duration without unit", attr: dur, expr: `"5"`, summary: "Invalid duration"},
		{name: "duration out of range in seconds", attr: dur, expr: `"61m"`, summary: "Value out of range"},
		{name: "duration overflow", attr: dur, expr: `"99999999999h"`, summary: "Invalid duration"},
		{name: "duration of wrong type", attr: dur, expr: `["1s"]`, summary: "Incorrect attribute value type"},
		{name: "size binary unit", attr: size, expr: `"64KiB"`, want: int64(64 << 10)},
		{name: "size decimal unit", attr: size, expr: `"1.5MB"`, want: int64(1_500_000)},
		// As the reference says: units are case-insensitive, and K is
		// decimal where KiB is binary.
		{name: "size decimal K", attr: size, expr: `"4K"`, want: int64(4000)},
		{name: "size lower-case k", attr: size, expr: `"4k"`, want: int64(4000)},
		{name: "size KB", attr: size, expr: `"4KB"`, want: int64(4000)},
		{name: "size lower-case kib", attr: size, expr: `"4kib"`, want: int64(4096)},
		{name: "size upper-case MIB", attr: size, expr: `"2MIB"`, want: int64(2 << 20)},
		{name: "size bare bytes", attr: size, expr: `2048`, want: int64(2048)},
		{name: "size string of bytes", attr: size, expr: `"4096"`, want: int64(4096)},
		{name: "size out of range in bytes", attr: size, expr: `"1KB"`, summary: "Value out of range"},
		{name: "size fractional bytes", attr: size, expr: `2048.5`, summary: "Invalid size"},
		{name: "size string of fractional bytes", attr: size, expr: `"2048.5"`, summary: "Invalid size"},
		{name: "size fractional B", attr: size, expr: `"2000.7B"`, summary: "Invalid size"},
		{name: "size fraction of a KiB in bytes", attr: size, expr: `"2.0001KiB"`, summary: "Invalid size"},
		{name: "size fraction of a KiB", attr: size, expr: `"1.5KiB"`, want: int64(1536)},
		{name: "size decimal fraction", attr: size, expr: `"1.1KB"`, want: int64(1100)},
		{name: "size whole with point", attr: size, expr: `"2048.0"`, want: int64(2048)},
		{name: "size negative", attr: size, expr: `-1`, summary: "Invalid size"},
		{name: "size unknown unit", attr: size, expr: `"3 parsecs"`, summary: "Invalid size"},
		{name: "size too large", attr: size, expr: `"20EiB"`, summary: "Value out of range"},
		{name: "size too large bare", attr: size, expr: `1e30`, summary: "Value out of range"},
		{name: "integer", attr: integer, expr: `42`, want: 42},
		{name: "integer from string", attr: integer, expr: `"42"`, want: 42},
		{name: "integer fraction", attr: integer, expr: `4.2`, summary: "Whole number required"},
		{name: "integer too large", attr: integer, expr: `1e40`, summary: "Value out of range"},
		{name: "number too large", attr: pipeline.Attr{Name: "n", Type: pipeline.TypeNumber}, expr: `1e400`, summary: "Value out of range"},
		{name: "number", attr: pipeline.Attr{Name: "n", Type: pipeline.TypeNumber, Range: "(0,]"}, expr: `0.25`, want: 0.25},
		{name: "bool from string", attr: pipeline.Attr{Name: "b", Type: pipeline.TypeBool}, expr: `"true"`, want: true},
		{
			name: "string list converts numbers",
			attr: pipeline.Attr{Name: "l", Type: pipeline.TypeStringList}, expr: `["a", 1]`, want: []string{"a", "1"},
		},
		{name: "string list with null", attr: pipeline.Attr{Name: "l", Type: pipeline.TypeStringList}, expr: `["a", null]`, summary: "Null list element"},
		{
			name: "string list checks allowed values",
			attr: pipeline.Attr{Name: "l", Type: pipeline.TypeStringList, OneOf: []string{"x"}}, expr: `["x", "y"]`, summary: "Unsupported value",
		},
		{name: "path relative", attr: pipeline.Attr{Name: "p", Type: pipeline.TypePath}, expr: `"a/b"`, want: "/base/a/b"},
		{name: "path empty", attr: pipeline.Attr{Name: "p", Type: pipeline.TypePath}, expr: `""`, want: ""},
		{
			name: "any",
			attr: pipeline.Attr{Name: "x", Type: pipeline.TypeAny},
			expr: `{a = [1, "b", true, null]}`,
			want: map[string]any{"a": []any{1.0, "b", true, nil}},
		},
		{name: "unknown type", attr: pipeline.Attr{Name: "x", Type: pipeline.Type(99)}, expr: `1`, summary: "Unsupported attribute type"},
		{name: "bad interval in spec", attr: pipeline.Attr{Name: "x", Type: pipeline.TypeInt, Range: "0..1"}, expr: `1`, summary: "Invalid attribute specification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tc.expr), "test.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			val, diags := expr.Value(nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got, diags := decodeValue(tc.attr, val, expr.Range(), "/base")
			if tc.summary != "" {
				if !diags.HasErrors() || diags[0].Summary != tc.summary {
					t.Fatalf("diagnostics = %v, want %q", diags, tc.summary)
				}
				if diags[0].Subject == nil || diags[0].Detail == "" {
					t.Errorf("diagnostic %v lacks a place or a detail", diags[0])
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0B"}, {1000, "1000B"}, {1024, "1KiB"}, {1536, "1536B"}, {16 << 20, "16MiB"}, {3 << 30, "3GiB"},
		{math.MaxInt64, "9223372036854775807B"},
	} {
		if got := sizeString(tc.n); got != tc.want {
			t.Errorf("sizeString(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestBoundedFormat(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want string // "" when an error is expected
	}{
		{`format("%5d|%-4s|%.2f", 7, "ab", 3.14159)`, "    7|ab  |3.14"},
		{`format("100%%")`, "100%"},
		{`format("%999999999d", 1)`, ""},
		{`format("%.99999f", 1)`, ""},
		{`formatlist("%99999999s", ["a"])`, ""},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tc.expr), "test.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			val, diags := expr.Value(constantContext())
			if tc.want == "" {
				if !diags.HasErrors() {
					t.Fatalf("got %#v, want an error", val)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := val.AsString(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBareNumberDurationHint(t *testing.T) {
	dur := pipeline.Attr{Name: "d", Type: pipeline.TypeDuration}
	for expr, want := range map[string]string{
		"1":     `write "1s" for 1 second.`,
		"2":     `write "2s" for 2 seconds.`,
		"0.5":   `write "0.5s" for 0.5 seconds.`,
		`"1"`:   `"1" has no unit; write "1s" for seconds.`,
		`"5 s"`: `Leave out the spaces: "5s".`,
	} {
		e, _ := hclsyntax.ParseExpression([]byte(expr), "test.hcl", hcl.InitialPos)
		val, _ := e.Value(nil)
		_, diags := decodeValue(dur, val, e.Range(), "/base")
		if !diags.HasErrors() || !strings.HasSuffix(diags[0].Detail, want) {
			t.Errorf("%s: diagnostics %v, want a detail ending %q", expr, diags, want)
		}
	}
}
