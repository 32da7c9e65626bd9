package hcl

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages"
)

// A test file states what Load must report on the line where it happens:
//
//	fps = 0 # ERROR 9: Value out of range [greater than 0]
//
// 9 is the column where the diagnostic's subject starts, the rest is its
// summary, and the optional text in brackets must occur in its detail. A
// line may hold several expectations. "ERROR -:" expects a diagnostic that
// has no place in the file (a -var option, a -var-file); WARNING works like
// ERROR. Lines "# OPTION -var name=value", "# OPTION -var-file path" (from
// the test file's directory) and "# OPTION env NAME=value" set Options.
var (
	expectRE = regexp.MustCompile(`#\s*(ERROR|WARNING)\s+(\d+|-):\s*([^#\[]*?)\s*(?:\[([^\]]*)\])?\s*(?:$|#)`)
	optionRE = regexp.MustCompile(`^#\s*OPTION\s+(-var-file|-var|env)\s+(.*)$`)
)

// diagKey identifies a diagnostic for comparison; line and column are 0
// for diagnostics outside the test file.
type diagKey struct {
	severity     string
	line, column int
	summary      string
}

func (k diagKey) String() string {
	if k.line == 0 {
		return fmt.Sprintf("%s -: %s", k.severity, k.summary)
	}
	return fmt.Sprintf("%s %d:%d: %s", k.severity, k.line, k.column, k.summary)
}

type expectation struct {
	key    diagKey
	detail string
}

// readExpectations parses the annotations of a test file.
func readExpectations(t *testing.T, path string) ([]expectation, Options) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts := Options{Registry: tableRegistry(t)}
	var want []expectation
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if m := optionRE.FindStringSubmatch(strings.TrimSpace(text)); m != nil {
			switch m[1] {
			case "-var":
				opts.Vars = append(opts.Vars, m[2])
			case "-var-file":
				opts.VarFiles = append(opts.VarFiles, filepath.Join(filepath.Dir(path), m[2]))
			case "env":
				opts.Environ = append(opts.Environ, m[2])
			}
			continue
		}
		// Match expectations one at a time, so that several on a line
		// each see their own end.
		for rest := text; ; {
			i := strings.Index(rest, "# ERROR")
			if j := strings.Index(rest, "# WARNING"); j >= 0 && (i < 0 || j < i) {
				i = j
			}
			if i < 0 {
				break
			}
			rest = rest[i:]
			m := expectRE.FindStringSubmatch(rest)
			if m == nil {
				t.Fatalf("%s:%d: malformed expectation %q", path, line, rest)
			}
			k := diagKey{severity: strings.ToLower(m[1]), summary: m[3]}
			if m[2] != "-" {
				k.line = line
				fmt.Sscan(m[2], &k.column)
			}
			want = append(want, expectation{key: k, detail: m[4]})
			rest = rest[1:]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return want, opts
}

func keyOf(d *hcl.Diagnostic, path string) diagKey {
	k := diagKey{severity: "error", summary: d.Summary}
	if d.Severity == hcl.DiagWarning {
		k.severity = "warning"
	}
	if d.Subject != nil && d.Subject.Filename == path {
		k.line, k.column = d.Subject.Start.Line, d.Subject.Start.Column
	}
	return k
}

// checkDiagnostics asserts that diags are exactly the expected ones.
func checkDiagnostics(t *testing.T, path string, diags hcl.Diagnostics, want []expectation) {
	t.Helper()
	got := map[diagKey][]*hcl.Diagnostic{}
	for _, d := range diags {
		k := keyOf(d, path)
		got[k] = append(got[k], d)
	}
	for _, w := range want {
		ds := got[w.key]
		if len(ds) == 0 {
			t.Errorf("missing diagnostic %v", w.key)
			continue
		}
		d := ds[0]
		got[w.key] = ds[1:]
		if w.detail != "" && !strings.Contains(d.Detail, w.detail) {
			t.Errorf("%v: detail %q does not contain %q", w.key, d.Detail, w.detail)
		}
		if d.Detail == "" {
			t.Errorf("%v: empty detail", w.key)
		}
	}
	var extra []string
	for k, ds := range got {
		for _, d := range ds {
			extra = append(extra, fmt.Sprintf("%v (%s)", k, d.Detail))
		}
	}
	slices.Sort(extra)
	for _, e := range extra {
		t.Errorf("unexpected diagnostic %s", e)
	}
}

func testFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in testdata/%s: %v", dir, err)
	}
	return files
}

func TestLoadInvalid(t *testing.T) {
	for _, path := range testFiles(t, "invalid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, opts := readExpectations(t, path)
			if len(want) == 0 {
				t.Fatal("an invalid test file must expect at least one diagnostic")
			}
			cfg, diags := Load(path, opts)
			checkDiagnostics(t, path, diags, want)
			if cfg == nil {
				t.Fatal("Load returned a nil Config")
			}
			if diags.HasErrors() && len(cfg.Files()) == 0 {
				t.Error("Files is empty, so diagnostics cannot be rendered")
			}
		})
	}
}

func TestLoadValid(t *testing.T) {
	for _, path := range testFiles(t, "valid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, opts := readExpectations(t, path)
			cfg, diags := Load(path, opts)
			checkDiagnostics(t, path, diags, want)
			blocks := countPipelineBlocks(t, path)
			if len(cfg.Pipelines) != blocks {
				t.Fatalf("got %d pipelines, want %d", len(cfg.Pipelines), blocks)
			}
			for _, p := range cfg.Pipelines {
				checkChainShape(t, p)
			}
		})
	}
}

// countPipelineBlocks counts the top-level pipeline blocks of a file.
func countPipelineBlocks(t *testing.T, path string) int {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(regexp.MustCompile(`(?m)^pipeline "`).FindAll(src, -1))
}

// checkChainShape asserts the order every built pipeline must have: one
// capture first, exactly one quality followed at once by... a batch
// after it, sinks last.
func checkChainShape(t *testing.T, p *pipeline.Pipeline) {
	t.Helper()
	nodes := p.Nodes()
	var fams []pipeline.Family
	for _, n := range nodes {
		fams = append(fams, n.Family)
	}
	if fams[0] != pipeline.FamilyCapture {
		t.Errorf("pipeline %s: first stage is %s, want capture (%v)", p.Name(), fams[0], fams)
	}
	q := slices.Index(fams, pipeline.FamilyQuality)
	b := slices.Index(fams, pipeline.FamilyBatch)
	if q < 0 || b < 0 || b < q {
		t.Errorf("pipeline %s: want a quality stage before a batch stage, got %v", p.Name(), fams)
	}
	if fams[len(fams)-1] != pipeline.FamilySink {
		t.Errorf("pipeline %s: last stage is %s, want a sink (%v)", p.Name(), fams[len(fams)-1], fams)
	}
}

// TestExamples loads the example configurations shipped with streampipe
// against the built-in stage kinds.
func TestExamples(t *testing.T) {
	for _, name := range []string{"pipeline.hcl", "video.hcl"} {
		t.Run(name, func(t *testing.T) {
			path := testenv.Path(t, "examples", name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("examples/%s is not there: %v", name, err)
			}
			cfg, diags := Load(path, Options{Registry: stages.Registry()})
			if len(diags) > 0 {
				var buf strings.Builder
				_ = WriteDiagnostics(&buf, diags, cfg.Files(), 100, false)
				t.Fatalf("examples/%s:\n%s", name, buf.String())
			}
			if len(cfg.Pipelines) == 0 {
				t.Fatal("no pipelines")
			}
			for _, p := range cfg.Pipelines {
				checkChainShape(t, p)
			}
		})
	}
}
