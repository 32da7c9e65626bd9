package plugins

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
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

// cacheKey names a cache entry: the executable's SHA-256, its arguments
// (an interpreter's script may differ) and the protocol version.
func cacheKey(exeSum string, args []string) string {
	h := sha256.Sum256([]byte(strings.Join(args, "\x00")))
	return fmt.Sprintf("%s-%s-v%d.json", exeSum, hex.EncodeToString(h[:8]), wire.ProtocolVersion)
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
