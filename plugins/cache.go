package plugins

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// DefaultCacheDir returns the per-user directory for plugin descriptions,
// such as ~/.cache/streampipe/plugins on Linux, or "" when there is none.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "streampipe", "plugins")
}

// cacheKey names the cache entry of prog, whose executable has the SHA-256
// exeSum. The key covers what decides the plugin's schema as far as a
// stat can tell: the executable's contents, its arguments (an
// interpreter's script may differ), the size and modification time of
// every file the arguments name, and, when the executable is a script,
// of every file its text names by a path (the real program behind a
// wrapper); and the protocol version.
func cacheKey(prog program, exeSum string) string {
	h := sha256.New()
	h.Write([]byte(strings.Join(prog.args, "\x00")))
	for _, f := range namedFiles(prog) {
		fmt.Fprintf(h, "\x00%s\x00%d\x00%d", f.path, f.size, f.mtime)
	}
	return fmt.Sprintf("%s-%s-v%d.json", exeSum, hex.EncodeToString(h.Sum(nil)[:8]), wire.ProtocolVersion)
}

// maxScript is how much of a script is read for the paths it names.
const maxScript = 64 << 10

// scriptToken splits a script's text into the words that may be paths.
var scriptToken = regexp.MustCompile(`[^\s"'` + "`" + `;|&()<>=]+`)

// namedFile is a file that the cache key covers.
type namedFile struct {
	path        string
	size, mtime int64
}

// namedFiles returns the regular files named by prog's arguments and, when
// its executable is a script (it starts with "#!"), by the words of the
// script that contain a slash. Relative paths are resolved against the
// plugin's directory, where it runs. Names of nothing are left out.
func namedFiles(prog program) []namedFile {
	names := append([]string(nil), prog.args...)
	if b, err := readHead(prog.path, maxScript); err == nil && bytes.HasPrefix(b, []byte("#!")) {
		for _, w := range scriptToken.FindAllString(string(b), -1) {
			if strings.ContainsRune(w, '/') && !strings.Contains(w, "$") {
				names = append(names, w)
			}
		}
	}
	var out []namedFile
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" {
			continue
		}
		p := n
		if !filepath.IsAbs(p) {
			p = filepath.Join(prog.dir, p)
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, namedFile{p, st.Size(), st.ModTime().UnixNano()})
		}
	}
	return out
}

// readHead reads up to n bytes from the start of the file at path.
func readHead(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

func readCache(dir, key string) (*pb.DescribeResponse, bool) {
	b, err := os.ReadFile(filepath.Join(dir, key))
	if err != nil {
		return nil, false
	}
	var desc pb.DescribeResponse
	if err := protojson.Unmarshal(b, &desc); err != nil {
		return nil, false
	}
	return &desc, true
}

// writeCache stores desc atomically, so concurrent runs never read half a
// file.
func writeCache(dir, key string, desc *pb.DescribeResponse) error {
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(desc)
	if err != nil {
		return fmt.Errorf("plugin cache: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plugin cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("plugin cache: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("plugin cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("plugin cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, key)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("plugin cache: %w", err)
	}
	return nil
}
