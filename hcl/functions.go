package hcl

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions returns the functions expressions may call. The set is small on
// purpose: string and list helpers for building commands and paths, and
// nothing that reads files or the environment (variables do that).
func functions() map[string]function.Function {
	return map[string]function.Function{
		"abs":        stdlib.AbsoluteFunc,
		"ceil":       stdlib.CeilFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"floor":      stdlib.FloorFunc,
		"format":     boundedFormat(stdlib.FormatFunc),
		"formatlist": boundedFormat(stdlib.FormatListFunc),
		"join":       stdlib.JoinFunc,
		"length":     stdlib.LengthFunc,
		"lower":      stdlib.LowerFunc,
		"max":        stdlib.MaxFunc,
		"min":        stdlib.MinFunc,
		"parseint":   stdlib.ParseIntFunc,
		"replace":    stdlib.ReplaceFunc,
		"split":      stdlib.SplitFunc,
		"substr":     stdlib.SubstrFunc,
		"title":      stdlib.TitleFunc,
		"tobool":     stdlib.MakeToFunc(cty.Bool),
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"tostring":   stdlib.MakeToFunc(cty.String),
		"trimspace":  stdlib.TrimSpaceFunc,
		"upper":      stdlib.UpperFunc,
	}
}

// FunctionNames returns the names of the functions expressions may call,
// sorted.
func FunctionNames() []string {
	names := make([]string, 0, len(functions()))
	for n := range functions() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// maxFormatWidth bounds the width and precision of format verbs.
const maxFormatWidth = 1000

// formatWidth finds the widths and precisions of verbs like %9.2f; a
// literal %% matches the first alternative and so is skipped.
var formatWidth = regexp.MustCompile(`%%|%[-+# 0]*(\d*)(?:\.(\d*))?`)

// boundedFormat wraps format or formatlist so that a verb such as
// %999999999d cannot make a configuration file allocate gigabytes.
func boundedFormat(f function.Function) function.Function {
	spec := &function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			if err := checkFormatWidths(args); err != nil {
				return cty.NilVal, err
			}
			return f.Call(args)
		},
	}
	return function.New(spec)
}

// checkFormatWidths rejects a format string (the first argument) with a
// width or precision above maxFormatWidth.
func checkFormatWidths(args []cty.Value) error {
	if len(args) == 0 || !args[0].IsKnown() || args[0].IsNull() || args[0].Type() != cty.String {
		return nil
	}
	for _, m := range formatWidth.FindAllStringSubmatch(args[0].AsString(), -1) {
		for _, n := range m[1:] {
			if n == "" {
				continue
			}
			if w, err := strconv.Atoi(n); err != nil || w > maxFormatWidth {
				return function.NewArgErrorf(0, "width and precision must be at most %d, got %s",
					maxFormatWidth, n)
			}
		}
	}
	return nil
}

// funcList renders the function names for the reference.
func funcList() string {
	s := ""
	for i, n := range FunctionNames() {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("`%s`", n)
	}
	return s
}
