package capture

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
)

// imageDir makes a directory of files for the files capture: three JPEGs
// named so that lexical order differs from creation order, one file with a
// JPEG name that is not a JPEG, and things that must be ignored.
func imageDir(t *testing.T) (dir string, images map[string][]byte) {
	t.Helper()
	dir = t.TempDir()
	images = map[string][]byte{
		"b.jpg":  testJPEG(t, 24, 16, colourGreen),
		"a.jpeg": testJPEG(t, 16, 16, colourRed),
		"c.JPG":  testJPEG(t, 32, 16, colourBlue),
	}
	files := map[string][]byte{
		"bad.jpg":   []byte("this is not an image"),
		"notes.txt": []byte("ignored"),
	}
	for name, b := range images {
		files[name] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.jpg"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, images
}

func TestFilesOnce(t *testing.T) {
	dir, images := imageDir(t)
	env, rep, logs := testEnv()
	f, err := NewFiles(FilesOptions{Path: dir, FPS: 240}, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := &output{}
	if err := waitRun(t, runSource(context.Background(), f, out)); err != nil {
		t.Fatalf("Run = %v, want nil after the last image", err)
	}

	frames := out.Frames()
	checkSeqs(t, frames)
	want := []string{"a.jpeg", "b.jpg", "c.JPG"}
	if len(frames) != len(want) {
		t.Fatalf("got %d frames, want %d", len(frames), len(want))
	}
	for i, name := range want {
		if !bytes.Equal(frames[i].Payload, images[name]) {
			t.Errorf("frame %d is not %s", i+1, name)
		}
	}
	if n := rep.dropped(pipeline.DropInvalid); n != 1 {
		t.Errorf("%d invalid drops, want 1 for bad.jpg", n)
	}
	if !strings.Contains(logs.String(), "bad.jpg") || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("no warning names bad.jpg:\n%s", logs)
	}
}

func TestFilesLoop(t *testing.T) {
	dir, images := imageDir(t)
	env, rep, _ := testEnv()
	f, err := NewFiles(FilesOptions{Path: filepath.Join(dir, "*.jp*g"), FPS: 240, Loop: true}, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &output{stopAt: 7, cancel: cancel}
	if err := waitRun(t, runSource(ctx, f, out)); err != nil {
		t.Fatalf("Run = %v, want nil after cancellation", err)
	}

	// The glob matches a.jpeg, b.jpg and bad.jpg (not c.JPG: globs are
	// case-sensitive), played in a loop; bad.jpg is skipped and counted
	// only once.
	frames := out.Frames()
	checkSeqs(t, frames)
	want := []string{"a.jpeg", "b.jpg", "a.jpeg", "b.jpg", "a.jpeg", "b.jpg", "a.jpeg"}
	if len(frames) != len(want) {
		t.Fatalf("got %d frames, want %d", len(frames), len(want))
	}
	for i, name := range want {
		if !bytes.Equal(frames[i].Payload, images[name]) {
			t.Errorf("frame %d is not %s", i+1, name)
		}
	}
	if n := rep.dropped(pipeline.DropInvalid); n != 1 {
		t.Errorf("%d invalid drops, want 1", n)
	}
}

func TestFilesCache(t *testing.T) {
	// An image replaced on disk between loops is seen only when the
	// capture does not cache it.
	tests := []struct {
		name     string
		cache    int64
		seesEdit bool
	}{
		{"cached", 0, false},
		{"not cached", -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, "only.jpg")
			before, after := testJPEG(t, 16, 16, colourRed), testJPEG(t, 16, 16, colourBlue)
			if err := os.WriteFile(name, before, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := NewFiles(FilesOptions{Path: dir, FPS: 240, Loop: true, CacheBytes: tc.cache}, pipeline.Env{})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Start(context.Background()); err != nil {
				t.Fatal(err)
			}

			// Play once, edit, play on until the capture has looped.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &output{}
			done := runSource(ctx, f, out)
			out.waitFrames(t, 1)
			// Replace the file whole, so the capture never reads half of it.
			tmp := filepath.Join(t.TempDir(), "new.jpg")
			if err := os.WriteFile(tmp, after, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, name); err != nil {
				t.Fatal(err)
			}
			n := len(out.Frames())
			last := out.waitFrames(t, n+2)[n+1]
			cancel()
			if err := waitRun(t, done); err != nil {
				t.Fatal(err)
			}
			if got := bytes.Equal(last.Payload, after); got != tc.seesEdit {
				t.Errorf("frame after the edit shows it: %v, want %v", got, tc.seesEdit)
			}
		})
	}
}

func TestFilesNothingToPlay(t *testing.T) {
	dir, _ := imageDir(t)
	empty := t.TempDir()
	png, gone := filepath.Join(dir, "*.png"), filepath.Join(dir, "gone")
	tests := []struct {
		name  string
		path  string
		start string // error from Start, or "" when Start succeeds
		run   string // error from Run
	}{
		{"empty directory", empty, `no images in directory "` + empty + `"`, ""},
		{"glob without matches", png, `no images match "` + png + `"`, ""},
		{"missing path", gone, `no images match "` + gone + `"`, ""},
		{"bad glob", filepath.Join(dir, "[x"), "syntax error in pattern", ""},
		{"only invalid images", filepath.Join(dir, "bad.jpg"), "", "none of the 1 files matched"},
		// Neither may be read: /dev/zero never ends, a FIFO nobody
		// writes to never starts.
		{"a device", "/dev/zero", "", "none of the 1 files matched"},
		{"a FIFO", fifo(t), "", "none of the 1 files matched"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewFiles(FilesOptions{Path: tc.path, FPS: 240, Loop: true}, pipeline.Env{})
			if err != nil {
				t.Fatal(err)
			}
			err = f.Start(context.Background())
			if tc.start != "" {
				if err == nil || !strings.Contains(err.Error(), tc.start) {
					t.Fatalf("Start = %v, want an error containing %q", err, tc.start)
				}
				return
			}
			if err != nil {
				t.Fatalf("Start = %v", err)
			}
			err = waitRun(t, runSource(context.Background(), f, &output{}))
			if err == nil || !strings.Contains(err.Error(), tc.run) {
				t.Fatalf("Run = %v, want an error containing %q", err, tc.run)
			}
		})
	}
}

// fifo makes a named pipe nobody writes to, or skips where there are none.
func fifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pipe.jpg")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	return p
}
