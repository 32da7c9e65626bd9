package hcl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// testPlugins are the plugin programs the files in testdata/plugins run,
// by the name they have in the bin directory.
var testPlugins = map[string]string{
	"behave":      "plugins/testdata/behave",
	"futureproto": "plugins/testdata/futureproto",
	"straystdout": "plugins/testdata/straystdout",
	"grayscale":   "examples/plugins/grayscale",
	"overlay":     "examples/plugins/overlay",
}

var (
	binOnce sync.Once
	binDir  string
	binErr  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	plugins.CleanupAll()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pluginBin builds the test plugins once per test binary and returns the
// directory that holds them.
func pluginBin(t testing.TB) string {
	t.Helper()
	goBin := testenv.Program(t, "go")
	root := testenv.RepoRoot(t)
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hcl-plugins-")
		if err != nil {
			binErr = err.Error()
			return
		}
		binDir = dir
		args := []string{"build", "-o", dir + string(filepath.Separator)}
		for _, pkg := range testPlugins {
			args = append(args, "./"+pkg)
		}
		cmd := exec.Command(goBin, args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = err.Error() + "\n" + string(out)
		}
	})
	if binErr != "" {
		t.Fatalf("building the test plugins: %s", binErr)
	}
	return binDir
}

// pluginOptions are the options the files in testdata/plugins are loaded
// with: the table registry, bin set, and a cache of their own.
func pluginOptions(t *testing.T, path string) ([]expectation, Options) {
	t.Helper()
	want, opts := readExpectations(t, path)
	opts.Vars = append(opts.Vars, "bin="+pluginBin(t))
	opts.PluginCacheDir = t.TempDir()
	return want, opts
}

func TestLoadPluginFiles(t *testing.T) {
	for _, path := range testFiles(t, "plugins") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, opts := pluginOptions(t, path)
			cfg, diags := Load(path, opts)
			checkDiagnostics(t, path, diags, want)
			if len(cfg.Pipelines) != 0 {
				t.Errorf("a file with errors built %d pipelines", len(cfg.Pipelines))
			}
		})
	}
	// Describing a plugin stops it again.
	for name := range testPlugins {
		testenv.WaitNoProcess(t, filepath.Join(pluginBin(t), name))
	}
}

// validPluginFile declares two plugins and uses them in a pipeline.
const validPluginFile = `variable "bin" {
  type = string
}

plugin "behave" {
  command       = ["${var.bin}/behave"]
  batch_timeout = "3s"
}

plugin "mono" {
  command = ["${var.bin}/grayscale"]
}

pipeline "p" {
  capture "synthetic" {}
  stage "behave" "b" {
    strength = 0.5
    mode     = "strict"
  }
  stage "mono" "gray" {
    quality = 70
  }
  sink "discard" {}
}
`

