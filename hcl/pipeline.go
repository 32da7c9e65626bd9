package hcl

import (
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/streampipe/streampipe/pipeline"
)

// pipelineMeta holds the pipeline block's own attributes.
var pipelineMeta = pipeline.Spec{Attrs: []pipeline.Attr{{
	Name:    "drain_timeout",
	Type:    pipeline.TypeDuration,
	Default: pipeline.DefaultDrainTimeout,
	Range:   "(0,]",
	Doc: "How long frames already captured may take to reach the sinks once the " +
		"pipeline is asked to stop; what is still in flight afterwards is dropped.",
}}}

// pipelineDecl is a decoded pipeline block.
type pipelineDecl struct {
	name     string
	defRange hcl.Range
	meta     *pipeline.Config
	// stages holds the stage blocks in file order; chain holds the stages
	// in the order they are built, with the default quality and batch.
	stages []*stageDecl
	chain  []*stageDecl
	built  *pipeline.Pipeline
}

// decodePipeline decodes, checks and builds one pipeline block.
func (l *loader) decodePipeline(b *hcl.Block) hcl.Diagnostics {
	p := &pipelineDecl{name: b.Labels[0], defRange: b.DefRange}
	unknowns := l.unknowns
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(p.name) {
		diags = diags.Append(invalidName("pipeline", p.name, b.LabelRanges[0]))
	}
	if first, dup := l.pipelineByID[p.name]; dup {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate pipeline",
			Detail: fmt.Sprintf("A pipeline named %q was first declared at %s. Pipeline names "+
				"must be unique within a file; rename one of them.", p.name, where(first.defRange)),
			Subject: b.LabelRanges[0].Ptr(),
		})
	} else {
		l.pipelineByID[p.name] = p
	}
	l.pipelines = append(l.pipelines, p)

	// The pipeline's own attributes, and its stage blocks.
	var headers []hcl.BlockHeaderSchema
	for _, f := range familyBlocks {
		headers = append(headers, hcl.BlockHeaderSchema{
			Type:       string(f.family),
			LabelNames: f.labels,
		})
	}
	content, d := b.Body.Content(specSchema(pipelineMeta, nil, headers))
	diags = diags.Extend(d)
	p.meta = pipeline.NewConfig(pipelineMeta)
	p.meta.DefRange = toPipelineRange(b.DefRange)
	what := "pipeline " + quoteLabels(b.Labels)
	diags = diags.Extend(l.decodeContent(content, p.meta, b.DefRange, what))

	for _, sb := range content.Blocks {
		if _, ok := familyOf(sb.Type); !ok {
			continue
		}
		s, d := l.decodeStage(sb)
		diags = diags.Extend(d)
		p.stages = append(p.stages, s)
	}

	diags = diags.Extend(l.checkOrder(p))
	p.chain = l.chain(p)
	diags = diags.Extend(checkNames(p))

	// Build even when something is wrong, so that the factories report
	// their errors too; but only a clean pipeline is linked.
	nodes, d := l.build(p)
	diags = diags.Extend(d)
	if diags.HasErrors() || len(nodes) != len(p.chain) || l.unknowns != unknowns {
		// A value left unknown by an error reported elsewhere (a variable
		// without a value) leaves the pipeline incomplete too.
		return diags
	}
	built, err := pipeline.New(p.name, nodes, pipeline.Options{
		DrainTimeout: p.drainTimeout(),
		Logger:       l.log,
	})
	if err != nil {
		return diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid pipeline",
			Detail: fmt.Sprintf("The stages of pipeline %q cannot be linked: %v. A stage kind "+
				"built something of the wrong role; report this to its maintainers.", p.name, err),
			Subject: p.defRange.Ptr(),
		})
	}
	p.built = built
	return diags
}

// checkOrder checks the stage blocks' order and counts: one capture, first;
// at most one quality and one batch, batch after quality; one or more
// sinks, last.
func (l *loader) checkOrder(p *pipelineDecl) hcl.Diagnostics {
	var diags hcl.Diagnostics
	first := map[pipeline.Family]*stageDecl{}
	for i, s := range p.stages {
		f := s.fam.family
		prev, seen := first[f]
		if !seen {
			first[f] = s
		}
		single := f == pipeline.FamilyCapture || f == pipeline.FamilyQuality || f == pipeline.FamilyBatch
		switch {
		case seen && single:
			s.duplicate = true
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Duplicate %s block", f),
				Detail: fmt.Sprintf("A pipeline has at most one %s block, and the first is "+
					"declared at %s. Remove this one, or move it to a pipeline of its own.",
					f, where(prev.defRange)),
				Subject: s.defRange.Ptr(),
			})
		case f == pipeline.FamilyCapture && i > 0:
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Misplaced capture block",
				Detail: fmt.Sprintf("The capture must be the first stage of a pipeline, but it "+
					"comes after the %s block at %s. Move it to the top of pipeline %q.",
					p.stages[0].describe(), where(p.stages[0].defRange), p.name),
				Subject: s.defRange.Ptr(),
			})
		case f == pipeline.FamilySink:
			for _, next := range p.stages[i+1:] {
				// A capture after a sink is reported as misplaced itself.
				if next.fam.rank == rankMiddle {
					diags = diags.Append(&hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Misplaced sink block",
						Detail: fmt.Sprintf("Sinks receive the pipeline's final stream, so they come "+
							"after every other stage; this one comes before the %s block at %s. "+
							"Move the sink to the end of pipeline %q.",
							next.describe(), where(next.defRange), p.name),
						Subject: s.defRange.Ptr(),
					})
					break
				}
			}
		}
	}

	if q, b := first[pipeline.FamilyQuality], first[pipeline.FamilyBatch]; q != nil && b != nil &&
		slices.Index(p.stages, b) < slices.Index(p.stages, q) {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Misplaced batch block",
			Detail: fmt.Sprintf("The batch block groups frames of each quality tier, so it "+
				"must come after the quality block, which is declared at %s. Move the batch "+
				"block below it.", where(q.defRange)),
			Subject: b.defRange.Ptr(),
		})
	}

	if first[pipeline.FamilyCapture] == nil {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing capture block",
			Detail: fmt.Sprintf("Pipeline %q has no capture, so it has no frames. Add a "+
				"capture \"KIND\" { ... } block as its first stage; the capture kinds are %s.",
				p.name, quoteAll(l.reg.Names(pipeline.FamilyCapture))),
			Subject: p.defRange.Ptr(),
		})
	}
	if first[pipeline.FamilySink] == nil {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing sink block",
			Detail: fmt.Sprintf("Pipeline %q has no sink, so its frames go nowhere. Add a "+
				"sink \"KIND\" { ... } block as its last stage; the sink kinds are %s.",
				p.name, quoteAll(l.reg.Names(pipeline.FamilySink))),
			Subject: p.defRange.Ptr(),
		})
	}
	return diags
}

