package hcl

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/pipeline"
)

// StartDiagnostics returns the *pipeline.ConfigError values in err as
// diagnostics placed at the attributes they concern, or nil when err holds
// none. They come from stages that check some settings only when they
// start, such as a plugin stage whose plugin refuses its settings in
// Configure; `streampipe run` renders them like those of Load, with
// Config.Files.
func StartDiagnostics(err error) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, ce := range configErrors(err) {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  ce.Summary,
			Detail:   ce.Detail,
		}
		if d.Summary == "" {
			d.Summary = "Invalid stage settings"
		}
		if ce.Config != nil {
			if rng := toHCLRange(ce.Range()); rng.Filename != "" {
				d.Subject = rng.Ptr()
			}
		}
		diags = diags.Append(d)
	}
	return diags
}

// configErrors collects the ConfigErrors in the tree of err, through
// wrapping and errors.Join.
func configErrors(err error) []*pipeline.ConfigError {
	switch e := err.(type) {
	case *pipeline.ConfigError:
		return []*pipeline.ConfigError{e}
	case interface{ Unwrap() []error }:
		var out []*pipeline.ConfigError
		for _, inner := range e.Unwrap() {
			out = append(out, configErrors(inner)...)
		}
		return out
	case interface{ Unwrap() error }:
		return configErrors(e.Unwrap())
	}
	return nil
}
