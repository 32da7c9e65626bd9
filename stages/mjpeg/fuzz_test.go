package mjpeg

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/streampipe/streampipe/internal/testenv"
)

// fuzzMaxFrame is small so that fuzzed inputs reach the oversized paths.
const fuzzMaxFrame = 1 << 10

// FuzzSplitter feeds arbitrary bytes, in arbitrary read sizes, to the
// splitter. It must never panic, never hold more than its bound, count
// every byte once, and split the same way whatever the read sizes.
func FuzzSplitter(f *testing.F) {
	plain := image([]byte{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3})
	thumb := join(soi(), segment(0xE1, image(nil)), segment(0xDA, []byte{1, 1, 0, 0, 63, 0}), eoi())
	for _, seed := range [][]byte{
		nil,
		plain,
		thumb,
		join([]byte("noise\xff\xd8\x00"), plain, []byte{0xFF}, plain[:9]),
		join(soi(), []byte{0xFF, 0xE0, 0x00, 0x01}, plain),
		join(plain, image(make([]byte, 2*fuzzMaxFrame)), plain),
		bytes.Repeat([]byte{0xFF}, 64),
	} {
		f.Add(seed, uint64(1))
	}
	if data, err := os.ReadFile(testenv.Path(f, "testdata", "mjpeg", "city-60-noisy.mjpeg")); err == nil {
		f.Add(data[:4096], uint64(7))
	}

	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		whole, wholeStats := fuzzSplit(t, data, bytes.NewReader(data))
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		chunked, chunkedStats := fuzzSplit(t, data, &fuzzReader{data: data, rng: rng})
		if diff := cmp.Diff(whole, chunked); diff != "" {
			t.Fatalf("frames depend on read sizes (-whole +chunked):\n%s", diff)
		}
		if diff := cmp.Diff(wholeStats, chunkedStats); diff != "" {
			t.Fatalf("stats depend on read sizes (-whole +chunked):\n%s", diff)
		}
	})
}

func fuzzSplit(t *testing.T, data []byte, r io.Reader) ([][]byte, Stats) {
	s := NewSplitter(r, fuzzMaxFrame)
	var frames [][]byte
	for range len(data) + 1 {
		frame, err := s.Next()
		if limit := fuzzMaxFrame + readSize; cap(s.buf) > limit {
			t.Fatalf("buffer grew to %d bytes, above the bound %d", cap(s.buf), limit)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		frames = append(frames, frame)
	}
	checkInvariants(t, data, frames, s)
	return frames, s.Stats()
}

// fuzzReader returns data in reads of 1 to 300 bytes chosen by rng.
type fuzzReader struct {
	data []byte
	rng  *rand.Rand
}

func (r *fuzzReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+r.rng.IntN(300))], r.data)
	r.data = r.data[n:]
	return n, nil
}
