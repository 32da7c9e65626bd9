package plugins_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	sphcl "github.com/streampipe/streampipe/hcl"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

type nopSource struct{}

func (nopSource) Run(context.Context, pipeline.Output) error { return nil }

type nopSink struct{}

func (nopSink) Consume(context.Context, pipeline.Message) error { return nil }

// TestWrongPluginAttributeDiagnostic loads a file through streampipe's
// configuration loader with the plugin's kind registered, and checks that
// mistakes in the plugin's settings get the same diagnostics as those of a
// built-in stage, at their line and column.
func TestWrongPluginAttributeDiagnostic(t *testing.T) {
	kind, err := plugins.Kind(context.Background(), plugins.Decl{Name: "behave", Command: []string{behave(t)}}, plugins.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg := pipeline.NewRegistry()
	reg.MustRegister(kind)
	reg.MustRegister(pipeline.Kind{Family: pipeline.FamilyCapture, Name: "test",
		New: func(*pipeline.Config, pipeline.Env) (any, error) { return nopSource{}, nil }})
	reg.MustRegister(pipeline.Kind{Family: pipeline.FamilySink, Name: "test",
		New: func(*pipeline.Config, pipeline.Env) (any, error) { return nopSink{}, nil }})

	for _, tc := range []struct {
		name, body     string
		summary        string
		line, col      int
		detailContains string
	}{
		{"unknown attribute", `strenght = 0.8`, "Unsupported argument", 4, 5, "strength"},
		{"out of range", `strength = 1.5`, "", 4, 16, "between 0 and 1"},
		{"not one of", `mode = "loud"`, "", 4, 12, "normal"},
		{"wrong type", `panic_at = "soon"`, "", 4, 16, "number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "pipeline \"t\" {\n" +
				"  capture \"test\" {}\n" +
				"  stage \"behave\" \"b\" {\n" +
				"    " + tc.body + "\n" +
				"  }\n" +
				"  sink \"test\" {}\n" +
				"}\n"
			path := filepath.Join(t.TempDir(), "pipeline.hcl")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, diags := sphcl.Load(path, sphcl.Options{Registry: reg})
			if !diags.HasErrors() {
				t.Fatalf("no error for %s", tc.body)
			}
			d := diags[0]
			if tc.summary != "" && d.Summary != tc.summary {
				t.Errorf("summary %q, want %q", d.Summary, tc.summary)
			}
			if d.Subject == nil || d.Subject.Start.Line != tc.line || d.Subject.Start.Column != tc.col {
				t.Errorf("diagnostic %q at %v, want line %d column %d", d.Summary, subject(d), tc.line, tc.col)
			}
			if !strings.Contains(d.Summary+" "+d.Detail, tc.detailContains) {
				t.Errorf("diagnostic %q: %q lacks %q", d.Summary, d.Detail, tc.detailContains)
			}
		})
	}
}

func subject(d *hcl.Diagnostic) string {
	if d.Subject == nil {
		return "nowhere"
	}
	return d.Subject.String()
}
