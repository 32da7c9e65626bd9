package hcl

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src laid out the canonical way, as `streampipe fmt` writes
// it: two-space indentation, aligned equals signs, normalised spacing. It
// changes only whitespace, never meaning or comments. When src does not
// parse it returns the syntax diagnostics (placed in filename) and no
// output; so it does when src is larger than MaxFileSize or nests deeper
// than MaxNesting.
func Format(filename string, src []byte) ([]byte, hcl.Diagnostics) {
	if diags := checkSource(filename, "configuration file", "configuration file "+filename,
		src, false); diags.HasErrors() {
		return nil, diags
	}
	// hclwrite would lay out a broken file too, possibly making it worse;
	// refuse it as terraform fmt does.
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}
