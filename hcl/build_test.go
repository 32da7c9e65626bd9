package hcl

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/streampipe/streampipe/pipeline"
)

// loadSource loads src written to a temporary pipeline.hcl.
func loadSource(t *testing.T, src string, opts Options) (*Config, hcl.Diagnostics) {
	t.Helper()
	dir := writeFiles(t, map[string]string{"pipeline.hcl": src})
	if opts.Registry == nil {
		opts.Registry = testRegistry()
	}
	return Load(filepath.Join(dir, "pipeline.hcl"), opts)
}

func stageNames(p *pipeline.Pipeline) []string {
	var names []string
	for _, n := range p.Nodes() {
		names = append(names, n.Name)
	}
	return names
}

func TestDefaultQualityAndBatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stages string
		want   []string
	}{
		{
			name:   "both added before the sinks",
			stages: `capture "synthetic" {} sink "discard" {} sink "websocket" {}`,
			want:   []string{"capture", "quality", "batch", "discard", "websocket"},
		},
		{
			name:   "quality after the last middle stage",
			stages: `capture "synthetic" {} buffer {} stage "tag" "t" {} sink "discard" {}`,
			want:   []string{"capture", "buffer", "t", "quality", "batch", "discard"},
		},
		{
			name:   "quality right before a declared batch",
			stages: `capture "synthetic" {} buffer {} batch {} stage "tag" "t" {} sink "discard" {}`,
			want:   []string{"capture", "buffer", "quality", "batch", "t", "discard"},
		},
		{
			name:   "batch right after a declared quality",
			stages: `capture "synthetic" {} quality {} buffer {} sink "discard" {}`,
			want:   []string{"capture", "quality", "batch", "buffer", "discard"},
		},
		{
			name:   "nothing added when both are declared",
			stages: `capture "synthetic" {} quality { name = "q" } batch { name = "b" } sink "discard" {}`,
			want:   []string{"capture", "q", "b", "discard"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "pipeline \"p\" {\n" + strings.ReplaceAll(tc.stages, "} ", "}\n") + "\n}\n"
			cfg, diags := loadSource(t, src, Options{})
			if len(diags) > 0 {
				t.Fatal(diags)
			}
			if got := stageNames(cfg.Pipelines[0]); !slices.Equal(got, tc.want) {
				t.Errorf("stages = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFactoriesSeeUpstreamAndEnv(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	cfg, diags := loadSource(t, `
pipeline "city" {
  capture "synthetic" {
    fps = 25
  }
  quality {
    tier "high" {
      fps = 25
    }
    tier "low" {
      fps   = 5
      scale = 0.5
    }
  }
  batch {
    max_size = 3
  }
  sink "websocket" {}
}
`, Options{Logger: logger})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	nodes := cfg.Pipelines[0].Nodes()
	sink := nodes[len(nodes)-1].Stage.(*fakeSink)

	up := sink.env.Upstream
	if up.FPS != 25 || up.ContentType != pipeline.ContentTypeJPEG {
		t.Errorf("upstream = %+v, want the capture's 25 fps JPEG", up)
	}
	wantTiers := []pipeline.TierInfo{{Name: "high", FPS: 25, Scale: 1}, {Name: "low", FPS: 5, Scale: 0.5}}
	if !slices.Equal(up.Tiers, wantTiers) {
		t.Errorf("tiers = %+v, want %+v", up.Tiers, wantTiers)
	}
	if up.Batch.MaxSize != 3 || up.Batch.MinSize != 1 {
		t.Errorf("batch = %+v, want min 1 max 3", up.Batch)
	}
	if nodes[len(nodes)-1].Info.FPS != 25 {
		t.Errorf("sink node info = %+v, want its upstream passed through", nodes[len(nodes)-1].Info)
	}

	env := sink.env
	if env.Pipeline != "city" || env.Stage != "websocket" {
		t.Errorf("env names = %q/%q, want city/websocket", env.Pipeline, env.Stage)
	}
	stats, ok := env.Report.(*pipeline.Stats)
	if !ok || stats != nodes[len(nodes)-1].Stats {
		t.Fatalf("env.Report = %T, want the node's *pipeline.Stats", env.Report)
	}
	if stats.Pipeline != "city" || stats.Stage != "websocket" || stats.Family != pipeline.FamilySink || stats.Kind != "websocket" {
		t.Errorf("stats = %+v", stats.Snapshot())
	}
	env.Logger.Info("hello")
	if line := logs.String(); !strings.Contains(line, "pipeline=city") || !strings.Contains(line, "stage=websocket") {
		t.Errorf("stage logger does not carry its names: %q", line)
	}
}

// errorKind returns a registry whose sink "broken" fails with the error mk
// makes from its configuration, and counts its factory calls.
func errorKind(mk func(c *pipeline.Config) error, calls *int) *pipeline.Registry {
	r := testRegistry()
	r.MustRegister(pipeline.Kind{
		Family: pipeline.FamilySink, Name: "broken",
		Spec: pipeline.Spec{Attrs: []pipeline.Attr{
			{Name: "a", Type: pipeline.TypeInt, Default: 1},
			{Name: "b", Type: pipeline.TypeInt, Default: 2},
		}},
		New: func(c *pipeline.Config, _ pipeline.Env) (any, error) {
			*calls++
			return nil, mk(c)
		},
	})
	return r
}

func TestFactoryErrors(t *testing.T) {
	const src = `pipeline "p" {
  capture "synthetic" {}
  sink "broken" {
    a = 10
  }
}
`
	badB := func(c *pipeline.Config) error { return c.Errorf("b", "Bad b", "b is bad; fix it.") }
	for _, tc := range []struct {
		name string
		src  string
		mk   func(c *pipeline.Config) error
		want []string // "line:col summary"
	}{
		{name: "config error about an unset attribute", src: src, mk: badB, want: []string{"3:3 Bad b"}},
		{
			name: "config error about a written attribute",
			src:  strings.Replace(src, "a = 10", "b = 10", 1),
			mk:   badB, want: []string{"4:9 Bad b"},
		},
		{
			name: "config error about the block",
			src:  src,
			mk:   func(c *pipeline.Config) error { return c.Errorf("", "Bad block", "All wrong.") },
			want: []string{"3:3 Bad block"},
		},
		{
			name: "plain error at the header",
			src:  src,
			mk:   func(*pipeline.Config) error { return errors.New("no luck") },
			want: []string{"3:3 Cannot build stage"},
		},
		{
			name: "joined and wrapped errors each reported",
			src:  src,
			mk: func(c *pipeline.Config) error {
				return errors.Join(
					fmt.Errorf("checking a: %w", c.Errorf("a", "Bad a", "a is bad.")),
					badB(c),
					errors.New("plain"),
				)
			},
			want: []string{"3:3 Bad b", "3:3 Cannot build stage", "4:9 Bad a"},
		},
		{
			name: "config error without a config",
			src:  src,
			mk:   func(*pipeline.Config) error { return &pipeline.ConfigError{Summary: "Lost"} },
			want: []string{"3:3 Cannot build stage"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls int
			_, diags := loadSource(t, tc.src, Options{Registry: errorKind(tc.mk, &calls)})
			var got []string
			for _, d := range diags {
				got = append(got, fmt.Sprintf("%d:%d %s", d.Subject.Start.Line, d.Subject.Start.Column, d.Summary))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("diagnostics = %q, want %q", got, tc.want)
			}
			if calls != 1 {
				t.Errorf("factory called %d times, want 1", calls)
			}
		})
	}

	t.Run("no factory call after decode errors", func(t *testing.T) {
		var calls int
		reg := errorKind(badB, &calls)
		_, diags := loadSource(t, strings.Replace(src, "a = 10", `a = "x"`, 1), Options{Registry: reg})
		if len(diags) != 1 || diags[0].Summary != "Incorrect attribute value type" {
			t.Errorf("diagnostics = %v, want only the type error", diags)
		}
		if calls != 0 {
			t.Errorf("factory called %d times after a decode error", calls)
		}
	})
}

func TestDeprecatedKindWarns(t *testing.T) {
	reg := testRegistry()
	reg.MustRegister(pipeline.Kind{
		Family: pipeline.FamilySink, Name: "old", Stability: pipeline.StabilityDeprecated,
		New: newFakeSink,
	})
	cfg, diags := loadSource(t, "pipeline \"p\" {\n  capture \"synthetic\" {}\n  sink \"old\" {}\n}\n", Options{Registry: reg})
	if len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || diags[0].Summary != "Deprecated stage kind" {
		t.Fatalf("diagnostics = %v, want one deprecation warning", diags)
	}
	if len(cfg.Pipelines) != 1 {
		t.Error("a warning must not keep the pipeline from being built")
	}
}

func TestLoadMissingFile(t *testing.T) {
	cfg, diags := Load(filepath.Join(t.TempDir(), "nope.hcl"), Options{Registry: testRegistry()})
	if !diags.HasErrors() || cfg == nil || len(cfg.Pipelines) != 0 {
		t.Fatalf("Load of a missing file = %v, %v; want an error and an empty Config", cfg, diags)
	}
}

func TestLoadJSONSyntax(t *testing.T) {
	dir := writeFiles(t, map[string]string{"pipeline.json": `{
  "pipeline": {
    "j": {
      "capture": {"synthetic": {"fps": 12}},
      "buffer": {"capacity": 3},
      "sink": {"discard": {}}
    }
  }
}`})
	cfg := mustLoad(t, filepath.Join(dir, "pipeline.json"), Options{})
	if got, want := stageNames(cfg.Pipelines[0]), []string{"capture", "buffer", "quality", "batch", "discard"}; !slices.Equal(got, want) {
		t.Errorf("stages = %v, want %v", got, want)
	}
}

func TestLoadWithoutRegistryPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("Load without a registry did not panic")
		}
	}()
	Load("pipeline.hcl", Options{})
}

func TestNestedBlockCounts(t *testing.T) {
	reg := testRegistry()
	reg.MustRegister(pipeline.Kind{
		Family: pipeline.FamilySink, Name: "multi", New: newFakeSink,
		Spec: pipeline.Spec{Blocks: []pipeline.BlockSpec{{
			Name: "target", Min: 1, Max: 2,
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{{Name: "url", Type: pipeline.TypeString, Required: true}}},
		}}},
	})
	for _, tc := range []struct {
		name, body string
		want       []string // "line:col summary"
	}{
		{name: "within bounds", body: `target { url = "a" }`},
		{name: "too few", body: ``, want: []string{"3:3 Insufficient target blocks"}},
		{
			name: "too many",
			body: "target { url = \"a\" }\n    target { url = \"b\" }\n    target { url = \"c\" }",
			want: []string{"6:5 Too many target blocks"},
		},
		{name: "nested required", body: `target {}`, want: []string{"4:5 Missing required argument"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "pipeline \"p\" {\n  capture \"synthetic\" {}\n  sink \"multi\" {\n    " + tc.body + "\n  }\n}\n"
			_, diags := loadSource(t, src, Options{Registry: reg})
			var got []string
			for _, d := range diags {
				got = append(got, fmt.Sprintf("%d:%d %s", d.Subject.Start.Line, d.Subject.Start.Column, d.Summary))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("diagnostics = %q, want %q", got, tc.want)
			}
		})
	}
}