// chain returns the stages in build order: the capture, the middle stages
// in file order, then the sinks, with a default quality stage (after the
// last middle stage, or right before batch) and a default batch stage
// (right after quality) when the file declares none.
func (l *loader) chain(p *pipelineDecl) []*stageDecl {
	chain := slices.Clone(p.stages)
	slices.SortStableFunc(chain, func(a, b *stageDecl) int { return a.fam.rank - b.fam.rank })

	index := func(f pipeline.Family) int {
		return slices.IndexFunc(chain, func(s *stageDecl) bool { return s.fam.family == f })
	}
	firstSink := func() int {
		isSink := func(s *stageDecl) bool { return s.fam.rank == rankSink }
		if i := slices.IndexFunc(chain, isSink); i >= 0 {
			return i
		}
		return len(chain)
	}
	if index(pipeline.FamilyQuality) < 0 {
		at := index(pipeline.FamilyBatch)
		if at < 0 {
			at = firstSink()
		}
		if s := l.defaultStage(p, pipeline.FamilyQuality); s != nil {
			chain = slices.Insert(chain, at, s)
		}
	}
	if index(pipeline.FamilyBatch) < 0 {
		at := firstSink()
		if q := index(pipeline.FamilyQuality); q >= 0 {
			at = q + 1
		}
		if s := l.defaultStage(p, pipeline.FamilyBatch); s != nil {
			chain = slices.Insert(chain, at, s)
		}
	}
	return chain
}

// defaultStage returns a stage of family f with its kind's defaults, or nil
// when the registry has no such kind.
func (l *loader) defaultStage(p *pipelineDecl, f pipeline.Family) *stageDecl {
	kind, ok := l.reg.Lookup(f, "")
	if !ok {
		return nil
	}
	fam, _ := familyOf(string(f))
	cfg := pipeline.NewConfig(resolveSpec(kind.Spec, l.dir))
	cfg.DefRange = toPipelineRange(p.defRange)
	return &stageDecl{
		fam: fam, kind: kind, defRange: p.defRange, implicit: true,
		name: string(f), nameRange: p.defRange, cfg: cfg, ok: true,
	}
}

// checkNames checks that stage names are unique within the pipeline.
func checkNames(p *pipelineDecl) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*stageDecl{}
	for _, s := range p.stages {
		if s.duplicate || s.nameUnknown {
			continue // reported already
		}
		first, dup := seen[s.name]
		if !dup {
			seen[s.name] = s
			continue
		}
		var fix string
		switch s.nameFrom {
		case nameDefault:
			fix = fmt.Sprintf("Stages are named after their block type (or a sink after its kind) "+
				"unless they say otherwise; add name = \"...\" to this %s block to give it a "+
				"unique name.", s.fam.family)
		case nameLabel:
			fix = "Change this block's second label to a unique name."
		default:
			fix = "Choose another name for this stage."
		}
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate stage name",
			Detail: fmt.Sprintf("Pipeline %q already has a stage named %q, first declared at "+
				"%s. Stage names must be unique within a pipeline. %s",
				p.name, s.name, where(first.defRange), fix),
			Subject: s.nameRange.Ptr(),
		})
	}
	for _, s := range p.chain {
		if !s.implicit {
			continue
		}
		if other, dup := seen[s.name]; dup {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate stage name",
				Detail: fmt.Sprintf("Pipeline %q has no %s block, so streampipe adds a default %s "+
					"stage named %q, but this stage already has that name. Choose another name "+
					"for it, or declare the %s block yourself.",
					p.name, s.fam.family, s.fam.family, s.name, s.fam.family),
				Subject: other.nameRange.Ptr(),
			})
		}
	}
	return diags
}

// drainTimeout returns the pipeline's drain_timeout.
func (p *pipelineDecl) drainTimeout() time.Duration {
	return p.meta.Duration("drain_timeout")
}
