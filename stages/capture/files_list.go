package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// maxImageSize bounds one image file; larger files are skipped as invalid.
const maxImageSize = 64 << 20

// listImages returns the images a files capture plays: for a directory,
// its *.jpg and *.jpeg files (extensions in any case), otherwise the files
// matching path as a glob; in lexical order either way, directories left
// out. An empty result is an error naming path.
func listImages(path string) ([]string, error) {
	var names []string
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("list images: %w", err)
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if ext != ".jpg" && ext != ".jpeg" {
				continue
			}
			if name := filepath.Join(path, e.Name()); isFile(name) {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("no images in directory %q: it holds no *.jpg or *.jpeg files", path)
		}
	default:
		matches, err := filepath.Glob(path)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", path, err)
		}
		for _, m := range matches {
			if isFile(m) {
				names = append(names, m)
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("no images match %q: give a directory of JPEG files "+
				"or a glob such as \"frames/*.jpg\" (relative to the configuration file)", path)
		}
	}
	slices.Sort(names)
	return names, nil
}

// isFile reports whether name is, or links to, something other than a
// directory.
func isFile(name string) bool {
	info, err := os.Stat(name)
	return err == nil && !info.IsDir()
}

// errNotJPEG marks a file that does not begin with a JPEG SOI marker.
var errNotJPEG = errors.New("not a JPEG image (it does not begin with FF D8)")

// readImage reads one image file, checking its size and its SOI marker.
func readImage(name string) ([]byte, error) {
	info, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	// Devices, pipes and the like have no size to check and may never
	// end (/dev/zero) or never start (a FIFO nobody writes to).
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("image %q: not a regular file (%s)", name, info.Mode().Type())
	}
	if info.Size() > maxImageSize {
		return nil, fmt.Errorf("image %q: %d bytes, more than the %d a frame may have",
			name, info.Size(), maxImageSize)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxImageSize+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("image %q: %w", name, err)
	case len(b) > maxImageSize:
		return nil, fmt.Errorf("image %q: grew past %d bytes while being read", name, maxImageSize)
	case len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8:
		return nil, fmt.Errorf("image %q: %w", name, errNotJPEG)
	}
	return b, nil
}
