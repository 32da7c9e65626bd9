package hcl

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
)

// deepPipeline is the file of the review that crashed validate: 100,000
// nested brackets in an attribute.
func deepPipeline(n int) string {
	return "pipeline \"p\" {\n capture \"synthetic\" {\n fps = " + strings.Repeat("[", n) + "1" +
		strings.Repeat("]", n) + "\n }\n sink \"discard\" {}\n}\n"
}

// wrapPipeline puts an attribute value inside a minimal pipeline, on line 3
// at column 8.
func wrapPipeline(value string) string {
	return "pipeline \"p\" {\n capture \"synthetic\" {\n fps = " + value +
		"\n }\n sink \"discard\" {}\n}\n"
}

// nest returns inner inside n openers and n closers.
func nest(opener, inner, closer string, n int) string {
	return strings.Repeat(opener, n) + inner + strings.Repeat(closer, n)
}

func TestLoadRefusesDeepNesting(t *testing.T) {
	n := MaxNesting
	tests := []struct {
		name, file, src string
		// line and column where the limit is passed.
		line, column int
	}{
		{"brackets of the review", "deep.hcl", deepPipeline(100000), 3, 8 + n - 2},
		{"parentheses", "p.hcl", wrapPipeline(nest("(", "1", ")", 2*n)),
			3, 8 + n - 2},
		{"objects", "p.hcl", wrapPipeline(nest("{a=", "1", "}", 2*n)),
			3, 8 + 3*(n-2)},
		{"blocks", "p.hcl", strings.Repeat("a {\n", 2*n) + strings.Repeat("}\n", 2*n), n + 1, 3},
		{"interpolations", "p.hcl", wrapPipeline(nest(`"${`, "1", `}"`, 2*n)),
			3, 8 + 3*(n-2) + 1},
		{"template directives", "p.hcl",
			wrapPipeline(`"` + nest("%{if true}", "x", "%{endif}", 2*n) + `"`),
			// Each %{if} opens a level, and its braces one more while open.
			3, 9 + 10*(n-3)},
		{"unary operators", "p.hcl", wrapPipeline(strings.Repeat("!", 1000000) + "true"),
			3, 8 + n - 2},
		{"negations", "p.hcl", wrapPipeline(strings.Repeat("- ", 1000000) + "1"), 3, 8 + 2*(n-2)},
		{"conditionals", "p.hcl", wrapPipeline(strings.Repeat("1?1:", 1000000) + "2"),
			3, 8 + 1 + 4*(n-2)},
		{"heredoc interpolation", "p.hcl",
			wrapPipeline("<<EOT\n${" + nest("[", "", "]", 2*n) + "}\nEOT"),
			4, 3 + n - 3},
		{"JSON arrays", "p.json", `{"pipeline": {"p": {"x": ` + strings.Repeat("[", 2*n) +
			strings.Repeat("]", 2*n) + "}}}", 1, 27 + n - 4},
		{"JSON template", "p.json", `{"pipeline": {"p": {"x": "${` + strings.Repeat("[", 2*n) +
			strings.Repeat("]", 2*n) + `}"}}}`, 1, 26},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := Load(path, Options{Registry: tableRegistry(t)})
			if len(diags) != 1 || diags[0].Summary != "Nesting too deep" {
				t.Fatalf("diagnostics = %v, want one Nesting too deep", diags)
			}
			d := diags[0]
			if s := d.Subject; s == nil || s.Filename != path || s.Start.Line != tt.line ||
				s.Start.Column != tt.column {
				t.Errorf("placed at %v, want %s:%d:%d", d.Subject, path, tt.line, tt.column)
			}
			if !strings.Contains(d.Detail, path) {
				t.Errorf("detail %q does not name the file", d.Detail)
			}
			// The diagnostic renders without the (huge) source.
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, diags, cfg.Files(), 80, false); err != nil {
				t.Fatal(err)
			}
			if buf.Len() > 2000 {
				t.Errorf("rendered diagnostic is %d bytes long", buf.Len())
			}
		})
	}
}

// TestNestingLimitIsExact loads files nested exactly MaxNesting and one
// more level deep.
func TestNestingLimitIsExact(t *testing.T) {
	for _, tt := range []struct {
		depth int
		deep  bool
	}{{MaxNesting, false}, {MaxNesting + 1, true}} {
		// The pipeline and capture blocks are two levels.
		src := wrapPipeline(strings.Repeat("[", tt.depth-2) + "1" + strings.Repeat("]", tt.depth-2))
		path := filepath.Join(t.TempDir(), "p.hcl")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, diags := Load(path, Options{Registry: tableRegistry(t)})
		got := len(diags) > 0 && diags[0].Summary == "Nesting too deep"
		if got != tt.deep {
			t.Errorf("depth %d: refused %v, want %v (%v)", tt.depth, got, tt.deep, diags)
		}
		if !tt.deep && !diags.HasErrors() {
			t.Errorf("depth %d: a list of lists loaded as fps without an error", tt.depth)
		}
	}
}

