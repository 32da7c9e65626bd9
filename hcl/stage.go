package hcl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/streampipe/streampipe/internal/suggest"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// familyBlock describes a stage block type inside a pipeline block.
type familyBlock struct {
	family pipeline.Family
	// labels names the block's labels: "kind" selects the registered kind,
	// "name" names the stage.
	labels []string
	// rank orders the families: the capture first, sinks last.
	rank int
}

const (
	rankCapture = iota
	rankMiddle
	rankSink
)

// familyBlocks lists the stage blocks a pipeline may hold.
var familyBlocks = []familyBlock{
	{family: pipeline.FamilyCapture, labels: []string{"kind"}, rank: rankCapture},
	{family: pipeline.FamilyBuffer, rank: rankMiddle},
	{family: pipeline.FamilyQuality, rank: rankMiddle},
	{family: pipeline.FamilyBatch, rank: rankMiddle},
	{family: pipeline.FamilyStage, labels: []string{"kind", "name"}, rank: rankMiddle},
	{family: pipeline.FamilySink, labels: []string{"kind"}, rank: rankSink},
}

func familyOf(typ string) (familyBlock, bool) {
	for _, f := range familyBlocks {
		if string(f.family) == typ {
			return f, true
		}
	}
	return familyBlock{}, false
}

// nameAttr is the meta attribute every stage block accepts. The loader
// handles it; stage kinds never see it.
var nameAttr = pipeline.Attr{
	Name: "name",
	Type: pipeline.TypeString,
	Doc: "Names the stage in logs, metrics and errors; an identifier unique within the " +
		"pipeline. Defaults to the block type (capture, buffer, quality, batch), the " +
		"sink's kind, or the second label of a stage block.",
}

// How a stage got its name.
const (
	nameDefault = iota
	nameLabel
	nameAttribute
)

// stageDecl is one stage of a pipeline, declared in the file or added by
// default.
type stageDecl struct {
	fam      familyBlock
	kindName string
	kind     *pipeline.Kind // nil when the kind is unknown
	// defRange is the block's header, or the pipeline's for a stage added
	// by default.
	defRange hcl.Range
	implicit bool

	name      string
	nameRange hcl.Range
	nameFrom  int
	// nameUnknown is set when the name attribute could not be evaluated;
	// the error is reported already, so the name is not checked.
	nameUnknown bool

	// duplicate marks a second capture, quality or batch block.
	duplicate bool

	cfg *pipeline.Config
	// ok is true when the block decoded without errors, every value is
	// known and its kind's Check passed, so that its factory may be
	// called.
	ok bool
}

// describe renders the block header, such as `capture "exec"`, for
// details.
func (d *stageDecl) describe() string {
	s := string(d.fam.family)
	if d.kindName != "" {
		s += " " + strconv.Quote(d.kindName)
	}
	if d.fam.family == pipeline.FamilyStage {
		s += " " + strconv.Quote(d.name)
	}
	return s
}

// decodeStage decodes a stage block against the spec of its kind.
func (l *loader) decodeStage(b *hcl.Block) (*stageDecl, hcl.Diagnostics) {
	fam, _ := familyOf(b.Type)
	d := &stageDecl{fam: fam, defRange: b.DefRange, name: string(fam.family), nameRange: b.DefRange}
	if len(fam.labels) > 0 {
		d.kindName = b.Labels[0]
	}
	switch fam.family {
	case pipeline.FamilySink:
		d.name = d.kindName
	case pipeline.FamilyStage:
		d.name, d.nameRange, d.nameFrom = b.Labels[1], b.LabelRanges[1], nameLabel
	}

	var diags hcl.Diagnostics
	if d.nameFrom == nameLabel && !hclsyntax.ValidIdentifier(d.name) {
		diags = diags.Append(invalidName("stage", d.name, d.nameRange))
	}

	kind, ok := l.reg.Lookup(fam.family, d.kindName)
	if !ok {
		if unknown := l.unknownKind(b, fam); unknown != nil {
			diags = diags.Append(unknown)
		}
		// Still read the name, so that the pipeline's other checks do not
		// report follow-on errors.
		nameOnly := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: nameAttr.Name}}}
		content, _, _ := b.Body.PartialContent(nameOnly)
		diags = diags.Extend(l.stageName(d, content.Attributes))
		return d, diags
	}
	d.kind = kind
	if kind.Stability == pipeline.StabilityDeprecated {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Deprecated stage kind",
			Detail: fmt.Sprintf("The %s kind is deprecated and may be removed in a future "+
				"version. Move to another kind; `streampipe stages` lists them.", d.describe()),
			Subject: kindRange(b).Ptr(),
		})
	}

	spec := resolveSpec(kind.Spec, l.dir)
	if _, clash := spec.Attr(nameAttr.Name); clash {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid stage kind",
			Detail: fmt.Sprintf("The %s kind declares an attribute called %q, which is reserved "+
				"for the stage's name. This is a bug in the stage kind; report it to its "+
				"maintainers.",
				d.describe(), nameAttr.Name),
			Subject: b.DefRange.Ptr(),
		})
		return d, diags
	}
	content, d2 := b.Body.Content(specSchema(spec, []string{nameAttr.Name}, nil))
	diags = diags.Extend(d2)
	d.cfg = pipeline.NewConfig(spec, b.Labels...)
	d.cfg.DefRange = toPipelineRange(b.DefRange)
	unknowns := l.unknowns
	diags = diags.Extend(l.decodeContent(content, d.cfg, b.DefRange, d.describe()))
	diags = diags.Extend(l.stageName(d, content.Attributes))
	d.ok = !diags.HasErrors() && l.unknowns == unknowns

	// What the kind checks without the stream, it checks here, for every
	// block: the factory may never be called when a stage before this one
	// fails (see build). A block with errors is checked too, so that its
	// other mistakes are reported in the same run; see decodedOnly.
	if kind.Check != nil {
		err := kind.Check(d.cfg)
		if !d.ok {
			err = decodedOnly(err)
		}
		if err != nil {
			diags = diags.Extend(factoryDiagnostics(err, d))
			d.ok = false
		}
	}
	return d, diags
}

