package hcl

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/pipeline"
)

func TestRangeLines(t *testing.T) {
	src := []byte("one\r\ntwo\nthree\n")
	pos := func(line, col, b int) hcl.Pos { return hcl.Pos{Line: line, Column: col, Byte: b} }
	tests := []struct {
		name string
		rng  hcl.Range
		want []string
	}{
		{"inside a line", hcl.Range{Start: pos(2, 2, 6), End: pos(2, 3, 7)}, []string{"2:two"}},
		{"across lines, CRLF trimmed", hcl.Range{Start: pos(1, 1, 0), End: pos(2, 2, 6)}, []string{"1:one", "2:two"}},
		{"ends where a line starts", hcl.Range{Start: pos(2, 1, 5), End: pos(3, 1, 9)}, []string{"2:two"}},
		{"empty at a line start", hcl.Range{Start: pos(3, 1, 9), End: pos(3, 1, 9)}, []string{"3:three"}},
		{"at the very end", hcl.Range{Start: pos(4, 1, 15), End: pos(4, 1, 15)}, []string{"4:"}},
		{"past the end", hcl.Range{Start: pos(9, 1, 99), End: pos(9, 1, 99)}, []string{"9:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, l := range rangeLines(src, tc.rng) {
				got = append(got, strings.Join([]string{strconv.Itoa(l.number), string(src[l.start:l.end])}, ":"))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// BenchmarkManyDiagnostics renders the diagnostics of a file with a
// thousand bad blocks, as text and as the validate report; each
// diagnostic's snippet costs its own lines, not the whole file.
func BenchmarkManyDiagnostics(b *testing.B) {
	var src strings.Builder
	src.WriteString("pipeline \"p\" {\n  capture \"synthetic\" {}\n")
	for i := range 1000 {
		src.WriteString("  buffer {\n    name = \"b" + strconv.Itoa(i) + "\"\n    capacity = 0\n  }\n")
	}
	src.WriteString("  sink \"discard\" {}\n}\n")
	files := FilesOf("many.hcl", []byte(src.String()))
	f := files["many.hcl"]
	var diags hcl.Diagnostics
	for i := range 1000 {
		line := 4 + 4*i
		start := bytesAt(f.Bytes, line)
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value out of range",
			Subject: &hcl.Range{Filename: "many.hcl", Start: hcl.Pos{Line: line, Column: 5, Byte: start + 4},
				End: hcl.Pos{Line: line, Column: 17, Byte: start + 16}}})
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var out strings.Builder
		if err := WriteDiagnostics(&out, diags, files, 100, false); err != nil {
			b.Fatal(err)
		}
		r := NewValidateReport()
		r.Add(diags, files)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/1000, "µs/diagnostic")
}

// bytesAt returns the byte offset where line (1-based) starts.
func bytesAt(src []byte, line int) int {
	for i, n := 0, 1; i < len(src); i++ {
		if n == line {
			return i
		}
		if src[i] == '\n' {
			n++
		}
	}
	return len(src)
}

// TestBinaryFileIsOneError: a binary file given by mistake gets one
// diagnostic, not one per byte HCL cannot read.
func TestBinaryFileIsOneError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clip.mp4")
	src := append([]byte("pipeline \"p\" {\n"), 0xff, 0xfe, 0x00, 0x81)
	if err := os.WriteFile(path, append(src, bytes.Repeat([]byte{0x80, 'x'}, 5000)...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(path, Options{Registry: pipeline.NewRegistry()})
	if len(diags) != 1 || diags[0].Summary != "Configuration file is not text" ||
		diags[0].Subject == nil || diags[0].Subject.Start.Line != 2 || diags[0].Subject.Start.Column != 1 {
		t.Fatalf("diagnostics: %v", diags)
	}
}
