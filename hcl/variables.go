package hcl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// variable is a declared input variable.
type variable struct {
	name        string
	typ         cty.Type // cty.DynamicPseudoType when the block gives no type
	def         cty.Value
	hasDefault  bool
	description string
	defRange    hcl.Range

	value    cty.Value
	hasValue bool
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "default"},
		{Name: "type"},
		{Name: "description"},
	},
}

// constantContext evaluates expressions that may call functions but not
// refer to variables: defaults, -var values and variable files.
func constantContext() *hcl.EvalContext {
	return &hcl.EvalContext{Functions: functions()}
}

// decodeVariable records a variable block.
func (l *loader) decodeVariable(b *hcl.Block) hcl.Diagnostics {
	var diags hcl.Diagnostics
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		diags = diags.Append(invalidName("variable", name, b.LabelRanges[0]))
	}
	if prev, dup := l.varIndex[name]; dup {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate variable",
			Detail: fmt.Sprintf("A variable named %q was first declared at %s. Variable names "+
				"must be unique; remove or rename one of them.", name, where(prev.defRange)),
			Subject: b.LabelRanges[0].Ptr(),
		})
		return diags
	}

	v := &variable{name: name, typ: cty.DynamicPseudoType, defRange: b.DefRange}
	l.varIndex[name] = v
	l.vars = append(l.vars, v)

	content, d := b.Body.Content(variableSchema)
	diags = diags.Extend(d)
	if a, ok := content.Attributes["type"]; ok {
		ty, d := typeexpr.TypeConstraint(a.Expr)
		diags = diags.Extend(d)
		if !d.HasErrors() {
			v.typ = ty
		}
	}
	if a, ok := content.Attributes["description"]; ok {
		val, d := a.Expr.Value(constantContext())
		diags = diags.Extend(d)
		if !d.HasErrors() {
			s, err := convert.Convert(val, cty.String)
			if err != nil || s.IsNull() {
				diags = diags.Append(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid variable description",
					Detail: "The description of a variable must be a string, such as " +
						"description = \"The clip to stream.\".",
					Subject: a.Expr.Range().Ptr(),
				})
			} else {
				v.description = s.AsString()
			}
		}
	}
	if a, ok := content.Attributes["default"]; ok {
		val, d := a.Expr.Value(constantContext())
		diags = diags.Extend(d)
		if !d.HasErrors() {
			conv, d := v.convert(val, a.Expr.Range(), "default")
			diags = diags.Extend(d)
			switch {
			case d.HasErrors():
				v.invalid()
			case !conv.IsNull():
				v.def, v.hasDefault = conv, true
				v.value, v.hasValue = conv, true
			}
		} else {
			v.invalid()
		}
	}
	return diags
}

// invalid records that a value given for v was wrong. The value becomes
// unknown, which silences both "Missing variable value" and errors in the
// expressions that refer to v: the one error already reported is the one
// to fix. A later valid value still replaces it.
func (v *variable) invalid() {
	v.value, v.hasValue = cty.UnknownVal(v.typ), true
}

// convert converts val to the variable's type. from names where the value
// came from, for the detail.
func (v *variable) convert(val cty.Value, rng hcl.Range, from string) (cty.Value, hcl.Diagnostics) {
	conv, err := convert.Convert(val, v.typ)
	if err == nil {
		return conv, nil
	}
	return cty.DynamicVal, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid value for variable",
		Detail: fmt.Sprintf("Variable %q has type %s, and its %s does not fit: %s. Give a value "+
			"of type %s.", v.name, typeexpr.TypeString(v.typ), from, err, typeexpr.TypeString(v.typ)),
		Subject: rng.Ptr(),
	}}
}

// resolveVariables assigns each variable its value, lowest precedence
// first: default, environment, variable files, -var flags. It then builds
// the evaluation context of the pipelines.
func (l *loader) resolveVariables() hcl.Diagnostics {
	var diags hcl.Diagnostics

	// Environment: STREAMPIPE_VAR_<name>. Undeclared names are ignored, as
	// the environment is shared with everything else the user runs.
	for _, kv := range l.opts.Environ {
		key, raw, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(key, envPrefix) {
			continue
		}
		if v, ok := l.varIndex[strings.TrimPrefix(key, envPrefix)]; ok {
			diags = diags.Extend(l.setRaw(v, raw, "environment variable "+key,
				fmt.Sprintf("<value for var.%s from env %s>", v.name, key)))
		}
	}

	for _, path := range l.opts.VarFiles {
		diags = diags.Extend(l.readVarFile(path))
	}

	for _, flag := range l.opts.Vars {
		name, raw, ok := strings.Cut(flag, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -var option",
				Detail: fmt.Sprintf("The option -var %q is not of the form name=value. Write "+
					"the variable's name, an equals sign and the value, such as -var video=clip.mp4.", flag),
			})
			continue
		}
		v, ok := l.varIndex[name]
		if !ok {
			diags = diags.Append(l.undeclared(name, "-var option", nil))
			continue
		}
		filename := fmt.Sprintf("<value for var.%s from -var>", name)
		diags = diags.Extend(l.setRaw(v, raw, "-var option", filename))
	}

	vals := map[string]cty.Value{}
	for _, v := range l.vars {
		if !v.hasValue {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing variable value",
				Detail: fmt.Sprintf("Variable %q has no default and no value was given. Set it "+
					"with -var %s=..., in a -var-file, or with the environment variable %s%s, "+
					"or give the variable a default.", v.name, v.name, envPrefix, v.name),
				Subject: v.defRange.Ptr(),
			})
			// An unknown value keeps references to the variable from
			// reporting the same problem again.
			v.value = cty.UnknownVal(v.typ)
		}
		vals[v.name] = v.value
	}
	l.ctx = &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vals)},
		Functions: functions(),
	}
	return diags
}