func writeConfig(t testing.TB, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pipeline.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPluginStages(t *testing.T) {
	bin := pluginBin(t)
	reg := tableRegistry(t)
	cfg, diags := Load(writeConfig(t, validPluginFile), Options{
		Registry:       reg,
		Vars:           []string{"bin=" + bin},
		PluginCacheDir: t.TempDir(),
	})
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if len(cfg.Pipelines) != 1 {
		t.Fatalf("got %d pipelines", len(cfg.Pipelines))
	}
	checkChainShape(t, cfg.Pipelines[0])

	// The plugin stages stand where the file puts them, built by the
	// plugins' factories with the settings of their blocks.
	var got []string
	for _, n := range cfg.Pipelines[0].Nodes() {
		if n.Family != pipeline.FamilyStage {
			continue
		}
		got = append(got, n.Kind+"/"+n.Name)
		if _, ok := n.Stage.(*plugins.Stage); !ok {
			t.Errorf("stage %s is a %T, want a *plugins.Stage", n.Name, n.Stage)
		}
	}
	if strings.Join(got, " ") != "behave/b mono/gray" {
		t.Errorf("plugin stages %v, want behave/b and mono/gray in that order", got)
	}

	// The kinds are in the Config's registry, not in the caller's.
	for _, name := range []string{"behave", "mono"} {
		k, ok := cfg.Registry().Lookup(pipeline.FamilyStage, name)
		if !ok || k.Plugin != name {
			t.Errorf("Config.Registry has no plugin kind %q (%v)", name, k)
		}
		if _, ok := reg.Lookup(pipeline.FamilyStage, name); ok {
			t.Errorf("Load registered %q in Options.Registry", name)
		}
	}
	if k, _ := cfg.Registry().Lookup(pipeline.FamilyStage, "mono"); k != nil {
		if _, ok := k.Spec.Attr("strength"); !ok {
			t.Errorf("kind mono lacks the grayscale plugin's setting strength: %+v", k.Spec)
		}
	}
}

// TestExamplePluginFile loads examples/plugins.hcl with the example
// plugins, the way `make plugins` builds them.
func TestExamplePluginFile(t *testing.T) {
	bin := pluginBin(t)
	path := testenv.Path(t, "examples", "plugins.hcl")
	cfg, diags := Load(path, Options{
		Registry:       tableRegistry(t),
		Vars:           []string{"plugin_dir=" + bin},
		PluginCacheDir: t.TempDir(),
	})
	if len(diags) > 0 {
		var buf strings.Builder
		_ = WriteDiagnostics(&buf, diags, cfg.Files(), 100, false)
		t.Fatalf("examples/plugins.hcl:\n%s", buf.String())
	}
	if len(cfg.Pipelines) != 1 {
		t.Fatalf("got %d pipelines, want 1", len(cfg.Pipelines))
	}
	checkChainShape(t, cfg.Pipelines[0])
	var got []string
	for _, n := range cfg.Pipelines[0].Nodes() {
		got = append(got, n.Name)
	}
	if want := "capture buffer stamp mono quality batch websocket"; strings.Join(got, " ") != want {
		t.Errorf("stages %v, want %s", got, want)
	}
}

func TestLoadPluginsReadsOnlyPlugins(t *testing.T) {
	bin := pluginBin(t)
	// The pipeline is wrong twice over; LoadPlugins does not look at it.
	src := strings.Replace(validPluginFile, "strength = 0.5", "strength = 7\n    nope = 1", 1)
	cfg, diags := LoadPlugins(writeConfig(t, src), Options{
		Registry:       tableRegistry(t),
		Vars:           []string{"bin=" + bin},
		PluginCacheDir: t.TempDir(),
	})
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if len(cfg.Pipelines) != 0 {
		t.Errorf("LoadPlugins built %d pipelines", len(cfg.Pipelines))
	}
	for _, name := range []string{"behave", "mono"} {
		if _, ok := cfg.Registry().Lookup(pipeline.FamilyStage, name); !ok {
			t.Errorf("no kind %q", name)
		}
	}
	if _, ok := cfg.Registry().Lookup(pipeline.FamilyCapture, "exec"); !ok {
		t.Error("the built-in kinds are missing from Config.Registry")
	}
}

// TestPluginSchemaCache shows that a second load takes the schema from
// the cache, by editing the cached copy, and that NoPluginCache ignores it.
func TestPluginSchemaCache(t *testing.T) {
	bin := pluginBin(t)
	cache := t.TempDir()
	path := writeConfig(t, validPluginFile)
	load := func(noCache bool) *pipeline.Kind {
		t.Helper()
		cfg, diags := LoadPlugins(path, Options{
			Registry:       tableRegistry(t),
			Vars:           []string{"bin=" + bin},
			PluginCacheDir: cache,
			NoPluginCache:  noCache,
		})
		if len(diags) > 0 {
			t.Fatalf("diagnostics: %v", diags)
		}
		k, _ := cfg.Registry().Lookup(pipeline.FamilyStage, "behave")
		return k
	}
	first := load(false)

	entries, err := os.ReadDir(cache)
	if err != nil || len(entries) != 2 {
		t.Fatalf("the cache holds %d entries (%v), want one per plugin", len(entries), err)
	}
	edited := 0
	for _, e := range entries {
		p := filepath.Join(cache, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), strconv.Quote(first.Summary)) {
			continue
		}
		b = []byte(strings.Replace(string(b), strconv.Quote(first.Summary), `"Read from the cache."`, 1))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		edited++
	}
	if edited != 1 {
		t.Fatalf("found the summary %q in %d cache entries, want 1", first.Summary, edited)
	}

	if k := load(false); k.Summary != "Read from the cache." {
		t.Errorf("second load: summary %q, want the cached copy's", k.Summary)
	}
	if k := load(true); k.Summary != first.Summary {
		t.Errorf("NoPluginCache: summary %q, want the plugin's own %q", k.Summary, first.Summary)
	}
}