func TestNestingScan(t *testing.T) {
	deep := strings.Repeat("[", 50) + strings.Repeat("]", 50)
	tests := []struct {
		name string
		src  string
		// want is the line:column where depth 10 is passed, or "" when
		// it never is.
		line, column int
	}{
		{"flat", "a = [1, 2, {b = 3}]\n", 0, 0},
		{"string", `a = "` + deep + `"`, 0, 0},
		{"escaped quote", `a = "\"` + deep + `"`, 0, 0},
		{"escaped interpolation", `a = "$${` + deep + `}"`, 0, 0},
		{"escaped directive", `a = "%%{` + deep + `}"`, 0, 0},
		{"hash comment", "# " + deep + "\na = 1", 0, 0},
		{"slash comment", "// " + deep + "\na = 1", 0, 0},
		{"block comment", "/* " + deep + "\n" + deep + " */ a = 1", 0, 0},
		{"heredoc text", "a = <<EOT\n" + deep + "\n  EOT\nb = 1\n", 0, 0},
		{"indented heredoc", "a = <<-EOT\n  " + deep + "\n  EOT\n", 0, 0},
		{"strings in interpolation", `a = "${join("[[[[[[[[[[[[", ["]]]]]]]]]]]]"])}"`, 0, 0},
		{"many sibling negations", "a = [" + strings.Repeat("-1, ", 100) + "]\n", 0, 0},
		{"many subtractions", "a = 1" + strings.Repeat(" - 1", 100) + "\n", 0, 0},
		{"many logical operators", "a = " + strings.Repeat("!true && ", 100) + "true\n", 0, 0},
		{"exponents", "a = [" + strings.Repeat("1e-5, ", 100) + "]\n", 0, 0},
		{"dashed names", "a = [" + strings.Repeat("b-c-d, ", 100) + "]\n", 0, 0},
		{"conditionals on separate lines", strings.Repeat("a = b ? c : d\n", 100), 0, 0},
		{"conditionals in a list", "a = [" + strings.Repeat("b ? c : d, ", 100) + "]", 0, 0},
		{"closed directives", `a = "` + strings.Repeat("%{if x}y%{endif}", 100) + `"`, 0, 0},
		{"brackets", "a = " + deep, 1, 15},
		{"brackets after heredoc", "a = <<EOT\n[[[[\nEOT\nb = " + deep, 4, 15},
		{"brackets on lines", "a = [\n" + strings.Repeat("[\n", 20), 11, 1},
		{"interpolation in string", `a = "x${` + deep + `}"`, 1, 18},
		{"after unicode", "a = \"é\" + " + deep, 1, 21},
		{"unterminated string", "a = \"x\nb = " + deep, 2, 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, over := nativeNesting([]byte(tt.src), 10)
			switch {
			case tt.line == 0 && over:
				t.Errorf("refused at %d:%d, want accepted", at.Line, at.Column)
			case tt.line != 0 && !over:
				t.Errorf("accepted, want refused at %d:%d", tt.line, tt.column)
			case tt.line != 0 && (at.Line != tt.line || at.Column != tt.column):
				t.Errorf("refused at %d:%d, want %d:%d", at.Line, at.Column, tt.line, tt.column)
			}
		})
	}
}

// TestNestingOfRealFiles checks that no configuration of the project comes
// near the limit, so that the scan does not miscount what real files hold.
func TestNestingOfRealFiles(t *testing.T) {
	var paths []string
	for _, pattern := range []string{
		filepath.Join("testdata", "*", "*.hcl"),
		filepath.Join(testenv.Path(t, "examples"), "*.hcl"),
	} {
		found, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, found...)
	}
	if len(paths) < 10 {
		t.Fatalf("found only %d files: %v", len(paths), paths)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if at, over := nativeNesting(src, 8); over {
			t.Errorf("%s: nests more than 8 levels at %d:%d", path, at.Line, at.Column)
		}
	}
}

