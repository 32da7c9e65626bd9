package hcl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// FuzzLoad feeds arbitrary files to Load, and its diagnostics to both
// renderers; none may panic. The seed corpus is every file under testdata,
// and crashers found so far live in testdata/fuzz/FuzzLoad. Plugin blocks
// are decoded, but their programs are never started: a fuzzed file could
// name any program on the machine.
func FuzzLoad(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*", "*.hcl"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, path := range seeds {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	// Sources around the nesting limit, which would overflow the stack of
	// HCL's parsers if they got through.
	for _, n := range []int{MaxNesting - 3, MaxNesting - 1, MaxNesting + 10} {
		f.Add([]byte(deepPipeline(n)))
		f.Add([]byte(wrapPipeline(strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n))))
		f.Add([]byte(wrapPipeline(strings.Repeat("!", n) + "true")))
	}
	reg := tableRegistry(f)

	// One directory for all inputs: a new one per input would cost more
	// than loading it.
	dir := f.TempDir()
	var n atomic.Int64

	f.Fuzz(func(t *testing.T, src []byte) {
		path := filepath.Join(dir, fmt.Sprintf("fuzz-%d.hcl", n.Add(1)))
		defer os.Remove(path)
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := Load(path, Options{Registry: reg, DescribePlugin: refuseToStart})
		if cfg == nil {
			t.Fatal("Load returned a nil Config")
		}
		if !diags.HasErrors() && len(cfg.Pipelines) == 0 {
			t.Fatal("no errors but no pipelines either")
		}
		if diags.HasErrors() {
			for _, d := range diags {
				if d.Summary == "" {
					t.Errorf("diagnostic without a summary: %v", d)
				}
			}
		}
		if err := newReport(diags, cfg.Files()).Write(io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := WriteDiagnostics(io.Discard, diags, cfg.Files(), 80, true); err != nil {
			t.Fatal(err)
		}
		if out, fdiags := Format(path, src); !fdiags.HasErrors() {
			if again, _ := Format(path, out); string(again) != string(out) {
				t.Errorf("Format is not idempotent on %q", src)
			}
		}
	})
}

// refuseToStart stands in for plugins.Kind where no program may run.
func refuseToStart(_ context.Context, d plugins.Decl, _ plugins.Options) (pipeline.Kind, error) {
	return pipeline.Kind{}, &plugins.StartError{Plugin: d.Name, Kind: plugins.ErrStart,
		Err: errors.New("not started"), Detail: "this test starts no programs"}
}
