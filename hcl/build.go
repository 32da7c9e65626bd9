package hcl

import (
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/pipeline"
)

// build calls each stage's factory in chain order, handing each the stream
// description its upstream emits.
//
// After a stage fails (it did not decode, or its factory returned an
// error) the loader keeps going, so that one run reports as much as it
// can. A failed buffer or sink does not change the stream, so the stages
// after it are built with the description passed through. A failed
// capture, quality, batch or plugin stage would have changed it, so the
// description after it is unknown, and the factories after it are not
// called: checked against a wrong description, they would report errors
// that are not there (a quality stage behind a broken capture would miss
// its frame rate). Their blocks were decoded all the same, and checked by
// their kind's Check, which needs no stream (see decodeStage).
func (l *loader) build(p *pipelineDecl) ([]pipeline.Node, hcl.Diagnostics) {
	var (
		diags    hcl.Diagnostics
		nodes    []pipeline.Node
		upstream pipeline.StreamInfo
		// unknown is set when the stream's description is unknown from
		// here on; without a capture it is unknown from the start.
		unknown = len(p.chain) == 0 || p.chain[0].fam.family != pipeline.FamilyCapture
	)
	for _, s := range p.chain {
		if unknown {
			break
		}
		if s.kind == nil || !s.ok {
			unknown = changesStream(s)
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
			Meter:    l.opts.Meter,
			Status:   l.opts.Status,
		}
		stage, err := s.kind.New(s.cfg, env)
		if err != nil {
			diags = diags.Extend(factoryDiagnostics(err, s))
			unknown = changesStream(s)
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

// factoryDiagnostics turns the error of a factory or of a kind's Check
// into diagnostics. Each
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

// changesStream reports whether a stage of s's family may change the
// stream's description (see pipeline.Describer).
func changesStream(s *stageDecl) bool {
	switch s.fam.family {
	case pipeline.FamilyBuffer, pipeline.FamilySink:
		return false
	}
	return true
}
