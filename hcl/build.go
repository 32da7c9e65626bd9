package hcl

import (
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/pipeline"
)

// build calls each stage's factory in chain order, handing each the stream
// description its upstream emits. A stage that did not decode, or whose
// factory fails, passes its upstream's description through, so that the
// stages after it still report their own errors.
func (l *loader) build(p *pipelineDecl) ([]pipeline.Node, hcl.Diagnostics) {
	var (
		diags    hcl.Diagnostics
		nodes    []pipeline.Node
		upstream pipeline.StreamInfo
	)
	for _, s := range p.chain {
		if s.kind == nil || !s.ok {
			continue
		}
		in := upstream
		if s.fam.family == pipeline.FamilyCapture {
			in = pipeline.StreamInfo{}
		}
		stats := pipeline.NewStats(p.name, s.name, s.fam.family, s.kind.Name)
		env := pipeline.Env{
			Pipeline: p.name,
			Stage:    s.name,
			Logger:   l.log.With("pipeline", p.name, "stage", s.name),
			Upstream: in,
			Report:   stats,
		}
		stage, err := s.kind.New(s.cfg, env)
		if err != nil {
			diags = diags.Extend(factoryDiagnostics(err, s))
			continue
		}
		out := in
		if d, ok := stage.(pipeline.Describer); ok {
			out = d.Describe(in)
		}
		nodes = append(nodes, pipeline.Node{
			Name:   s.name,
			Family: s.fam.family,
			Kind:   s.kind.Name,
			Stage:  stage,
			Stats:  stats,
			Info:   out,
		})
		upstream = out
	}
	return nodes, diags
}

// factoryDiagnostics turns a factory's error into diagnostics. Each
// *pipeline.ConfigError in it (factories may join several with errors.Join)
// is placed where its attribute is written; other errors are placed at the
// stage block's header.
func factoryDiagnostics(err error, s *stageDecl) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, e := range leafErrors(err) {
		var ce *pipeline.ConfigError
		if errors.As(e, &ce) && ce.Config != nil {
			rng := toHCLRange(ce.Range())
			if rng.Filename == "" {
				// A Config the factory made itself has no place in the file.
				rng = s.defRange
			}
			summary := ce.Summary
			if summary == "" {
				summary = "Invalid stage settings"
			}
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  summary,
				Detail:   ce.Detail,
				Subject:  rng.Ptr(),
			})
			continue
		}
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot build stage",
			Detail: fmt.Sprintf("The %s stage %q cannot be built from these settings: %v. "+
				"Check the block's settings against `streampipe stages`.", s.describe(), s.name, e),
			Subject: s.defRange.Ptr(),
		})
	}
	return diags
}

// leafErrors flattens the trees built by errors.Join.
func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			if e != nil {
				out = append(out, leafErrors(e)...)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []error{err}
}
