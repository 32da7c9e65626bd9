package mjpeg

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// readMode is a way of delivering a stream to the splitter.
type readMode struct {
	name string
	wrap func(r io.Reader) io.Reader
}

// readModes are the read patterns every stream must split identically
// under: one byte at a time, random-sized reads (seeded, so failures
// reproduce), and as much as the splitter asks for.
var readModes = []readMode{
	{"one-byte", iotest.OneByteReader},
	{"random", func(r io.Reader) io.Reader { return &randomReader{r: r, rng: rand.New(rand.NewPCG(1, 2))} }},
	{"all-at-once", func(r io.Reader) io.Reader { return r }},
	{"data-with-eof", iotest.DataErrReader},
}

// randomReader returns reads of random sizes between 1 and 20000 bytes.
type randomReader struct {
	r   io.Reader
	rng *rand.Rand
}

func (r *randomReader) Read(p []byte) (int, error) {
	n := 1 + r.rng.IntN(20000)
	return r.r.Read(p[:min(n, len(p))])
}

// splitAll returns every frame of data read through mode, the splitter's
// final counts, and checks the invariants that hold for any input: frames
// start with SOI, end with EOI, respect the limit, and every byte is
// counted exactly once.
func splitAll(t *testing.T, data []byte, mode readMode, maxFrame int) ([][]byte, Stats) {
	t.Helper()
	s := NewSplitter(mode.wrap(bytes.NewReader(data)), maxFrame)
	var frames [][]byte
	for range len(data) + 1 {
		f, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		frames = append(frames, f)
	}
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("Next after the end = %v, want io.EOF again", err)
	}
	checkInvariants(t, data, frames, s)
	return frames, s.Stats()
}

// checkInvariants checks what must hold whatever the input.
func checkInvariants(t testing.TB, data []byte, frames [][]byte, s *Splitter) {
	t.Helper()
	st := s.Stats()
	if got := st.FrameBytes + st.GarbageBytes + st.DroppedBytes; got != int64(len(data)) {
		t.Fatalf("bytes counted = %d (%+v), want the input's %d", got, st, len(data))
	}
	if st.Frames != int64(len(frames)) {
		t.Fatalf("Stats.Frames = %d, returned %d", st.Frames, len(frames))
	}
	if limit := s.maxFrame + readSize; cap(s.buf) > limit {
		t.Fatalf("buffer grew to %d bytes, above the bound %d", cap(s.buf), limit)
	}
	at := 0
	for i, f := range frames {
		if len(f) < 4 || f[0] != 0xFF || f[1] != markerSOI || f[len(f)-2] != 0xFF || f[len(f)-1] != markerEOI {
			t.Fatalf("frame %d (%d bytes) is not delimited by SOI and EOI", i, len(f))
		}
		if len(f) > s.maxFrame {
			t.Fatalf("frame %d has %d bytes, above the limit %d", i, len(f), s.maxFrame)
		}
		j := bytes.Index(data[at:], f)
		if j < 0 {
			t.Fatalf("frame %d is not a piece of the input after the previous frame", i)
		}
		at += j + len(f)
	}
}

// A small JPEG vocabulary for building test streams. The images are
// structurally valid; their content is not meant to decode.

func soi() []byte { return []byte{0xFF, markerSOI} }
func eoi() []byte { return []byte{0xFF, markerEOI} }

// segment returns a marker segment with a correct length field.
func segment(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

// image returns a baseline-shaped JPEG: APP0, DQT, SOS with scan data.
func image(scan []byte) []byte {
	return join(
		soi(),
		segment(0xE0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00")),
		segment(0xDB, bytes.Repeat([]byte{1}, 65)),
		segment(0xDA, []byte{1, 1, 0, 0, 63, 0}),
		scan,
		eoi(),
	)
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
