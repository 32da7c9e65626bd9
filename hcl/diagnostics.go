package hcl

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxSnippetLines bounds the source lines shown for one diagnostic.
const maxSnippetLines = 5

// Terminal colours.
const (
	colorRed    = "\x1b[1;31m"
	colorYellow = "\x1b[1;33m"
	colorBold   = "\x1b[1m"
	colorReset  = "\x1b[0m"
)

// WriteDiagnostics renders diags as text, one block each:
//
//	Error: Value out of range
//
//	  on pipeline.hcl:8:13, in pipeline "city":
//	   8:       fps = 0
//	                  ^
//
//	The value of fps must be greater than 0 and at most 240, but it is 0.
//	Change it to a value greater than 0 and at most 240.
//
// The place is file:line:column; the source lines come from files (usually
// Config.Files, or FilesOf) and are left out when the file is not there.
// The detail is wrapped at width columns (0: not wrapped). color adds
// terminal colours.
func WriteDiagnostics(
	w io.Writer,
	diags hcl.Diagnostics,
	files map[string]*hcl.File,
	width uint,
	color bool,
) error {
	ew := &errWriter{w: w}
	for _, d := range diags {
		writeDiagnostic(ew, d, files, int(width), color)
	}
	return ew.err
}

func writeDiagnostic(w *errWriter, d *hcl.Diagnostic, files map[string]*hcl.File, width int, color bool) {
	severity, tint := "Error", colorRed
	if d.Severity == hcl.DiagWarning {
		severity, tint = "Warning", colorYellow
	}
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + colorReset
	}
	w.printf("%s: %s\n\n", paint(tint, severity), paint(colorBold, d.Summary))

	if s := d.Subject; s != nil {
		f := files[s.Filename]
		var in string
		if f != nil && f.Bytes != nil && s.Start.Byte > 0 {
			if c := hcled.ContextString(f, s.Start.Byte-1); c != "" {
				in = ", in " + c
			}
		}
		w.printf("  on %s:%d:%d%s:\n", s.Filename, s.Start.Line, s.Start.Column, in)
		if f == nil || f.Bytes == nil {
			w.printf("  (source not available)\n")
		} else {
			writeSource(w, f.Bytes, *s, func(s string) string { return paint(tint, s) })
		}
		w.printf("\n")
	}

	if detail := strings.TrimSpace(d.Detail); detail != "" {
		for _, line := range strings.Split(detail, "\n") {
			if width <= 0 {
				w.printf("%s\n", line)
				continue
			}
			for _, l := range wrap(line, width) {
				w.printf("%s\n", l)
			}
		}
		w.printf("\n")
	}
}

// writeSource prints the lines of src that rng covers, numbered, each with
// a row of carets under the part in rng.
func writeSource(w *errWriter, src []byte, rng hcl.Range, paint func(string) string) {
	if rng.End.Byte < rng.Start.Byte {
		rng.End = rng.Start
	}
	for i, lr := range rangeLines(src, rng) {
		if i == maxSnippetLines {
			w.printf("  %4s  ...\n", "")
			return
		}
		line := string(src[lr.start:lr.end])
		w.printf("  %4d: %s\n", lr.number, line)

		// The highlighted bytes of this line, clamped to it.
		from := max(rng.Start.Byte, lr.start) - lr.start
		to := min(rng.End.Byte, lr.end) - lr.start
		from, to = min(max(from, 0), len(line)), min(max(to, 0), len(line))
		if rng.Start.Byte < lr.start {
			// A continued range is underlined from the line's first
			// character, not under its indentation.
			from += len(line[from:]) - len(strings.TrimLeft(line[from:], " \t"))
		}
		carets := max(utf8.RuneCountInString(line[from:max(from, to)]), 1)
		w.printf("  %4s  %s%s\n", "", blankLike(line[:from]), paint(strings.Repeat("^", carets)))
	}
}

// srcLine is one line of a source: its number and its bytes, without the
// line break.
type srcLine struct {
	number     int
	start, end int
}

// rangeLines returns the lines of src that rng touches. It starts from
// rng's own line, found from its byte offset, so its cost is that of the
// lines returned, not of the file: a file with a thousand errors is not
// scanned a thousand times. A range that ends exactly at the start of a
// line does not take that line (unless the range is empty).
func rangeLines(src []byte, rng hcl.Range) []srcLine {
	startByte := min(max(rng.Start.Byte, 0), len(src))
	endByte := min(max(rng.End.Byte, startByte), len(src))
	lineStart := bytes.LastIndexByte(src[:startByte], '\n') + 1
	number := max(rng.Start.Line, 1)
	var out []srcLine
	for lineStart <= len(src) {
		end := len(src)
		if i := bytes.IndexByte(src[lineStart:], '\n'); i >= 0 {
			end = lineStart + i
		}
		if lineStart > endByte || (lineStart == endByte && endByte != startByte && len(out) > 0) {
			break
		}
		out = append(out, srcLine{number: number, start: lineStart, end: trimCR(src, lineStart, end)})
		if end == len(src) {
			break
		}
		lineStart, number = end+1, number+1
	}
	return out
}

// trimCR drops the carriage return of a CRLF line ending.
func trimCR(src []byte, start, end int) int {
	if end > start && src[end-1] == '\r' {
		return end - 1
	}
	return end
}

// blankLike returns s with every character but tabs turned into a space,
// so that what follows lines up under the source line in a terminal.
func blankLike(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\t' {
			b.WriteRune('\t')
		} else {
			b.WriteRune(' ')
		}
	}
	return b.String()
}

// FilesOf returns the sources map for diagnostics about a file that was
// not loaded with Load, such as the syntax errors of Format.
//
// A source that Format refuses as too large or too deep is not parsed
// here either, and its snippets are left out.
func FilesOf(filename string, src []byte) map[string]*hcl.File {
	if checkSource(filename, "configuration file", filename, src, false).HasErrors() {
		return map[string]*hcl.File{filename: {Body: hcl.EmptyBody()}}
	}
	// Parsing gives the file navigation, so that snippets name the
	// enclosing block; even a broken file yields a partial one.
	f, _ := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if f == nil {
		f = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
	}
	return map[string]*hcl.File{filename: f}
}
