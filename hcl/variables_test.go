package hcl

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
)

// writeFiles writes name -> content into a new temporary directory and
// returns the directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mustLoad loads path and fails the test on any diagnostic.
func mustLoad(t *testing.T, path string, opts Options) *Config {
	t.Helper()
	if opts.Registry == nil {
		opts.Registry = testRegistry()
	}
	cfg, diags := Load(path, opts)
	if len(diags) > 0 {
		t.Fatalf("Load: %v", diags)
	}
	return cfg
}

// sinkConfig returns the configuration the named sink's factory received.
func sinkConfig(t *testing.T, cfg *Config, stage string) *pipeline.Config {
	t.Helper()
	for _, p := range cfg.Pipelines {
		for _, n := range p.Nodes() {
			if n.Name == stage {
				s, ok := n.Stage.(*fakeSink)
				if !ok {
					t.Fatalf("stage %q is %T, not a fake sink", stage, n.Stage)
				}
				return s.cfg
			}
		}
	}
	t.Fatalf("no stage %q", stage)
	return nil
}

func TestVariablePrecedence(t *testing.T) {
	const config = `
variable "where" {
  default = "from-default"
}

pipeline "p" {
  capture "synthetic" {}
  sink "websocket" {
    path = var.where
  }
}
`
	dir := writeFiles(t, map[string]string{
		"pipeline.hcl":   config,
		"one.spvars.hcl": `where = "from-file-one"`,
		"two.spvars.hcl": `where = "from-file-two"`,
		"vars.json":      `{"where": "from-json"}`,
	})
	env := []string{"HOME=/nowhere", "STREAMPIPE_VAR_where=from-env", "STREAMPIPE_VAR_other=ignored"}
	one, two := filepath.Join(dir, "one.spvars.hcl"), filepath.Join(dir, "two.spvars.hcl")

	for _, tc := range []struct {
		name     string
		env      []string
		varFiles []string
		vars     []string
		want     string
	}{
		{name: "default", want: "from-default"},
		{name: "env over default", env: env, want: "from-env"},
		{name: "var-file over env", env: env, varFiles: []string{one}, want: "from-file-one"},
		{name: "later var-file wins", varFiles: []string{one, two}, want: "from-file-two"},
		{name: "json var-file", varFiles: []string{filepath.Join(dir, "vars.json")}, want: "from-json"},
		{name: "var over var-file", env: env, varFiles: []string{one}, vars: []string{"where=from-flag"}, want: "from-flag"},
		{name: "later var wins", vars: []string{"where=first", "where=second"}, want: "second"},
		{name: "var value may hold =", vars: []string{"where=a=b"}, want: "a=b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, filepath.Join(dir, "pipeline.hcl"), Options{
				Environ: tc.env, VarFiles: tc.varFiles, Vars: tc.vars,
			})
			if got := sinkConfig(t, cfg, "websocket").String("path"); got != tc.want {
				t.Errorf("path = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVariableTypes(t *testing.T) {
	const config = `
variable "fps" {
  type = number
}
variable "loop" {
  type    = bool
  default = false
}
variable "origins" {
  type    = list(string)
  default = []
}
variable "label" {}

pipeline "p" {
  capture "files" {
    path = "frames/*.jpg"
    fps  = var.fps
    loop = var.loop
  }
  sink "websocket" {
    path            = var.label
    allowed_origins = var.origins
  }
}
`
	dir := writeFiles(t, map[string]string{"pipeline.hcl": config})
	path := filepath.Join(dir, "pipeline.hcl")

	for _, tc := range []struct {
		name    string
		env     []string
		vars    []string
		fps     float64
		loop    bool
		origins []string
		label   string
	}{
		{
			name: "flags parsed as HCL",
			vars: []string{"fps=12.5", "loop=true", `origins=["http://a", "http://b"]`, "label=30"},
			fps:  12.5, loop: true, origins: []string{"http://a", "http://b"}, label: "30",
		},
		{
			name: "environment parsed as HCL",
			env:  []string{"STREAMPIPE_VAR_fps=2*5", "STREAMPIPE_VAR_origins=[]", `STREAMPIPE_VAR_label="quoted"`},
			fps:  10, origins: []string{}, label: `"quoted"`,
		},
		{
			name: "untyped takes the text literally",
			vars: []string{"fps=1", "label=[1, 2]"},
			fps:  1, origins: []string{}, label: "[1, 2]",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, path, Options{Environ: tc.env, Vars: tc.vars})
			capture := cfg.Pipelines[0].Nodes()[0].Stage.(fakeSource)
			if capture.fps != tc.fps {
				t.Errorf("fps = %v, want %v", capture.fps, tc.fps)
			}
			if got := capture.cfg.Bool("loop"); got != tc.loop {
				t.Errorf("loop = %v, want %v", got, tc.loop)
			}
			ws := sinkConfig(t, cfg, "websocket")
			if got := ws.String("path"); got != tc.label {
				t.Errorf("label = %q, want %q", got, tc.label)
			}
			if got := ws.Strings("allowed_origins"); !slices.Equal(got, tc.origins) {
				t.Errorf("origins = %q, want %q", got, tc.origins)
			}
		})
	}
}

