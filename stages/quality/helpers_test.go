package quality_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
)

// reporter counts skips and drops.
type reporter struct {
	mu      sync.Mutex
	skipped int
	drops   map[string]int
}

func newReporter() *reporter { return &reporter{drops: map[string]int{}} }

func (r *reporter) Drop(reason string, n int) {
	r.mu.Lock()
	r.drops[reason] += n
	r.mu.Unlock()
}

func (r *reporter) Skip(n int) {
	r.mu.Lock()
	r.skipped += n
	r.mu.Unlock()
}

func (r *reporter) SetHealth(pipeline.Health, string) {}
func (r *reporter) Processed(int, time.Duration)      {}

// recorder is an Output that keeps every message.
type recorder struct{ msgs []pipeline.Message }

func (r *recorder) Emit(_ context.Context, m pipeline.Message) error {
	if len(m.Frames) != 1 {
		return errors.New("quality emitted a multi-frame message")
	}
	r.msgs = append(r.msgs, m)
	return nil
}

// seqs returns the sequence numbers emitted for tier.
func (r *recorder) seqs(tier string) []uint64 {
	var s []uint64
	for _, m := range r.msgs {
		if m.Tier == tier {
			s = append(s, m.Frames[0].Seq)
		}
	}
	return s
}

func frame(seq uint64, payload []byte) *pipeline.Frame {
	return pipeline.NewFrame(seq, time.Unix(0, int64(seq)), pipeline.ContentTypeJPEG, payload)
}

// syntheticJPEG encodes a w x h picture with gradients and a grid, so that
// scaling has detail to work on.
func syntheticJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 128, A: 255}
			if x%16 == 0 || y%16 == 0 {
				c = color.RGBA{A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// cityFrames returns the JPEGs of testdata/mjpeg/city-60.mjpeg.
func cityFrames(t testing.TB) [][]byte {
	t.Helper()
	data, err := os.ReadFile(testenv.Path(t, "testdata", "mjpeg", "city-60.mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	frames := splitJPEGs(data)
	if len(frames) != 60 {
		t.Fatalf("found %d JPEGs in city-60.mjpeg, want 60", len(frames))
	}
	sums, err := os.ReadFile(testenv.Path(t, "testdata", "mjpeg", "city-60.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		want, _, _ := strings.Cut(line, " ")
		if got := fmt.Sprintf("%x", sha256.Sum256(frames[i])); got != want {
			t.Fatalf("frame %d of city-60.mjpeg split wrongly: sha256 %s, want %s", i+1, got, want)
		}
	}
	return frames
}

// splitJPEGs cuts back-to-back JPEGs apart with a simple marker scan:
// marker segments are skipped by their length up to the start of scan,
// then the entropy-coded data runs to the first marker that is neither a
// stuffed byte (FF00) nor a restart (FFD0-FFD7), which is the end of image.
func splitJPEGs(data []byte) [][]byte {
	var frames [][]byte
	for start := 0; start+4 <= len(data); {
		if data[start] != 0xFF || data[start+1] != 0xD8 {
			return frames
		}
		i := start + 2
		// Header segments: FF xx, two length bytes counting themselves.
		for i+4 <= len(data) && data[i] == 0xFF && data[i+1] != 0xDA {
			i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
		}
		// From the start of scan on, FF is always followed by 00 (a
		// stuffed byte) or a marker, so the first FFD9 ends the image.
		for i+1 < len(data) && !(data[i] == 0xFF && data[i+1] == 0xD9) {
			i++
		}
		if i+1 >= len(data) {
			return frames
		}
		frames = append(frames, data[start:i+2])
		start = i + 2
	}
	return frames
}

func decodeSize(t *testing.T, payload []byte) (int, int) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("re-encoded frame does not decode: %v", err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}
