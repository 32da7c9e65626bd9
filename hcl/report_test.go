package hcl

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

func TestValidateReportEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := NewValidateReport().Write(&buf); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"format_version\": \"1.0\",\n  \"valid\": true,\n  \"error_count\": 0,\n" +
		"  \"warning_count\": 0,\n  \"diagnostics\": []\n}\n"
	if buf.String() != want {
		t.Errorf("empty report =\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestValidateReportSeveralFiles(t *testing.T) {
	r := NewValidateReport()
	a := hcl.Range{Filename: "a.hcl", Start: hcl.Pos{Line: 1, Column: 1, Byte: 0}, End: hcl.Pos{Line: 1, Column: 2, Byte: 1}}
	r.Add(hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "W", Detail: "w.", Subject: &a}}, nil)
	if !r.Valid || r.WarningCount != 1 {
		t.Fatalf("after a warning: valid %v, warnings %d; want valid with 1 warning", r.Valid, r.WarningCount)
	}
	r.Add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "E", Detail: "e."}}, nil)
	if r.Valid || r.ErrorCount != 1 || len(r.Diagnostics) != 2 {
		t.Fatalf("after an error: %+v", r)
	}
	if d := r.Diagnostics[0]; d.Severity != "warning" || d.File != "a.hcl" || d.Snippet != nil {
		t.Errorf("first diagnostic = %+v; want a warning in a.hcl without a snippet (no source)", d)
	}
	if d := r.Diagnostics[1]; d.Range != nil || d.File != "" || d.Line != 0 {
		t.Errorf("second diagnostic = %+v; want no place", d)
	}

	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	second := doc["diagnostics"].([]any)[1].(map[string]any)
	for _, k := range []string{"range", "snippet", "file", "line", "column"} {
		if _, ok := second[k]; ok {
			t.Errorf("a diagnostic without a place has %q", k)
		}
	}
}

func TestSnippet(t *testing.T) {
	src := "pipeline \"p\" {\n  capture \"synthetic\" {\n    fps = \"ñé\" # x\n  }\n}\n"
	files := FilesOf("s.hcl", []byte(src))
	at := func(line, col, b int) hcl.Pos { return hcl.Pos{Line: line, Column: col, Byte: b} }
	for _, tc := range []struct {
		name    string
		subject hcl.Range
		context *hcl.Range
		want    Snippet
	}{
		{
			name: "one line, offsets in code points",
			// "ñé" with its quotes: bytes 49-55, columns 11-15.
			subject: hcl.Range{Filename: "s.hcl", Start: at(3, 11, 49), End: at(3, 15, 55)},
			want:    Snippet{Code: `    fps = "ñé" # x`, StartLine: 3, HighlightStartOffset: 10, HighlightEndOffset: 14},
		},
		{
			name:    "context widens the code",
			subject: hcl.Range{Filename: "s.hcl", Start: at(3, 5, 43), End: at(3, 8, 46)},
			context: &hcl.Range{Filename: "s.hcl", Start: at(2, 3, 17), End: at(4, 4, 63)},
			want: Snippet{
				Code:      "  capture \"synthetic\" {\n    fps = \"ñé\" # x\n  }",
				StartLine: 2, HighlightStartOffset: 28, HighlightEndOffset: 31,
			},
		},
		{
			name:    "empty range at the end of the file",
			subject: hcl.Range{Filename: "s.hcl", Start: at(6, 1, len(src)), End: at(6, 1, len(src))},
			want:    Snippet{Code: "", StartLine: 6},
		},
		{
			name:    "range past the end is clamped",
			subject: hcl.Range{Filename: "s.hcl", Start: at(5, 1, 64), End: at(9, 1, 999)},
			want:    Snippet{Code: "}", StartLine: 5, HighlightStartOffset: 0, HighlightEndOffset: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := snippet(files["s.hcl"], tc.subject, tc.context)
			ctx := `pipeline "p"`
			if tc.subject.Start.Byte < len(src)-1 {
				if got.Context == nil || *got.Context != ctx {
					t.Errorf("context = %v, want %q", got.Context, ctx)
				}
			}
			got.Context = nil
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("snippet (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteDiagnosticsLayout(t *testing.T) {
	src := "pipeline \"p\" {\n\tfps = [\n\t\t1,\n\t]\n}\n"
	files := FilesOf("t.hcl", []byte(src))
	at := func(line, col, b int) hcl.Pos { return hcl.Pos{Line: line, Column: col, Byte: b} }
	multi := hcl.Range{Filename: "t.hcl", Start: at(2, 8, 22), End: at(4, 3, 30)}
	other := hcl.Range{Filename: "gone.hcl", Start: at(3, 1, 10), End: at(3, 2, 11)}
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Multi", Detail: "Spans lines.", Subject: &multi},
		{Severity: hcl.DiagWarning, Summary: "Elsewhere", Detail: "No source.", Subject: &other},
		{Severity: hcl.DiagError, Summary: "Nowhere", Detail: "First line\nsecond line."},
	}
	want := "Error: Multi\n\n" +
		"  on t.hcl:2:8, in pipeline \"p\":\n" +
		"     2: \tfps = [\n" +
		"        \t      ^\n" +
		"     3: \t\t1,\n" +
		"        \t\t^^\n" +
		"     4: \t]\n" +
		"        \t^\n\n" +
		"Spans lines.\n\n" +
		"Warning: Elsewhere\n\n" +
		"  on gone.hcl:3:1:\n  (source not available)\n\n" +
		"No source.\n\n" +
		"Error: Nowhere\n\nFirst line\nsecond line.\n\n"
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, diags, files, 0, false); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}

	buf.Reset()
	if err := WriteDiagnostics(&buf, diags[1:2], files, 0, true); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\x1b[1;33mWarning\x1b[0m: \x1b[1mElsewhere\x1b[0m\n")) {
		t.Errorf("coloured warning header: %q", buf.String())
	}
}