func TestPathsResolveAgainstConfigDir(t *testing.T) {
	const config = `
variable "clip" {
  default = "media/clip.mp4"
}

pipeline "p" {
  capture "exec" {
    command = ["ffmpeg", "-i", var.clip]
  }
  sink "file" {
    path = "out/frames.mjpeg"
  }
  sink "file" {
    name = "absolute"
    path = "/srv/frames.mjpeg"
  }
  sink "file" {
    name = "from_var"
    path = var.clip
  }
}
`
	dir := writeFiles(t, map[string]string{"conf/pipeline.hcl": config})
	confDir := filepath.Join(dir, "conf")

	// Load with a relative path from another working directory, so that
	// resolving against the working directory would give other results.
	t.Chdir(dir)
	cfg := mustLoad(t, filepath.Join("conf", "pipeline.hcl"), Options{})

	for _, tc := range []struct{ stage, attr, want string }{
		{"file", "path", filepath.Join(confDir, "out", "frames.mjpeg")},
		{"absolute", "path", "/srv/frames.mjpeg"},
		{"from_var", "path", filepath.Join(confDir, "media", "clip.mp4")},
	} {
		if got := sinkConfig(t, cfg, tc.stage).String(tc.attr); got != tc.want {
			t.Errorf("%s.%s = %q, want %q", tc.stage, tc.attr, got, tc.want)
		}
	}

	// The default dir ("." in the spec) resolves too: that is where the
	// exec capture runs its command, so a relative var.clip works.
	var capture *pipeline.Config
	reg := testRegistry()
	exec, _ := reg.Lookup(pipeline.FamilyCapture, "exec")
	spy := *exec
	spy.Family, spy.Name = pipeline.FamilyCapture, "spy"
	spy.New = func(c *pipeline.Config, env pipeline.Env) (any, error) {
		capture = c
		return exec.New(c, env)
	}
	reg.MustRegister(spy)
	src := `pipeline "p" {
  capture "spy" {
    command = ["true"]
  }
  sink "discard" {}
}
`
	if err := os.WriteFile(filepath.Join(confDir, "spy.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, filepath.Join("conf", "spy.hcl"), Options{Registry: reg})
	if got := capture.String("dir"); got != confDir {
		t.Errorf("default dir = %q, want %q", got, confDir)
	}
	if capture.IsSet("dir") {
		t.Error("the resolved default dir counts as set in the file")
	}
}

func TestMissingVariableLeavesPipelinesUnbuilt(t *testing.T) {
	cfg, diags := loadSource(t, `
variable "wait" {
  type = string
}

pipeline "uses_it" {
  drain_timeout = var.wait
  capture "synthetic" {}
  sink "discard" {}
}

pipeline "named_by_it" {
  capture "synthetic" {}
  buffer {
    name = var.wait
  }
  sink "discard" {}
}

pipeline "independent" {
  capture "synthetic" {}
  sink "discard" {}
}
`, Options{})
	if len(diags) != 1 || diags[0].Summary != "Missing variable value" {
		t.Fatalf("diagnostics = %v, want only the missing value", diags)
	}
	var names []string
	for _, p := range cfg.Pipelines {
		names = append(names, p.Name())
	}
	if !slices.Equal(names, []string{"independent"}) {
		t.Errorf("built pipelines = %v, want only the one that does not use the variable", names)
	}
}
