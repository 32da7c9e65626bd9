package mjpeg

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/streampipe/streampipe/internal/testenv"
)

// The noisy clip differs from the clean one by stray bytes in ten places
// (the last one just before the cut-off frame) and half a JPEG at the end;
// see testdata/README.md. These are its exact counts.
const (
	noisyGarbage   = 1976
	noisyTailBytes = 10116
)

func TestCity60(t *testing.T) {
	want := readHashes(t)
	tests := []struct {
		file  string
		stats Stats
	}{
		{"city-60.mjpeg", Stats{}},
		{"city-60-noisy.mjpeg", Stats{GarbageBytes: noisyGarbage, Truncated: 1, DroppedBytes: noisyTailBytes}},
	}
	for _, tc := range tests {
		data, err := os.ReadFile(testenv.Path(t, "testdata", "mjpeg", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range readModes {
			t.Run(tc.file+"/"+mode.name, func(t *testing.T) {
				frames, st := splitAll(t, data, mode, 0)
				got := make([]string, len(frames))
				var size int64
				for i, f := range frames {
					sum := sha256.Sum256(f)
					got[i] = hex.EncodeToString(sum[:])
					size += int64(len(f))
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("frame hashes (-want +got):\n%s", diff)
				}
				wantStats := tc.stats
				wantStats.Frames, wantStats.FrameBytes = int64(len(want)), size
				if diff := cmp.Diff(wantStats, st); diff != "" {
					t.Errorf("stats (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// readHashes returns the hashes listed in city-60.sha256, in order.
func readHashes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(testenv.Path(t, "testdata", "mjpeg", "city-60.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var hashes []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if h, _, ok := strings.Cut(sc.Text(), " "); ok {
			hashes = append(hashes, h)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 60 {
		t.Fatalf("city-60.sha256 lists %d hashes, want 60", len(hashes))
	}
	return hashes
}
