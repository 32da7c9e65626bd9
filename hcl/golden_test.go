package hcl

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/configuration.md")

// checkGolden compares got with the golden file, or rewrites it under
// -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got; run go test -update if the change is intended):\n%s",
			path, cmp.Diff(string(want), string(got)))
	}
}

// goldenCases are invalid files whose rendered diagnostics are kept as
// golden files.
var goldenCases = []string{"many_errors", "var_types", "undeclared_var"}

func TestValidateReportGolden(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", name+".hcl")
			_, opts := readExpectations(t, path)
			cfg, diags := Load(path, opts)
			var buf bytes.Buffer
			if err := newReport(diags, cfg.Files()).Write(&buf); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", "golden", name+".json"), buf.Bytes())
		})
	}
}

func TestWriteDiagnosticsGolden(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", name+".hcl")
			_, opts := readExpectations(t, path)
			cfg, diags := Load(path, opts)
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, diags, cfg.Files(), 78, false); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", "golden", name+".txt"), buf.Bytes())
		})
	}
}

func newReport(diags hcl.Diagnostics, files map[string]*hcl.File) *ValidateReport {
	r := NewValidateReport()
	r.Add(diags, files)
	return r
}