func TestPluginDescribeHonoursContext(t *testing.T) {
	bin := pluginBin(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := writeConfig(t, validPluginFile)
	_, diags := LoadPlugins(path, Options{
		Registry:      tableRegistry(t),
		Vars:          []string{"bin=" + bin},
		NoPluginCache: true,
		Context:       ctx,
	})
	if len(diags) != 2 {
		t.Fatalf("got %d diagnostics, want one per plugin: %v", len(diags), diags)
	}
	for i, d := range diags {
		line := []int{6, 11}[i] // the command attributes
		if d.Summary != "Cannot start plugin" || d.Subject == nil ||
			d.Subject.Start.Line != line || !strings.Contains(d.Detail, "canceled") {
			t.Errorf("diagnostic %d: %q at %v: %s", i, d.Summary, d.Subject, d.Detail)
		}
	}
}

func TestStartDiagnostics(t *testing.T) {
	spec := pipeline.Spec{Attrs: []pipeline.Attr{{Name: "mode", Type: pipeline.TypeString}}}
	c := pipeline.NewConfig(spec, "b")
	c.DefRange = pipeline.Range{Filename: "p.hcl", Start: pipeline.Pos{Line: 7, Column: 3}}
	c.Set("mode", "bad", pipeline.Range{Filename: "p.hcl", Start: pipeline.Pos{Line: 8, Column: 12}})
	joined := errors.Join(
		c.Errorf("mode", "Unsupported mode", "Use normal."),
		c.Errorf("", "", "Whole block."))
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"none", errors.New("plain"), nil},
		{"wrapped and joined", &pipeline.StageError{Pipeline: "p", Stage: "b",
			Err: fmt.Errorf("start: %w", joined)},
			[]string{
				"p.hcl:8,12-0,0: Unsupported mode; Use normal.",
				"p.hcl:7,3-0,0: Invalid stage settings; Whole block.",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range StartDiagnostics(tc.err) {
				got = append(got, d.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDescribePluginOption replaces plugins.Kind, so that what the loader
// does with a kind, or an error, is tested without a program.
func TestDescribePluginOption(t *testing.T) {
	const src = `plugin "fake" {
  command = ["./fake"]
}

pipeline "p" {
  capture "synthetic" {}
  stage "fake" "f" {
    level = 3
  }
  sink "discard" {}
}
`
	spec := func(rng string) pipeline.Spec {
		return pipeline.Spec{Attrs: []pipeline.Attr{{Name: "level", Type: pipeline.TypeInt, Range: rng}}}
	}
	kind := func(s pipeline.Spec, st pipeline.Stability) pipeline.Kind {
		return pipeline.Kind{Family: pipeline.FamilyStage, Name: "fake", Plugin: "fake", Stability: st, Spec: s,
			New: func(*pipeline.Config, pipeline.Env) (any, error) { return fakeProcessor{}, nil }}
	}
	for _, tc := range []struct {
		name      string
		kind      pipeline.Kind
		err       error
		want      string // severity, line:column and summary of the one diagnostic; "" for none
		pipelines int
	}{
		{"accepted", kind(spec("[0,5]"), pipeline.StabilityBeta), nil, "", 1},
		{"deprecated", kind(spec(""), pipeline.StabilityDeprecated), nil,
			"warning 7:9: Deprecated stage kind", 1},
		{"setting out of range", kind(spec("[0,2]"), pipeline.StabilityBeta), nil,
			"error 8:13: Value out of range", 0},
		{"malformed schema", kind(spec("(oops"), pipeline.StabilityBeta), nil,
			"error 2:13: Invalid plugin schema", 0},
		{"plain error", pipeline.Kind{}, errors.New("no luck"), "error 2:13: Cannot start plugin", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, src)
			var got plugins.Decl
			cfg, diags := Load(path, Options{
				Registry:      tableRegistry(t),
				NoPluginCache: true,
				DescribePlugin: func(_ context.Context, d plugins.Decl, o plugins.Options) (pipeline.Kind, error) {
					got = d
					if o.CacheDir != "" {
						t.Errorf("NoPluginCache, but the cache dir is %q", o.CacheDir)
					}
					return tc.kind, tc.err
				},
			})
			if got.Name != "fake" || got.Dir != filepath.Dir(path) ||
				strings.Join(got.Command, " ") != "./fake" {
				t.Errorf("DescribePlugin got %+v", got)
			}
			var keys []string
			for _, d := range diags {
				keys = append(keys, keyOf(d, path).String())
			}
			if strings.Join(keys, "|") != tc.want {
				t.Errorf("diagnostics %q, want %q", keys, tc.want)
			}
			if len(cfg.Pipelines) != tc.pipelines {
				t.Errorf("%d pipelines built, want %d", len(cfg.Pipelines), tc.pipelines)
			}
		})
	}
}

// BenchmarkLoadWithPlugins loads a file declaring two plugins: with a warm
// schema cache (no program started), and without a cache (each plugin
// started once to describe itself).
func BenchmarkLoadWithPlugins(b *testing.B) {
	bin := pluginBin(b)
	path := writeConfig(b, validPluginFile)
	for _, bc := range []struct {
		name    string
		noCache bool
	}{{"cached", false}, {"uncached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			opts := Options{
				Registry:       tableRegistry(b),
				Vars:           []string{"bin=" + bin},
				PluginCacheDir: b.TempDir(),
				NoPluginCache:  bc.noCache,
			}
			for b.Loop() {
				if _, diags := Load(path, opts); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
		})
	}
}
