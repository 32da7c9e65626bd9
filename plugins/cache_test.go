package plugins_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/plugins"
)

// copyFile copies src to dst with mode.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// doctorCache marks every cached description, so that a description read
// from the cache can be told from one the plugin gave.
func doctorCache(t *testing.T, dir string) int {
	t.Helper()
	entries, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, e := range entries {
		b, _ := os.ReadFile(e)
		b = bytes.Replace(b, []byte("A passthrough"), []byte("A cached passthrough"), 1)
		if err := os.WriteFile(e, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return len(entries)
}

func fromCache(k string) bool { return strings.HasPrefix(k, "A cached passthrough") }

// TestCacheNoticesRebuiltFiles: the schema cache is keyed by more than the
// program: a rebuilt binary behind a wrapper script, or a changed file
// named by an argument, gets described afresh.
func TestCacheNoticesRebuiltFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command []string
		rebuilt string // the file "rebuilt", relative to the plugin's directory
	}{
		{"program behind a wrapper script", []string{"./run.sh"}, "bin/plugin"},
		{"file named by an argument", []string{"./bin/plugin", "./model.bin"}, "model.bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, behave(t), filepath.Join(dir, "bin", "plugin"), 0o755)
			script := "#!/bin/sh\n# starts the real plugin\nexec ./bin/plugin \"$@\"\n"
			if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "model.bin"), []byte("weights"), 0o644); err != nil {
				t.Fatal(err)
			}
			cache := t.TempDir()
			d := plugins.Decl{Name: "p", Command: tc.command, Dir: dir}
			kind := func() string {
				t.Helper()
				k, err := plugins.Kind(context.Background(), d, plugins.Options{CacheDir: cache})
				if err != nil {
					t.Fatal(err)
				}
				return k.Summary
			}

			kind()
			if n := doctorCache(t, cache); n != 1 {
				t.Fatalf("%d cache entries, want 1", n)
			}
			if !fromCache(kind()) {
				t.Fatal("the unchanged plugin was not described from the cache")
			}

			// A rebuild changes the file's modification time.
			later := time.Now().Add(time.Minute)
			if err := os.Chtimes(filepath.Join(dir, tc.rebuilt), later, later); err != nil {
				t.Fatal(err)
			}
			if fromCache(kind()) {
				t.Errorf("the description came from the cache after %s changed", tc.rebuilt)
			}
		})
	}
}

func TestCacheOnlyStartsNothing(t *testing.T) {
	cache := t.TempDir()
	d := plugins.Decl{Name: "p", Command: []string{behave(t)}}
	_, err := plugins.Kind(context.Background(), d, plugins.Options{CacheDir: cache, CacheOnly: true})
	if !errors.Is(err, plugins.ErrNotCached) {
		t.Fatalf("error %v, want ErrNotCached", err)
	}
	if entries, _ := filepath.Glob(filepath.Join(cache, "*.json")); len(entries) != 0 {
		t.Errorf("a cache-only lookup wrote %v", entries)
	}
	if n := testenv.Processes(behave(t)); len(n) != 0 {
		t.Errorf("plugin processes %v after a cache-only lookup", n)
	}

	if _, err := plugins.Kind(context.Background(), d, plugins.Options{CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	doctorCache(t, cache)
	k, err := plugins.Kind(context.Background(), d, plugins.Options{CacheDir: cache, CacheOnly: true})
	if err != nil || !fromCache(k.Summary) {
		t.Errorf("cache-only lookup of a cached plugin: %q, %v", k.Summary, err)
	}
}
