package plugins

import (
	"crypto/sha256"
	"io"
	"os"
	"sync"
)

// hashKey identifies a version of a file: the same path, size and
// modification time are taken to mean the same contents, as build tools
// do.
type hashKey struct {
	path  string
	size  int64
	mtime int64
}

// hashes holds the SHA-256 of every program this process has hashed, so
// that a file with many plugin blocks naming one program, or a plugin
// restarted many times, reads the program once.
var hashes sync.Map // hashKey -> []byte

// fileSHA256 returns the SHA-256 of the file at path, from hashes when the
// file has not changed since it was last read.
func fileSHA256(path string) ([]byte, error) {
	before, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	key := hashKey{path, before.Size(), before.ModTime().UnixNano()}
	if sum, ok := hashes.Load(key); ok {
		return sum.([]byte), nil
	}

	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	sum := h.Sum(nil)

	// Remember the sum only when the file did not change while it was
	// read.
	if after, err := f.Stat(); err == nil && after.Size() == key.size && after.ModTime().UnixNano() == key.mtime {
		hashes.Store(key, sum)
	}
	return sum, nil
}
