package hcl

import (
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// WriteDiagnostics renders diags as text: each diagnostic's severity and
// summary, where it is, a snippet of the source with the problem
// underlined (when files holds the source), and the detail wrapped to
// width columns (0 means no wrapping). color adds terminal colours.
//
// files usually comes from Config.Files.
func WriteDiagnostics(
	w io.Writer,
	diags hcl.Diagnostics,
	files map[string]*hcl.File,
	width uint,
	color bool,
) error {
	return hcl.NewDiagnosticTextWriter(w, files, width, color).WriteDiagnostics(diags)
}

// FilesOf returns the sources map for diagnostics about a file that was
// not loaded with Load, such as the syntax errors of Format.
func FilesOf(filename string, src []byte) map[string]*hcl.File {
	// Parsing gives the file navigation, so that snippets name the
	// enclosing block; even a broken file yields a partial one.
	f, _ := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if f == nil {
		f = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
	}
	return map[string]*hcl.File{filename: f}
}
