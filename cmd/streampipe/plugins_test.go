package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
)

// pluginHeader declares the test plugins of TestPluginCommands; bin is
// set with -var.
const pluginHeader = `variable "bin" {
  type = string
}

plugin "behave" {
  command = ["${var.bin}/behave"]
}

plugin "mono" {
  command = ["${var.bin}/grayscale"]
}
`

// TestPluginCommands runs validate, stages and run on files that declare
// real plugins, built once for all its subtests.
func TestPluginCommands(t *testing.T) {
	bin := buildPlugins(t, map[string]string{
		"behave":    "plugins/testdata/behave",
		"grayscale": "examples/plugins/grayscale",
	})
	// Each run starts with an empty plugin cache of its own.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	binVar := "bin=" + bin
	defer func() {
		for _, name := range []string{"behave", "grayscale"} {
			testenv.WaitNoProcess(t, filepath.Join(bin, name))
		}
	}()

	// Line 16 holds the typo, at column 5.
	typo := writeFile(t, "typo.hcl", pluginHeader+`
pipeline "p" {
  capture "synthetic" {}
  stage "behave" "b" {
    strenght = 0.5
  }
  sink "discard" {}
}
`)

	t.Run("validate reports a wrong plugin setting at its place", func(t *testing.T) {
		out, errOut, code := invoke(t, "validate", typo, "-var", binVar)
		if code != 1 || !strings.Contains(out, typo+": 1 error(s)") {
			t.Errorf("exit %d, stdout %q; want 1 and one error", code, out)
		}
		for _, want := range []string{"Unsupported argument", typo + ":16:5", `Did you mean "strength"?`} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
	})

	t.Run("validate -json", func(t *testing.T) {
		out, _, code := invoke(t, "validate", "-json", typo, "-var", binVar)
		var doc struct {
			Valid       bool `json:"valid"`
			Diagnostics []struct {
				Summary, File string
				Line, Column  int
			} `json:"diagnostics"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, out)
		}
		if code != 1 || doc.Valid || len(doc.Diagnostics) != 1 {
			t.Fatalf("exit %d, report %s", code, out)
		}
		d := doc.Diagnostics[0]
		if d.Summary != "Unsupported argument" || d.File != typo || d.Line != 16 || d.Column != 5 {
			t.Errorf("diagnostic %+v, want Unsupported argument at %s:16:5", d, typo)
		}
	})

	t.Run("validate accepts right plugin settings", func(t *testing.T) {
		good := writeFile(t, "good.hcl", pluginHeader+`
pipeline "p" {
  capture "synthetic" {}
  stage "behave" "b" {
    strength = 0.5
  }
  stage "mono" "gray" {}
  sink "discard" {}
}
`)
		if out, errOut, code := invoke(t, "validate", good, "-var", binVar); code != 0 {
			t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
	})

	t.Run("validate reports a plugin that cannot start", func(t *testing.T) {
		missing := writeFile(t, "missing.hcl", `plugin "gone" {
  command = ["./bin/gone"]
}

pipeline "p" {
  capture "synthetic" {}
  stage "gone" "g" {}
  sink "discard" {}
}
`)
		_, errOut, code := invoke(t, "validate", missing)
		if code != 1 || !strings.Contains(errOut, "Cannot start plugin") ||
			!strings.Contains(errOut, missing+":2:13") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut)
		}
	})

	t.Run("stages lists the file's plugin stages", func(t *testing.T) {
		out, errOut, code := invoke(t, "stages", typo, "-var", binVar)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		for _, want := range []string{
			`stage "mono" "NAME"  [beta]  provided by plugin mono`,
			`stage "behave" "NAME"`, "provided by plugin behave",
			"strength  number   default 1, between 0 and 1",
			`capture "synthetic"`, `sink "websocket"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("stages lacks %q", want)
			}
		}
		md, _, code := invoke(t, "stages", "-format", "markdown", typo, "-var", binVar)
		section := "#### `stage \"mono\" \"NAME\"`\n\nStability: beta. Provided by plugin `mono`."
		if code != 0 || !strings.Contains(md, section) {
			t.Errorf("markdown: exit %d, no section for plugin mono", code)
		}
	})

	t.Run("stages usage and plugin errors", func(t *testing.T) {
		if _, _, code := invoke(t, "stages", typo, typo); code != 2 {
			t.Errorf("two files: exit %d, want 2", code)
		}
		out, errOut, code := invoke(t, "stages", typo) // bin is not set
		if code != 1 || out != "" || !strings.Contains(errOut, "bin") {
			t.Errorf("without -var bin: exit %d, stdout %d bytes, stderr:\n%s", code, len(out), errOut)
		}
	})

	t.Run("run streams through a plugin and stops it", func(t *testing.T) {
		dir := t.TempDir()
		conf := writeFile(t, "run.hcl", pluginHeader+`
pipeline "p" {
  capture "synthetic" {
    fps    = 30
    width  = 64
    height = 48
    frames = 20
  }
  stage "mono" "gray" {}
  sink "file" {
    path = "`+filepath.Join(dir, "out.mjpeg")+`"
  }
}
`)
		_, errOut, code := invoke(t, "run", conf, "-var", binVar)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		b, err := os.ReadFile(filepath.Join(dir, "out.mjpeg"))
		if err != nil {
			t.Fatal(err)
		}
		frames := splitJPEGs(b)
		if len(frames) != 20 {
			t.Fatalf("out.mjpeg holds %d frames, want 20", len(frames))
		}
		for i, f := range frames {
			img, err := jpeg.Decode(bytes.NewReader(f))
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if _, ok := img.(*image.Gray); !ok {
				t.Errorf("frame %d decodes to %T, want *image.Gray from the grayscale plugin", i, img)
			}
		}
		testenv.WaitNoProcess(t, filepath.Join(bin, "grayscale"))
	})

	t.Run("run fails when a plugin refuses its settings", func(t *testing.T) {
		conf := writeFile(t, "refuse.hcl", pluginHeader+`
pipeline "p" {
  capture "synthetic" {
    frames = 1000
  }
  stage "behave" "b" {
    mode = "bad"
  }
  sink "discard" {}
}
`)
		_, errOut, code := invoke(t, "run", conf, "-var", binVar)
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		// The plugin's refusal is shown at the attribute, like validate's.
		for _, want := range []string{"Error: Unsupported mode", conf + ":18:12", "refused on purpose"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		testenv.WaitNoProcess(t, filepath.Join(bin, "behave"))
	})

	t.Run("run refuses an invalid file", func(t *testing.T) {
		_, errOut, code := invoke(t, "run", typo, "-var", binVar)
		if code != 1 || !strings.Contains(errOut, "configuration is invalid") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut)
		}
	})
}