// setRaw sets v from a string given outside the file (a -var flag or the
// environment). Strings and untyped variables take it literally; other
// types parse it as an HCL expression under filename, so that errors in it
// are reported with a snippet.
func (l *loader) setRaw(v *variable, raw, from, filename string) hcl.Diagnostics {
	if v.typ == cty.String || v.typ == cty.DynamicPseudoType {
		v.value, v.hasValue = cty.StringVal(raw), true
		return nil
	}
	src := []byte(raw)
	desc := fmt.Sprintf("value the %s gives variable %q", from, v.name)
	if d := checkSource(filename, "value", desc, src, false); d.HasErrors() {
		v.invalid()
		return d
	}
	l.synthetic[filename] = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
	expr, diags := hclsyntax.ParseExpression(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		v.invalid()
		return diags
	}
	val, diags := expr.Value(constantContext())
	if diags.HasErrors() {
		// Most often a bare word, such as fps=fast, which HCL reads as
		// a reference.
		v.invalid()
		typ := typeexpr.TypeString(v.typ)
		why := diags[0].Detail
		if _, d := hcl.AbsTraversalForExpr(expr); !d.HasErrors() {
			why = "a bare word is read as a reference, not as a value."
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail: fmt.Sprintf("The %s gives variable %q the value %q. Because the variable's "+
				"type is %s, the value is read as an HCL expression, and %s Give a value of type "+
				"%s, quoting any strings inside it.", from, v.name, raw, typ, lowerFirst(why), typ),
			Subject: expr.Range().Ptr(),
		}}
	}
	conv, d := v.convert(val, expr.Range(), "value from the "+from)
	if d.HasErrors() {
		v.invalid()
		return d
	}
	if !conv.IsNull() {
		v.value, v.hasValue = conv, true
	}
	return nil
}

// readVarFile applies a -var-file.
func (l *loader) readVarFile(path string) hcl.Diagnostics {
	file, diags := l.parseFile(path, "variables file", "Cannot read variables file")
	if file == nil || diags.HasErrors() {
		return diags
	}
	attrs, d := file.Body.JustAttributes()
	diags = diags.Extend(d)

	// JustAttributes returns a map; apply in file order so that the
	// diagnostics come out the same every time.
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *hcl.Attribute) int {
		return a.Range.Start.Byte - b.Range.Start.Byte
	})
	for _, a := range list {
		v, ok := l.varIndex[a.Name]
		if !ok {
			diags = diags.Append(l.undeclared(a.Name, "-var-file", a.NameRange.Ptr()))
			continue
		}
		val, d := a.Expr.Value(constantContext())
		diags = diags.Extend(d)
		if d.HasErrors() {
			v.invalid()
			continue
		}
		conv, d := v.convert(val, a.Expr.Range(), "value in the -var-file "+path)
		diags = diags.Extend(d)
		switch {
		case d.HasErrors():
			v.invalid()
		case !conv.IsNull():
			v.value, v.hasValue = conv, true
		}
	}
	return diags
}

// undeclared reports a value given for a variable the file does not
// declare.
func (l *loader) undeclared(name, from string, subject *hcl.Range) *hcl.Diagnostic {
	names := make([]string, len(l.vars))
	for i, v := range l.vars {
		names[i] = v.name
	}
	fix := suggest.DidYouMean(name, names)
	if fix == "" {
		fix = fmt.Sprintf(" Declare it with a variable %q {} block in %s, or remove the value.", name, l.path)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Undeclared variable",
		Detail: fmt.Sprintf("A %s sets variable %q, but %s declares no such variable.%s",
			from, name, l.path, fix),
		Subject: subject,
	}
}

// invalidName reports a label that is not an identifier.
func invalidName(what, name string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", what),
		Detail: fmt.Sprintf("A %s name must start with a letter or underscore and hold only "+
			"letters, digits, underscores and dashes; %q does not. Rename it, for example to %q.",
			what, name, identifierLike(name)),
		Subject: rng.Ptr(),
	}
}

// identifierLike turns s into a valid identifier, for suggestions.
func identifierLike(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') ||
			('A' <= r && r <= 'Z'):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	out := b.String()
	if out == "" || !hclsyntax.ValidIdentifier(out) {
		out = "x" + out
	}
	if !hclsyntax.ValidIdentifier(out) {
		return "name"
	}
	return out
}

// eval evaluates an expression of a pipeline block. References to
// undeclared variables are reported first, with a suggestion, instead of
// hcl's generic message about a missing object attribute.
func (l *loader) eval(expr hcl.Expression) (cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	for _, tr := range expr.Variables() {
		if tr.RootName() != "var" || len(tr) < 2 {
			continue
		}
		step, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if _, declared := l.varIndex[step.Name]; declared {
			continue
		}
		names := make([]string, len(l.vars))
		for i, v := range l.vars {
			names[i] = v.name
		}
		fix := suggest.DidYouMean(step.Name, names)
		if fix == "" {
			fix = fmt.Sprintf(" Declare it with a variable %q {} block, or correct the name.", step.Name)
		}
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared variable",
			Detail:   fmt.Sprintf("There is no variable named %q.%s", step.Name, fix),
			Subject:  hcl.RangeBetween(tr[0].SourceRange(), tr[1].SourceRange()).Ptr(),
		})
	}
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	return expr.Value(l.ctx)
}

// lowerFirst lowers the first letter of a sentence that is embedded in
// another.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
