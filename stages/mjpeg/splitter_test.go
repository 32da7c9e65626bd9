package mjpeg

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestSplitterStructure(t *testing.T) {
	plain := image([]byte{0x12, 0x34, 0x56})
	// An EXIF-style APP1 whose payload is a whole JPEG thumbnail, with its
	// own SOI and EOI, placed before the main image's tables.
	thumb := image([]byte{0xAA, 0xBB})
	withThumb := join(soi(), segment(0xE1, append([]byte("Exif\x00\x00"), thumb...)),
		segment(0xDB, bytes.Repeat([]byte{2}, 65)),
		segment(0xDA, []byte{1, 1, 0, 0, 63, 0}), []byte{0x01, 0x02}, eoi())
	// Scan data with stuffed bytes, every restart marker and fill bytes.
	stuffed := image([]byte{
		0xFF, 0x00, 0x10, 0xFF, 0xD0, 0x11, 0xFF, 0xD1, 0xFF, 0xD2, 0xFF, 0xD3,
		0xFF, 0xD4, 0xFF, 0xD5, 0xFF, 0xD6, 0xFF, 0xD7, 0xFF, 0xFF, 0x00, 0x12,
	})
	// A progressive image: two scans with a table between them.
	progressive := join(soi(), segment(0xC2, make([]byte, 15)),
		segment(0xDA, []byte{1, 1, 0, 0, 0, 0}), []byte{0x21, 0xFF, 0x00},
		segment(0xC4, make([]byte, 20)),
		segment(0xDA, []byte{1, 1, 0, 1, 63, 0}), []byte{0x22, 0xFF, 0xD0, 0x23},
		eoi())
	// Fill bytes before markers are allowed anywhere between segments.
	filled := join(soi(), []byte{0xFF, 0xFF}, segment(0xDB, make([]byte, 65)),
		[]byte{0xFF}, segment(0xDA, []byte{1, 1, 0, 0, 63, 0}), []byte{0x42}, eoi())
	// A cut-off frame followed by a whole one. In the first the cut falls
	// in the scan data; in the second inside a segment, whose length then
	// makes the parser skip into the next frame's header.
	cutInScan := image([]byte{0x55, 0x66, 0x77})[:len(plain)-3]
	cutInHeader := join(soi(), segment(0xE0, []byte("JFIF\x00\x01\x02\x00"))[:9])

	tests := []struct {
		name   string
		in     []byte
		max    int
		frames [][]byte
		stats  Stats
	}{
		{"empty", nil, 0, nil, Stats{}},
		{"one image", plain, 0, [][]byte{plain}, Stats{}},
		{"thumbnail in APP1 is part of the frame", withThumb, 0,
			[][]byte{withThumb}, Stats{}},
		{"stuffing, restart markers and fill bytes in scan data", stuffed, 0,
			[][]byte{stuffed}, Stats{}},
		{"progressive image with two scans", progressive, 0,
			[][]byte{progressive}, Stats{}},
		{"fill bytes between segments", filled, 0, [][]byte{filled}, Stats{}},
		{"smallest structure", join(soi(), eoi()), 0,
			[][]byte{join(soi(), eoi())}, Stats{}},
		{"back to back", join(plain, stuffed, plain), 0,
			[][]byte{plain, stuffed, plain}, Stats{}},
		{"garbage around frames", join([]byte("abc\xff"), plain, []byte{0xFF, 0xFF, 0x00}, plain, []byte("xy")), 0,
			[][]byte{plain, plain}, Stats{GarbageBytes: 9}},
		{"SOI not followed by a marker is garbage", join([]byte{0xFF, 0xD8, 0x00}, plain), 0,
			[][]byte{plain}, Stats{GarbageBytes: 3}},
		{"SOI directly after SOI", join(soi(), plain), 0,
			[][]byte{plain}, Stats{GarbageBytes: 2}},
		{"truncated at the end", join(plain, plain[:len(plain)-1]), 0,
			[][]byte{plain}, Stats{Truncated: 1}},
		{"truncated after SOI", join(plain, soi()), 0,
			[][]byte{plain}, Stats{Truncated: 1}},
		{"truncated in scan data by the next frame", join(cutInScan, plain), 0,
			[][]byte{plain}, Stats{Truncated: 1}},
		{"truncated in a header by the next frame", join(cutInHeader, plain), 0,
			[][]byte{plain}, Stats{Invalid: 1, GarbageBytes: int64(len(cutInHeader))}},
		{"segment length below two", join(soi(), []byte{0xFF, 0xE0, 0x00, 0x01}, plain), 0,
			[][]byte{plain}, Stats{GarbageBytes: 6}},
		{"bare 0x00 marker", join(soi(), segment(0xDB, make([]byte, 4)), []byte{0xFF, 0x00}, plain), 0,
			[][]byte{plain}, Stats{Invalid: 1, GarbageBytes: 12}},
		{"oversized frame between small ones", join(plain, image(make([]byte, 500)), plain), 200,
			[][]byte{plain, plain}, Stats{Oversized: 1}},
		{"oversized frame at the end", join(plain, image(make([]byte, 500))[:550]), 200,
			[][]byte{plain}, Stats{Oversized: 1}},
		{"frame exactly at the limit", plain, len(plain), [][]byte{plain}, Stats{}},
		{"frame one byte over the limit", plain, len(plain) - 1, nil, Stats{Oversized: 1}},
	}
	for _, tc := range tests {
		for _, mode := range readModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				frames, st := splitAll(t, tc.in, mode, tc.max)
				if diff := cmp.Diff(tc.frames, frames); diff != "" {
					t.Errorf("frames (-want +got):\n%s", diff)
				}
				// Only the anomaly counts are given in the table; the
				// byte totals are checked by splitAll's invariant.
				want := tc.stats
				want.Frames, want.FrameBytes, want.DroppedBytes = st.Frames, st.FrameBytes, st.DroppedBytes
				if diff := cmp.Diff(want, st); diff != "" {
					t.Errorf("stats (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestSplitterReadErrors(t *testing.T) {
	plain := image([]byte{1, 2, 3})
	boom := errors.New("boom")

	t.Run("error mid-frame is returned and the frame counted", func(t *testing.T) {
		r := io.MultiReader(bytes.NewReader(join(plain, plain[:10])), iotest.ErrReader(boom))
		s := NewSplitter(r, 0)
		if f, err := s.Next(); err != nil || !bytes.Equal(f, plain) {
			t.Fatalf("first Next = %d bytes, %v; want the whole image", len(f), err)
		}
		for range 2 {
			if _, err := s.Next(); !errors.Is(err, boom) {
				t.Fatalf("Next = %v, want %v every time", err, boom)
			}
		}
		if st := s.Stats(); st.Truncated != 1 || st.DroppedBytes != 10 {
			t.Errorf("stats = %+v, want 1 truncated frame of 10 bytes", st)
		}
	})

	t.Run("reader making no progress", func(t *testing.T) {
		s := NewSplitter(emptyReader{}, 0)
		if _, err := s.Next(); !errors.Is(err, io.ErrNoProgress) {
			t.Fatalf("Next = %v, want io.ErrNoProgress", err)
		}
	})

	t.Run("reader claiming too many bytes", func(t *testing.T) {
		s := NewSplitter(liarReader{}, 0)
		if _, err := s.Next(); !errors.Is(err, ErrBadRead) {
			t.Fatalf("Next = %v, want ErrBadRead", err)
		}
	})
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

type liarReader struct{}

func (liarReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestSplitterReset(t *testing.T) {
	a, b := image([]byte{1}), image([]byte{2, 2})
	next := func(s *Splitter, want []byte) {
		t.Helper()
		if f, err := s.Next(); err != nil || !bytes.Equal(f, want) {
			t.Fatalf("Next = %d bytes, %v; want a %d-byte image", len(f), err, len(want))
		}
	}

	// After the end of a stream, with a partial frame counted as
	// truncated, Reset starts the next one afresh.
	s := NewSplitter(bytes.NewReader(join(a, b[:7])), 0)
	next(s, a)
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	s.Reset(bytes.NewReader(join([]byte{0}, b)))
	next(s, b)
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	want := Stats{Frames: 2, FrameBytes: int64(len(a) + len(b)), GarbageBytes: 1, Truncated: 1, DroppedBytes: 7}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("stats after a reset at the end (-want +got):\n%s", diff)
	}

	// In the middle of a stream, Reset drops what was read but not
	// returned: here the whole second image, read along with the first
	// but not parsed yet.
	s = NewSplitter(bytes.NewReader(join(a, b)), 0)
	next(s, a)
	s.Reset(bytes.NewReader(a))
	next(s, a)
	want = Stats{Frames: 2, FrameBytes: int64(2 * len(a)), GarbageBytes: int64(len(b))}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("stats after a reset mid-stream (-want +got):\n%s", diff)
	}
}

func TestNewSplitterLimit(t *testing.T) {
	tests := []struct {
		name string
		max  int
		want int
	}{
		{"default", 0, DefaultMaxFrame},
		{"negative", -5, DefaultMaxFrame},
		{"below the smallest frame", 2, 4},
		{"given", 1000, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewSplitter(nil, tc.max).maxFrame; got != tc.want {
				t.Errorf("limit = %d, want %d", got, tc.want)
			}
		})
	}
}