// buildPlugins builds the packages (by binary name, relative to the
// repository root) into a directory of the test and returns it.
func buildPlugins(t *testing.T, pkgs map[string]string) string {
	t.Helper()
	goBin := testenv.Program(t, "go")
	dir := t.TempDir()
	for name, pkg := range pkgs {
		cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, name), "./"+pkg)
		cmd.Dir = testenv.RepoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return dir
}

// splitJPEGs splits an MJPEG stream at its start-of-image markers.
func splitJPEGs(b []byte) [][]byte {
	soi := []byte{0xff, 0xd8, 0xff}
	var out [][]byte
	for len(b) > 0 {
		next := bytes.Index(b[len(soi):], soi)
		if next < 0 {
			return append(out, b)
		}
		out = append(out, b[:next+len(soi)])
		b = b[next+len(soi):]
	}
	return out
}

// TestPluginCacheFlags: -plugin-cache-only never starts a plugin (its
// stages go unchecked, with a warning, until the cache has its schema),
// and -no-plugin-cache always asks the plugin.
func TestPluginCacheFlags(t *testing.T) {
	bin := buildPlugins(t, map[string]string{
		"behave":    "plugins/testdata/behave",
		"grayscale": "examples/plugins/grayscale",
	})
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	binVar := "bin=" + bin
	defer testenv.WaitNoProcess(t, filepath.Join(bin, "behave"))
	typo := writeFile(t, "typo.hcl", pluginHeader+`
pipeline "p" {
  capture "synthetic" {}
  stage "behave" "b" {
    strenght = 0.5
  }
  sink "discard" {}
}
`)

	t.Run("cache only, empty cache", func(t *testing.T) {
		out, errOut, code := invoke(t, "validate", "-plugin-cache-only", typo, "-var", binVar)
		if code != 0 || !strings.Contains(out, typo+": valid") {
			t.Errorf("exit %d, stdout %q; want 0 and valid (the stages are not checked)", code, out)
		}
		if n := strings.Count(errOut, "Warning: Plugin not checked"); n != 2 {
			t.Errorf("%d warnings for the two plugins, want 2:\n%s", n, errOut)
		}
		if strings.Contains(errOut, "strenght") {
			t.Errorf("the unchecked stage was checked:\n%s", errOut)
		}
		entries, _ := filepath.Glob(filepath.Join(cache, "streampipe", "plugins", "*.json"))
		if len(entries) != 0 {
			t.Errorf("the cache holds %v after a cache-only run", entries)
		}
	})

	t.Run("cache only, filled cache", func(t *testing.T) {
		if _, errOut, code := invoke(t, "validate", typo, "-var", binVar); code != 1 {
			t.Fatalf("filling the cache: exit %d\n%s", code, errOut)
		}
		_, errOut, code := invoke(t, "validate", "-plugin-cache-only", typo, "-var", binVar)
		if code != 1 || !strings.Contains(errOut, `Did you mean "strength"?`) || strings.Contains(errOut, "not checked") {
			t.Errorf("exit %d, want 1 and the typo found with the cached schema:\n%s", code, errOut)
		}
	})

	t.Run("no cache asks afresh", func(t *testing.T) {
		// Doctor the cached summary of behave: stages shows it from the
		// cache, and the plugin's own with -no-plugin-cache.
		entries, _ := filepath.Glob(filepath.Join(cache, "streampipe", "plugins", "*.json"))
		doctored := 0
		for _, e := range entries {
			b, _ := os.ReadFile(e)
			if c := bytes.Replace(b, []byte("A passthrough"), []byte("A cached passthrough"), 1); !bytes.Equal(b, c) {
				if err := os.WriteFile(e, c, 0o644); err != nil {
					t.Fatal(err)
				}
				doctored++
			}
		}
		if doctored != 1 {
			t.Fatalf("doctored %d cache entries of %v, want 1", doctored, entries)
		}
		out, _, _ := invoke(t, "stages", "-plugin-cache-only", typo, "-var", binVar)
		if !strings.Contains(out, "A cached passthrough") {
			t.Errorf("stages -plugin-cache-only did not use the cache")
		}
		out, _, _ = invoke(t, "stages", "-no-plugin-cache", typo, "-var", binVar)
		if strings.Contains(out, "A cached passthrough") || !strings.Contains(out, "A passthrough") {
			t.Errorf("stages -no-plugin-cache used the cache")
		}
	})

	t.Run("the flags exclude each other", func(t *testing.T) {
		for _, cmd := range []string{"validate", "stages"} {
			_, errOut, code := invoke(t, cmd, "-no-plugin-cache", "-plugin-cache-only", typo, "-var", binVar)
			if code != 2 || !strings.Contains(errOut, "exclude each other") {
				t.Errorf("%s: exit %d, stderr %q; want a usage error", cmd, code, errOut)
			}
		}
	})
}