// decodedOnly keeps the errors of a Check on a block that had errors of
// its own that are about an attribute the file sets and that decoded.
// An attribute that failed holds its default, so an error about it, about
// the block as a whole or about a nested block would be a guess that the
// fix of the first error may make wrong.
func decodedOnly(err error) error {
	var keep []error
	for _, e := range leafErrors(err) {
		ce, ok := errors.AsType[*pipeline.ConfigError](e)
		if ok && ce.Config != nil && ce.Attr != "" && ce.Config.IsSet(ce.Attr) {
			keep = append(keep, e)
		}
	}
	return errors.Join(keep...)
}

// kindRange is where a block names its kind: its first label, or its type.
func kindRange(b *hcl.Block) hcl.Range {
	if len(b.LabelRanges) > 0 {
		return b.LabelRanges[0]
	}
	return b.DefRange
}

// unknownKind reports a stage block whose kind is not registered, or
// returns nil when that is reported already (at a failed plugin block).
func (l *loader) unknownKind(b *hcl.Block, fam familyBlock) *hcl.Diagnostic {
	if fam.family == pipeline.FamilyStage {
		return l.unknownStageKind(b)
	}
	names := l.reg.Names(fam.family)
	if len(fam.labels) == 0 {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Unknown %s kind", fam.family),
			Detail: fmt.Sprintf("This build of streampipe has no %s stage. Remove the block, "+
				"or use a build that includes it.", fam.family),
			Subject: b.DefRange.Ptr(),
		}
	}
	kind := b.Labels[0]
	fix := suggest.DidYouMean(kind, names)
	if fix == "" {
		fix = " Use one of those kinds."
	}
	available := fmt.Sprintf("This build has no %s kinds.", fam.family)
	if len(names) > 0 {
		available = fmt.Sprintf("The %s kinds are %s.", fam.family, quoteAll(names))
	} else {
		fix = ""
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Unknown %s kind", fam.family),
		Detail:   fmt.Sprintf("There is no %s kind %q. %s%s", fam.family, kind, available, fix),
		Subject:  b.LabelRanges[0].Ptr(),
	}
}

// stageName applies the name meta attribute, when given.
func (l *loader) stageName(d *stageDecl, attrs hcl.Attributes) hcl.Diagnostics {
	a, ok := attrs[nameAttr.Name]
	if !ok {
		return nil
	}
	val, diags := l.eval(a.Expr)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		d.nameUnknown = true
		l.unknowns++
		return diags
	}
	if val.IsNull() {
		return nil
	}
	s, err := convert.Convert(val, cty.String)
	if err != nil {
		d.nameUnknown = true
		return typeMismatch(nameAttr, a.Expr.Range(), err)
	}
	d.name, d.nameRange, d.nameFrom = s.AsString(), a.Expr.Range(), nameAttribute
	if !hclsyntax.ValidIdentifier(d.name) {
		return hcl.Diagnostics{invalidName("stage", d.name, d.nameRange)}
	}
	return nil
}

// specSchema derives the body schema of a block from its spec. meta names
// attributes the loader handles itself; extra adds block types.
func specSchema(spec pipeline.Spec, meta []string, extra []hcl.BlockHeaderSchema) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, m := range meta {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: m})
	}
	// Required attributes are checked by decodeContent, which says more
	// than hcl's own message and points at the block's header.
	for _, a := range spec.Attrs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name})
	}
	for _, b := range spec.Blocks {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: b.Name, LabelNames: b.Labels})
	}
	s.Blocks = append(s.Blocks, extra...)
	return s
}