func TestLoadReportsUnreadableFiles(t *testing.T) {
	dir := t.TempDir()
	large := filepath.Join(dir, "large.hcl")
	if err := os.WriteFile(large, bytes.Repeat([]byte("#\n"), MaxFileSize/2+1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, summary string
		// details lists what the detail must say.
		details []string
	}{
		{"missing", filepath.Join("testdata", "nonexist.hcl"), "Cannot read configuration file",
			[]string{"open testdata/nonexist.hcl: no such file or directory", "Check the path"}},
		{"directory", filepath.Join("testdata", "valid"), "Cannot read configuration file",
			[]string{"is a directory", "such as testdata/valid/full.hcl"}},
		{"standard input", "-", "Cannot read configuration file",
			[]string{"open -: no such file or directory", "standard input is not supported"}},
		{"too large", large, "Configuration file too large",
			[]string{"at most 4.0 MiB", large}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := Load(tt.path, Options{Registry: tableRegistry(t)})
			if len(diags) != 1 || diags[0].Summary != tt.summary {
				t.Fatalf("diagnostics = %v, want one %s", diags, tt.summary)
			}
			for _, want := range tt.details {
				if !strings.Contains(diags[0].Detail, want) {
					t.Errorf("detail %q does not say %q", diags[0].Detail, want)
				}
			}
			var buf bytes.Buffer
			if err := newReport(diags, cfg.Files()).Write(&buf); err != nil {
				t.Fatal(err)
			}
			var report ValidateReport
			if err := json.Unmarshal(buf.Bytes(), &report); err != nil {
				t.Fatal(err)
			}
			if d := report.Diagnostics[0]; d.File != tt.path || d.Line != 1 || d.Column != 1 {
				t.Errorf("report places it at %q:%d:%d, want %q:1:1",
					d.File, d.Line, d.Column, tt.path)
			}
		})
	}
}

// TestLoadAcceptsFileAtSizeLimit loads a valid file padded with a comment
// to exactly MaxFileSize bytes.
func TestLoadAcceptsFileAtSizeLimit(t *testing.T) {
	src := []byte(wrapPipeline("10"))
	pad := MaxFileSize - len(src) - 1
	src = append(src, '#')
	src = append(src, bytes.Repeat([]byte("x"), pad)...)
	path := filepath.Join(t.TempDir(), "p.hcl")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(path, Options{Registry: tableRegistry(t)})
	if len(diags) > 0 || len(cfg.Pipelines) != 1 {
		t.Fatalf("%d-byte file: %v", len(src), diags)
	}
}

func TestVariableSourcesRefusedWhenDeep(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	dir := t.TempDir()
	config := filepath.Join(dir, "p.hcl")
	src := "variable \"l\" {\n  type = list(any)\n  default = []\n}\n" + wrapPipeline("10")
	if err := os.WriteFile(config, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	varFile := filepath.Join(dir, "deep.spvars.hcl")
	if err := os.WriteFile(varFile, []byte("l = "+deep+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonFile := filepath.Join(dir, "deep.json")
	if err := os.WriteFile(jsonFile, []byte(`{"l": `+deep+"}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    Options
		file    string
		summary string
	}{
		{"-var", Options{Vars: []string{"l=" + deep}}, "<value for var.l from -var>",
			"Nesting too deep"},
		{"environment", Options{Environ: []string{"STREAMPIPE_VAR_l=" + deep}},
			"<value for var.l from env STREAMPIPE_VAR_l>", "Nesting too deep"},
		{"-var-file", Options{VarFiles: []string{varFile}}, varFile, "Nesting too deep"},
		{"JSON -var-file", Options{VarFiles: []string{jsonFile}}, jsonFile, "Nesting too deep"},
		{"large -var", Options{Vars: []string{"l=[" + strings.Repeat(" ", MaxFileSize) + "]"}},
			"<value for var.l from -var>", "Value too large"},
		{"missing -var-file", Options{VarFiles: []string{filepath.Join(dir, "none.hcl")}},
			filepath.Join(dir, "none.hcl"), "Cannot read variables file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Registry = tableRegistry(t)
			_, diags := Load(config, tt.opts)
			if len(diags) != 1 || diags[0].Summary != tt.summary {
				t.Fatalf("diagnostics = %v, want one %s", diags, tt.summary)
			}
			if s := diags[0].Subject; s == nil || s.Filename != tt.file {
				t.Errorf("placed at %v, want in %s", s, tt.file)
			}
		})
	}
}

func TestLoadPluginsRefusesDeepFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deep.hcl")
	if err := os.WriteFile(path, []byte(deepPipeline(100000)), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Registry: tableRegistry(t), DescribePlugin: refuseToStart}
	_, diags := LoadPlugins(path, opts)
	if len(diags) != 1 || diags[0].Summary != "Nesting too deep" {
		t.Fatalf("diagnostics = %v, want one Nesting too deep", diags)
	}
}

func TestFormatRefusesDeepAndLargeSources(t *testing.T) {
	tests := []struct {
		name, src, summary string
	}{
		{"deep", deepPipeline(100000), "Nesting too deep"},
		{"large", strings.Repeat("#\n", MaxFileSize/2+1), "Configuration file too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, diags := Format("deep.hcl", []byte(tt.src))
			if out != nil || len(diags) != 1 || diags[0].Summary != tt.summary {
				t.Fatalf("Format = %d bytes, %v; want no output and one %s",
					len(out), diags, tt.summary)
			}
			files := FilesOf("deep.hcl", []byte(tt.src))
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, diags, files, 80, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), "on deep.hcl:") || buf.Len() > 2000 {
				t.Errorf("rendered as %d bytes:\n%.2000s", buf.Len(), buf.String())
			}
		})
	}
}
