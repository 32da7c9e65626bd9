package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

func frame(seq uint64, captured time.Time, payload string) *pipeline.Frame {
	return pipeline.NewFrame(seq, captured, pipeline.ContentTypeJPEG, []byte(payload))
}

func TestBatchRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	many := make([]*pipeline.Frame, wire.MaxFrames)
	for i := range many {
		many[i] = frame(uint64(i+1), t0.Add(time.Duration(i)*time.Millisecond), strings.Repeat("x", i))
	}
	tests := []struct {
		name   string
		frames []*pipeline.Frame
	}{
		{"one frame", []*pipeline.Frame{frame(7, t0, "jpeg")}},
		{"empty payload", []*pipeline.Frame{frame(1, t0, "")}},
		{"unknown capture time", []*pipeline.Frame{frame(1, time.Time{}, "a")}},
		{"five frames", []*pipeline.Frame{
			frame(10, t0, "a"), frame(11, t0.Add(time.Millisecond), "bb"), frame(13, t0.Add(2*time.Millisecond), "ccc"),
			frame(14, t0.Add(3*time.Millisecond), ""), frame(1<<63, t0.Add(4*time.Millisecond), "eeeee"),
		}},
		{"max frames", many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := wire.EncodeBatch(tt.frames)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != wire.BatchSize(tt.frames) {
				t.Errorf("encoded %d bytes, BatchSize says %d", len(b), wire.BatchSize(tt.frames))
			}
			if string(b[:2]) != "SP" || b[2] != 1 || int(b[3]) != len(tt.frames) {
				t.Errorf("header % x, want SP, 1, %d", b[:4], len(tt.frames))
			}
			got, err := wire.DecodeBatch(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.frames) {
				t.Fatalf("decoded %d frames, want %d", len(got), len(tt.frames))
			}
			for i, f := range tt.frames {
				g := got[i]
				if g.Seq != f.Seq || !g.Captured.Equal(f.Captured) || !bytes.Equal(g.Payload, f.Payload) {
					t.Errorf("frame %d: got seq %d at %v with %q, want seq %d at %v with %q",
						i, g.Seq, g.Captured, g.Payload, f.Seq, f.Captured, f.Payload)
				}
			}
		})
	}
}

func TestBatchLayout(t *testing.T) {
	// The layout is the protocol: check it byte by byte, not only through
	// a round trip that would hide a symmetric mistake.
	captured := time.Unix(0, 0x0102030405060708)
	b, err := wire.EncodeBatch([]*pipeline.Frame{frame(0x1122334455667788, captured, "hi")})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		'S', 'P', 1, 1,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0, 0, 0, 2,
		'h', 'i',
	}
	if !bytes.Equal(b, want) {
		t.Errorf("encoded\n% x\nwant\n% x", b, want)
	}
}

func TestAppendBatchRejects(t *testing.T) {
	tests := []struct {
		name   string
		frames []*pipeline.Frame
	}{
		{"no frames", nil},
		{"too many frames", make([]*pipeline.Frame, wire.MaxFrames+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := wire.AppendBatch(dst, tt.frames)
			if err == nil {
				t.Fatal("AppendBatch succeeded, want an error")
			}
			if string(got) != "keep" {
				t.Errorf("dst changed to %q", got)
			}
		})
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	good, err := wire.EncodeBatch([]*pipeline.Frame{frame(1, time.Unix(1, 0), "abc"), frame(2, time.Unix(2, 0), "de")})
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name    string
		in      []byte
		want    error
		wantMsg string
	}{
		{"empty", nil, wire.ErrMalformed, "shorter than"},
		{"short header", []byte("SP\x01"), wire.ErrMalformed, "shorter than"},
		{"bad magic", with(func(b []byte) []byte { b[0] = 'X'; return b }), wire.ErrMalformed, "magic"},
		{"version 2", with(func(b []byte) []byte { b[2] = 2; return b }), wire.ErrUnsupportedVersion, "2, want 1"},
		{"zero frames", with(func(b []byte) []byte { b[3] = 0; return b }), wire.ErrMalformed, "count is 0"},
		{"count too high", with(func(b []byte) []byte { b[3] = 3; return b }), wire.ErrMalformed, "frame 3 of 3: header"},
		{"count too low", with(func(b []byte) []byte { b[3] = 1; return b }), wire.ErrMalformed, "after the last"},
		{"truncated header", good[:wire.HeaderSize+10], wire.ErrMalformed, "header needs 20"},
		{"truncated payload", good[:len(good)-1], wire.ErrMalformed, "declares 2 payload bytes, 1 remain"},
		{"huge length", with(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[wire.HeaderSize+16:], 0xffffffff)
			return b
		}), wire.ErrMalformed, "declares 4294967295"},
		{"trailing byte", append(bytes.Clone(good), 0), wire.ErrMalformed, "1 bytes after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := wire.DecodeBatch(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if len(frames) != 0 {
				t.Errorf("returned %d frames with the error", len(frames))
			}
		})
	}
}

func TestDecodeBatchIntoReuses(t *testing.T) {
	b, err := wire.EncodeBatch([]*pipeline.Frame{frame(1, time.Unix(1, 0), "a"), frame(2, time.Unix(2, 0), "b")})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]wire.Frame, 0, 8)
	got, err := wire.DecodeBatchInto(dst, b)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0] != &dst[:1][0] {
		t.Error("DecodeBatchInto did not reuse dst's storage")
	}
	allocs := testing.AllocsPerRun(100, func() { got, _ = wire.DecodeBatchInto(got, b) })
	if allocs != 0 {
		t.Errorf("DecodeBatchInto allocates %v times per call with room in dst, want 0", allocs)
	}
}

func BenchmarkEncodeBatch(b *testing.B) {
	frames := make([]*pipeline.Frame, 5)
	for i := range frames {
		frames[i] = pipeline.NewFrame(uint64(i), time.Now(), pipeline.ContentTypeJPEG, make([]byte, 16<<10))
	}
	buf := make([]byte, 0, wire.BatchSize(frames))
	b.SetBytes(int64(wire.BatchSize(frames)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = wire.AppendBatch(buf[:0], frames)
	}
}
