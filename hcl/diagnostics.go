package hcl

import (
	"io"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics renders diags as text: each diagnostic's severity and
// summary, where it is, a snippet of the source with the problem
// underlined (when files holds the source), and the detail wrapped to
// width columns (0 means no wrapping). color adds terminal colours.
//
// files usually comes from Config.Files.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, width uint, color bool) error {
	return hcl.NewDiagnosticTextWriter(w, files, width, color).WriteDiagnostics(diags)
}
