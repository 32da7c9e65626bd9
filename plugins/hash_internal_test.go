package plugins

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFileSHA256IsKeptPerVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plugin")
	write := func(content string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	check := func(content string) {
		t.Helper()
		got, err := fileSHA256(path)
		want := sha256.Sum256([]byte(content))
		if err != nil || !bytes.Equal(got, want[:]) {
			t.Fatalf("sha256 %x, %v; want %x", got, err, want)
		}
	}
	first := time.Now().Add(-time.Hour)
	write("build one", first)
	check("build one")

	// The same path, size and modification time are the same version:
	// the sum is not computed again (here, the file's new contents of
	// the same length are not seen, which is what proves it).
	write("build two", first)
	check("build one")

	// A rebuild moves the modification time.
	write("build two", first.Add(time.Second))
	check("build two")
}
