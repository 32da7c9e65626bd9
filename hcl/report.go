package hcl

import (
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
)

// ReportFormatVersion is the format_version of ValidateReport. Its minor
// number grows when fields are added; consumers must ignore fields they do
// not know.
const ReportFormatVersion = "1.0"

// ValidateReport is the document `streampipe validate -json` prints, shaped
// like the one of `terraform validate -json` so that tools written for that
// can read it. One report may cover several files.
type ValidateReport struct {
	FormatVersion string `json:"format_version"`
	// Valid is true when there are no errors; warnings do not count.
	Valid        bool `json:"valid"`
	ErrorCount   int  `json:"error_count"`
	WarningCount int  `json:"warning_count"`
	// Diagnostics is never null: an empty report has [].
	Diagnostics []ReportDiagnostic `json:"diagnostics"`
}

// ReportDiagnostic is one diagnostic of a ValidateReport. File, Line,
// Column, Range and Snippet are absent for diagnostics that belong to no
// place, such as a malformed -var option.
type ReportDiagnostic struct {
	Severity string       `json:"severity"` // "error" or "warning"
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	File     string       `json:"file,omitempty"`
	Line     int          `json:"line,omitempty"`
	Column   int          `json:"column,omitempty"`
	Range    *ReportRange `json:"range,omitempty"`
	Snippet  *Snippet     `json:"snippet,omitempty"`
}

// ReportRange is a span of a file, start inclusive and end exclusive.
type ReportRange struct {
	Filename string    `json:"filename"`
	Start    ReportPos `json:"start"`
	End      ReportPos `json:"end"`
}

// ReportPos is a position: 1-based line and column (counting characters)
// and a 0-based byte offset.
type ReportPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// Snippet is the source around a diagnostic.
type Snippet struct {
	// Context names the enclosing top-level block, such as
	// `pipeline "city"`; null when there is none.
	Context *string `json:"context"`
	// Code holds the whole source lines the diagnostic covers, without the
	// final newline.
	Code      string `json:"code"`
	StartLine int    `json:"start_line"`
	// HighlightStartOffset and HighlightEndOffset delimit the offending
	// part of Code, counted in Unicode code points from its start.
	HighlightStartOffset int `json:"highlight_start_offset"`
	HighlightEndOffset   int `json:"highlight_end_offset"`
}

// NewValidateReport returns an empty, valid report. Add the diagnostics of
// each file checked, then Write it.
func NewValidateReport() *ValidateReport {
	return &ValidateReport{
		FormatVersion: ReportFormatVersion,
		Valid:         true,
		Diagnostics:   []ReportDiagnostic{},
	}
}

// Add appends the diagnostics of one file to the report, in their order,
// and updates the counts and Valid. files holds the sources for snippets
// (see Config.Files); it may be nil, which leaves out the snippets.
func (r *ValidateReport) Add(diags hcl.Diagnostics, files map[string]*hcl.File) {
	for _, d := range diags {
		rd := ReportDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			rd.Severity = "warning"
			r.WarningCount++
		} else {
			r.ErrorCount++
		}
		if d.Subject != nil {
			s := *d.Subject
			rd.File, rd.Line, rd.Column = s.Filename, s.Start.Line, s.Start.Column
			rd.Range = &ReportRange{
				Filename: s.Filename,
				Start:    ReportPos{Line: s.Start.Line, Column: s.Start.Column, Byte: s.Start.Byte},
				End:      ReportPos{Line: s.End.Line, Column: s.End.Column, Byte: s.End.Byte},
			}
			if f := files[s.Filename]; f != nil && f.Bytes != nil {
				rd.Snippet = snippet(f, s, d.Context)
			}
		}
		r.Diagnostics = append(r.Diagnostics, rd)
	}
	r.Valid = r.ErrorCount == 0
}

// Write writes the report as indented JSON followed by a newline.
func (r *ValidateReport) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Synthetic filenames such as <value for var.x from -var> stay
	// readable.
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// snippet extracts the lines covering subject (and context, when given)
// from f.
func snippet(f *hcl.File, subject hcl.Range, context *hcl.Range) *Snippet {
	src := f.Bytes
	highlight := subject
	if highlight.End.Byte < highlight.Start.Byte {
		highlight.End = highlight.Start
	}
	lines := highlight
	if context != nil && context.Filename == subject.Filename {
		lines = hcl.RangeOver(lines, *context)
	}

	s := &Snippet{StartLine: lines.Start.Line}
	if c := hcled.ContextString(f, highlight.Start.Byte-1); c != "" && highlight.Start.Byte > 0 {
		s.Context = &c
	}

	var code strings.Builder
	codeStart := -1
	for _, lr := range rangeLines(src, lines) {
		if codeStart < 0 {
			codeStart = lr.start
			s.StartLine = lr.number
		}
		code.Write(src[lr.start:lr.end])
		code.WriteByte('\n')
	}
	s.Code = strings.TrimSuffix(code.String(), "\n")
	if codeStart < 0 {
		return s
	}

	// Byte offsets into Code, clamped so that odd ranges (ending on a
	// newline, or past the end of the file) stay inside it, then counted in
	// code points.
	clamp := func(b int) int { return max(0, min(b, len(s.Code))) }
	start := clamp(highlight.Start.Byte - codeStart)
	end := clamp(highlight.End.Byte - codeStart)
	s.HighlightStartOffset = utf8.RuneCountInString(s.Code[:start])
	s.HighlightEndOffset = utf8.RuneCountInString(s.Code[:end])
	return s
}