// decodeContent converts the attributes and nested blocks of content into
// cfg, whose Spec describes them. defRange is the block's header and what
// names the block in details.
func (l *loader) decodeContent(
	content *hcl.BodyContent,
	cfg *pipeline.Config,
	defRange hcl.Range,
	what string,
) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range cfg.Spec.Attrs {
		attr, ok := content.Attributes[a.Name]
		if !ok {
			if a.Required {
				diags = diags.Append(missingAttr(a, defRange, what))
			}
			continue
		}
		val, d := l.eval(attr.Expr)
		diags = diags.Extend(d)
		switch {
		case d.HasErrors():
			continue
		case val.IsNull():
			// null means "not set", as in Terraform.
			if a.Required {
				m := missingAttr(a, attr.Expr.Range(), what)
				m.Detail = fmt.Sprintf("The argument %q of the %s block must be set; null "+
					"leaves it unset. Give it a value, for example %s = %s.",
					a.Name, what, a.Name, exampleValue(a))
				diags = diags.Append(m)
			}
			continue
		case !val.IsWhollyKnown():
			// Only a variable without a valid value makes unknowns, and
			// that is reported already; but the block is incomplete.
			l.unknowns++
			continue
		}
		v, d := decodeValue(a, val, attr.Expr.Range(), l.dir)
		diags = diags.Extend(d)
		if !d.HasErrors() {
			cfg.Set(a.Name, v, toPipelineRange(attr.Expr.Range()))
		}
	}

	for _, bs := range cfg.Spec.Blocks {
		blocks := content.Blocks.OfType(bs.Name)
		diags = diags.Extend(checkBlockCount(bs, blocks, defRange, what))
		seen := map[string]hcl.Range{}
		for _, nb := range blocks {
			if len(nb.Labels) > 0 {
				key := strings.Join(nb.Labels, "\x00")
				rng := hcl.RangeBetween(nb.LabelRanges[0], nb.LabelRanges[len(nb.LabelRanges)-1])
				if first, dup := seen[key]; dup {
					diags = diags.Append(&hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  fmt.Sprintf("Duplicate %s name", bs.Name),
						Detail: fmt.Sprintf("A %s block named %s was first declared at %s. Give each %s "+
							"block of %s a different name, or remove one of them.",
							bs.Name, quoteLabels(nb.Labels), where(first), bs.Name, what),
						Subject: rng.Ptr(),
					})
					continue
				}
				seen[key] = rng
			}
			sub := pipeline.NewConfig(bs.Spec, nb.Labels...)
			sub.DefRange = toPipelineRange(nb.DefRange)
			nc, d := nb.Body.Content(specSchema(bs.Spec, nil, nil))
			diags = diags.Extend(d)
			nested := bs.Name + " " + quoteLabels(nb.Labels)
			diags = diags.Extend(l.decodeContent(nc, sub, nb.DefRange, nested))
			cfg.AddBlock(bs.Name, sub)
		}
	}
	return diags
}

// checkBlockCount checks the number of nested blocks against bs.Min and
// bs.Max.
func checkBlockCount(
	bs pipeline.BlockSpec,
	blocks hcl.Blocks,
	defRange hcl.Range,
	what string,
) hcl.Diagnostics {
	switch {
	case len(blocks) < bs.Min:
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Insufficient %s blocks", bs.Name),
			Detail: fmt.Sprintf("The %s block needs at least %d %s block(s) but has %d. Add %s.",
				what, bs.Min, bs.Name, len(blocks), plural(bs.Min-len(blocks), bs.Name+" block")),
			Subject: defRange.Ptr(),
		}}
	case bs.Max > 0 && len(blocks) > bs.Max:
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Too many %s blocks", bs.Name),
			Detail: fmt.Sprintf("The %s block allows at most %d %s block(s) but has %d. Remove %s.",
				what, bs.Max, bs.Name, len(blocks), plural(len(blocks)-bs.Max, "of them")),
			Subject: blocks[bs.Max].DefRange.Ptr(),
		}}
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "one " + strings.TrimPrefix(what, "of ")
	}
	return fmt.Sprintf("%d %s", n, what)
}

// missingAttr reports a required attribute that is not set.
func missingAttr(a pipeline.Attr, rng hcl.Range, what string) *hcl.Diagnostic {
	doc := ""
	if a.Doc != "" {
		doc = " " + strings.TrimSpace(a.Doc)
		if !strings.HasSuffix(doc, ".") {
			doc += "."
		}
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Missing required argument",
		Detail: fmt.Sprintf("The %s block needs the argument %q (%s).%s Add it, for example %s = %s.",
			what, a.Name, a.Type, doc, a.Name, exampleValue(a)),
		Subject: rng.Ptr(),
	}
}

func quoteLabels(labels []string) string {
	q := make([]string, len(labels))
	for i, s := range labels {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, " ")
}

// resolveSpec returns a copy of spec whose path defaults are absolute,
// resolved against dir like the paths written in the file.
func resolveSpec(spec pipeline.Spec, dir string) pipeline.Spec {
	out := pipeline.Spec{
		Attrs:  make([]pipeline.Attr, len(spec.Attrs)),
		Blocks: make([]pipeline.BlockSpec, len(spec.Blocks)),
	}
	copy(out.Attrs, spec.Attrs)
	for i, a := range out.Attrs {
		if s, ok := a.Default.(string); ok && a.Type == pipeline.TypePath {
			out.Attrs[i].Default = resolvePath(dir, s)
		}
	}
	for i, b := range spec.Blocks {
		b.Spec = resolveSpec(b.Spec, dir)
		out.Blocks[i] = b
	}
	return out
}
