package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// invoke runs the command line in-process and returns stdout, stderr and the
// exit code.
func invoke(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb strings.Builder
	code := Main(context.Background(), append([]string{"streampipe"}, args...), &out, &errb, nil)
	return out.String(), errb.String(), code
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const validConfig = `pipeline "p" {
  capture "synthetic" {
    fps = 10
  }
  sink "discard" {}
}
`

// badConfig has two errors: an unknown attribute on line 3 and an fps out
// of range on line 4.
const badConfig = `pipeline "p" {
  capture "synthetic" {
    fsp = 10
    width = 0
  }
  sink "discard" {}
}
`

func TestValidateExitCodes(t *testing.T) {
	good := writeFile(t, "good.hcl", validConfig)
	bad := writeFile(t, "bad.hcl", badConfig)
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStdout bool
	}{
		{"valid", []string{"validate", good}, 0, []string{good + ": valid"}, nil, false},
		{"invalid", []string{"validate", bad}, 1, []string{bad + ": 2 error(s)"},
			[]string{"Unsupported argument", `Did you mean "fps"?`, "bad.hcl:3", "bad.hcl:4"}, false},
		{"one of two invalid", []string{"validate", good, bad}, 1, []string{good + ": valid", bad + ": 2 error(s)"}, nil, false},
		{"no file", []string{"validate"}, 2, nil, []string{"at least one configuration file"}, true},
		{"unknown flag", []string{"validate", "-nope", good}, 2, nil, []string{"nope"}, true},
		{"missing file", []string{"validate", filepath.Join(t.TempDir(), "none.hcl")}, 1, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := invoke(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			if tc.noStdout && out != "" {
				t.Errorf("stdout should be empty, got %q", out)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	good := writeFile(t, "good.hcl", validConfig)
	bad := writeFile(t, "bad.hcl", badConfig)
	out, _, code := invoke(t, "validate", "-json", good, bad)
	if code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Valid         bool   `json:"valid"`
		ErrorCount    int    `json:"error_count"`
		WarningCount  int    `json:"warning_count"`
		Diagnostics   []struct {
			Severity, Summary, Detail, File string
			Line, Column                    int
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if doc.FormatVersion != "1.0" || doc.Valid || doc.ErrorCount != 2 || len(doc.Diagnostics) != 2 {
		t.Fatalf("report = %+v", doc)
	}
	d0, d1 := doc.Diagnostics[0], doc.Diagnostics[1]
	if d0.Severity != "error" || d0.Summary != "Unsupported argument" || d0.File != bad || d0.Line != 3 || d0.Column != 5 {
		t.Errorf("first diagnostic = %+v", d0)
	}
	if d1.Severity != "error" || d1.File != bad || d1.Line != 4 || d1.Column != 13 {
		t.Errorf("second diagnostic = %+v", d1)
	}

	out, _, code = invoke(t, "validate", "-json", good)
	if code != 0 || !strings.Contains(out, `"valid": true`) || !strings.Contains(out, `"diagnostics": []`) {
		t.Errorf("valid file: exit %d, report %s", code, out)
	}
}

func TestFmt(t *testing.T) {
	messy := "pipeline \"p\" {\n  capture \"synthetic\" {\n fps=10\n  }\n  sink \"discard\" {}\n}\n"
	p := writeFile(t, "messy.hcl", messy)

	out, _, code := invoke(t, "fmt", "-check", p)
	if code != 3 || strings.TrimSpace(out) != p {
		t.Errorf("fmt -check: exit %d, stdout %q; want 3 and the file name", code, out)
	}
	if b, _ := os.ReadFile(p); string(b) != messy {
		t.Error("fmt -check changed the file")
	}

	out, _, code = invoke(t, "fmt", p)
	if code != 0 || strings.TrimSpace(out) != p {
		t.Errorf("fmt: exit %d, stdout %q", code, out)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "    fps = 10\n") {
		t.Errorf("formatted file:\n%s", b)
	}
	if _, _, code := invoke(t, "fmt", "-check", p); code != 0 {
		t.Errorf("fmt -check on a formatted file: exit %d", code)
	}

	if _, errOut, code := invoke(t, "fmt", "/dev/zero"); code != 1 || !strings.Contains(errOut, "not a regular file") {
		t.Errorf("fmt /dev/zero: exit %d, stderr %q", code, errOut)
	}

	broken := writeFile(t, "broken.hcl", "pipeline \"p\" {\n")
	if _, errOut, code := invoke(t, "fmt", broken); code != 1 || !strings.Contains(errOut, "broken.hcl:") {
		t.Errorf("fmt on a syntax error: exit %d, stderr %q", code, errOut)
	}
}

func TestStagesListsEveryKind(t *testing.T) {
	out, _, code := invoke(t, "stages")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{`capture "exec"`, `capture "synthetic"`, `capture "files"`, "buffer",
		"quality", "batch", `sink "websocket"`, `sink "file"`, `sink "discard"`, "on_full", "max_size", "allowed_origins"} {
		if !strings.Contains(out, want) {
			t.Errorf("stages output lacks %q", want)
		}
	}
	md, _, code := invoke(t, "stages", "-format", "markdown")
	ref, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || md != string(ref) {
		t.Errorf("stages -format markdown differs from docs/configuration.md; regenerate it with\n" +
			"  go run ./cmd/streampipe stages -format markdown > docs/configuration.md")
	}
	if _, _, code := invoke(t, "stages", "-format", "yaml"); code != 2 {
		t.Errorf("unknown format: exit %d, want 2", code)
	}
}

func TestVersionAndUsage(t *testing.T) {
	out, _, code := invoke(t, "version")
	if code != 0 || !strings.HasPrefix(out, "streampipe ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if out, errOut, code := invoke(t, "version", "extra"); code != 2 || out != "" ||
		!strings.Contains(errOut, `version takes no arguments; got "extra"`) {
		t.Errorf("version with an argument: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, _, code := invoke(t, "-log-format", "xml", "version"); code != 2 {
		t.Errorf("bad -log-format: exit %d, want 2", code)
	}
	if _, _, code := invoke(t, "run"); code != 2 {
		t.Errorf("run without a file: exit %d, want 2", code)
	}
	if _, errOut, code := invoke(t, "run", writeFile(t, "bad.hcl", badConfig)); code != 1 || !strings.Contains(errOut, "Unsupported argument") {
		t.Errorf("run on an invalid file: exit %d, stderr %q", code, errOut)
	}
}

func TestRunSyntheticToEnd(t *testing.T) {
	// A synthetic capture of 30 frames at 30 fps written to an MJPEG file
	// (the default high tier takes every frame): the pipeline ends by
	// itself and run exits 0.
	dir := t.TempDir()
	conf := writeFile(t, "p.hcl", `pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 64
    height = 48
    frames = 30
  }
  sink "file" {
    path = "`+filepath.Join(dir, "out.mjpeg")+`"
  }
}
`)
	_, errOut, code := invoke(t, "run", conf)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out.mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\xff\xd8\xff"); n != 30 {
		t.Errorf("out.mjpeg holds %d JPEG starts, want 30", n)
	}
}

// TestExamplesAreFormatted keeps the shipped examples in the form `fmt`
// writes, so users who copy them pass `fmt -check` in CI.
func TestExamplesAreFormatted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.hcl"))
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	out, errOut, code := invoke(t, append([]string{"fmt", "-check"}, files...)...)
	if code != 0 {
		t.Errorf("fmt -check on the examples: exit %d\n%s%s", code, out, errOut)
	}
}

// TestRunFailingStageExitsNonZero: a capture command that fails, with
// on_exit = "stop", stops the pipeline with a clear message (the
// command's own stderr included) and a non-zero exit status.
func TestRunFailingStageExitsNonZero(t *testing.T) {
	conf := writeFile(t, "p.hcl", `pipeline "p" {
  capture "exec" {
    command = ["sh", "-c", "echo no camera attached >&2; exit 3"]
    on_exit = "stop"
  }
  sink "discard" {}
}
`)
	_, errOut, code := invoke(t, "run", conf)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"pipeline failed", `stage \"capture\"`, "no camera attached"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestBenchUsageErrors: bench refuses bad settings before it starts
// anything, with exit 2 and the setting at fault.
func TestBenchUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "bench needs a subcommand: fanout"},
		{[]string{"bench", "fanout", "-frame-size", "1000.5"}, `"1000.5" is not a whole number of bytes`},
		{[]string{"bench", "fanout", "-frame-size", "lots"}, `"lots" is not a size`},
		{[]string{"bench", "fanout", "-frame-size", "0"}, "at least 1 byte"},
		{[]string{"bench", "fanout", "-clients", "0"}, "-clients: 0 is not a client count"},
	} {
		out, errOut, code := invoke(t, tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	for _, args := range [][]string{{"valdiate", "x.hcl"}, {"bench", "nope"}} {
		_, errOut, code := invoke(t, args...)
		if code != 2 || !strings.Contains(errOut, "unknown command") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the unknown command", args, code, errOut)
		}
	}
	if _, errOut, _ := invoke(t, "valdiate"); !strings.Contains(errOut, `did you mean "validate"?`) {
		t.Errorf("no suggestion for a misspelled command: %q", errOut)
	}
}

// TestVarValuesKeepTheirCommas: -var values are never split at commas, in
// any command, so file names with commas and list values work.
func TestVarValuesKeepTheirCommas(t *testing.T) {
	conf := writeFile(t, "p.hcl", `variable "args" {
  type = list(string)
}
variable "title" {}
pipeline "p" {
  capture "exec" {
    command = concat(["echo", var.title], var.args)
  }
  sink "discard" {}
}
`)
	for _, cmd := range []string{"validate", "stages"} {
		out, errOut, code := invoke(t, cmd, "-var", `args=["a,b", "c"]`, "-var", "title=my,clip.mpg", conf)
		if code != 0 {
			t.Errorf("%s: exit %d\n%s%s", cmd, code, out, errOut)
		}
	}
}
