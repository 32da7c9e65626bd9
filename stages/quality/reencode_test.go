package quality_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/quality"
)

func TestReencodeSizes(t *testing.T) {
	tests := []struct {
		name         string
		w, h         int
		scale        float64
		wantW, wantH int
	}{
		// 202.5 rounds half away from zero.
		{"720x405 at 0.5", 720, 405, 0.5, 360, 203},
		{"720x405 at 0.25", 720, 405, 0.25, 180, 101},
		{"720x405 at 1/3", 720, 405, 1.0 / 3, 240, 135},
		{"640x480 at 0.1", 640, 480, 0.1, 64, 48},
		{"3x3 at 0.1 keeps a pixel", 3, 3, 0.1, 1, 1},
		{"quality only keeps the size", 720, 405, 1, 720, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := syntheticJPEG(t, tt.w, tt.h)
			tier := quality.Tier{Name: "small", FPS: 30, Scale: tt.scale}
			if tt.scale == 1 {
				tier.JPEGQuality = 50
			}
			out, rep := run(t, quality.Options{Tiers: []quality.Tier{tier}}, 30, 2, src)
			if len(out.msgs) != 2 || rep.drops[pipeline.DropInvalid] != 0 {
				t.Fatalf("emitted %d frames with drops %v, want 2 and none", len(out.msgs), rep.drops)
			}
			for i, m := range out.msgs {
				f := m.Frames[0]
				if f.Seq != uint64(i+1) || f.ContentType != pipeline.ContentTypeJPEG || f.Captured.UnixNano() != int64(i+1) {
					t.Errorf("re-encoded frame %d lost its identity: seq %d, %q, %v", i+1, f.Seq, f.ContentType, f.Captured)
				}
				if bytes.Equal(f.Payload, src) {
					t.Errorf("frame %d passed through unchanged", f.Seq)
				}
				if w, h := decodeSize(t, f.Payload); w != tt.wantW || h != tt.wantH {
					t.Errorf("frame %d is %dx%d, want %dx%d", f.Seq, w, h, tt.wantW, tt.wantH)
				}
			}
			// Each frame owns its payload: no aliasing of the encoder's buffer.
			if &out.msgs[0].Frames[0].Payload[0] == &out.msgs[1].Frames[0].Payload[0] {
				t.Error("two frames share one payload buffer")
			}
		})
	}
}

// TestReencodeRealFrames runs the 60 frames of the city clip (360x202)
// through a full-rate tier, a half-size tier and a quality-only tier.
func TestReencodeRealFrames(t *testing.T) {
	frames := cityFrames(t)
	rep := newReporter()
	s, err := quality.New(quality.Options{Tiers: []quality.Tier{
		{Name: "full", FPS: 30},
		{Name: "half", FPS: 15, Scale: 0.5},
		{Name: "rough", FPS: 10, JPEGQuality: 20},
	}}, pipeline.Env{Upstream: pipeline.StreamInfo{FPS: 30}, Report: rep})
	if err != nil {
		t.Fatal(err)
	}
	out := &recorder{}
	for i, payload := range frames {
		if err := s.Process(context.Background(), pipeline.Single("", frame(uint64(i+1), payload)), out); err != nil {
			t.Fatal(err)
		}
	}

	counts := map[string]int{}
	for _, m := range out.msgs {
		f := m.Frames[0]
		counts[m.Tier]++
		orig := frames[f.Seq-1]
		w, h := decodeSize(t, f.Payload)
		switch m.Tier {
		case "full":
			if !bytes.Equal(f.Payload, orig) {
				t.Errorf("full tier changed frame %d", f.Seq)
			}
		case "half":
			if w != 180 || h != 101 {
				t.Errorf("half tier frame %d is %dx%d, want 180x101", f.Seq, w, h)
			}
		case "rough":
			if w != 360 || h != 202 || len(f.Payload) >= len(orig) {
				t.Errorf("rough tier frame %d is %dx%d and %d bytes, want 360x202 and under %d",
					f.Seq, w, h, len(f.Payload), len(orig))
			}
		}
	}
	want := map[string]int{"full": 60, "half": 30, "rough": 20}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("frames per tier %v, want %v", counts, want)
	}
	if rep.skipped != 30+40 || len(rep.drops) != 0 {
		t.Errorf("skipped %d and dropped %v, want 70 and none", rep.skipped, rep.drops)
	}
}

// TestUndecodableFrames sends frames that are not JPEGs: re-encoding tiers
// drop them as invalid, the pass-through tier still delivers them.
func TestUndecodableFrames(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		ctype   string
	}{
		{"garbage", []byte("definitely not a jpeg"), pipeline.ContentTypeJPEG},
		{"empty", nil, pipeline.ContentTypeJPEG},
		{"truncated", syntheticJPEG(t, 64, 64)[:300], pipeline.ContentTypeJPEG},
		{"huge header", hugeHeader(), pipeline.ContentTypeJPEG},
		{"not jpeg content", syntheticJPEG(t, 8, 8), "image/png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := newReporter()
			s, err := quality.New(quality.Options{Tiers: []quality.Tier{
				{Name: "full", FPS: 30},
				{Name: "half", FPS: 30, Scale: 0.5},
				{Name: "q", FPS: 30, JPEGQuality: 10},
			}}, pipeline.Env{Upstream: pipeline.StreamInfo{FPS: 30}, Report: rep})
			if err != nil {
				t.Fatal(err)
			}
			out := &recorder{}
			f := pipeline.NewFrame(1, frame(1, nil).Captured, tt.ctype, tt.payload)
			if err := s.Process(context.Background(), pipeline.Single("", f), out); err != nil {
				t.Fatal(err)
			}
			if len(out.msgs) != 1 || out.msgs[0].Tier != "full" || out.msgs[0].Frames[0] != f {
				t.Errorf("emitted %d messages, want only the full tier's", len(out.msgs))
			}
			if got := rep.drops[pipeline.DropInvalid]; got != 2 {
				t.Errorf("invalid drops = %d, want one per re-encoding tier", got)
			}
		})
	}
}

// hugeHeader is a JPEG start whose frame header claims 65535x65535
// pixels, which must be refused before any allocation.
func hugeHeader() []byte {
	return []byte{
		0xFF, 0xD8, // SOI
		0xFF, 0xC0, 0x00, 0x0B, // SOF0, length 11
		0x08,       // precision
		0xFF, 0xFF, // height
		0xFF, 0xFF, // width
		0x01,             // one component
		0x01, 0x11, 0x00, // id 1, sampling 1x1, table 0
		0xFF, 0xD9,
	}
}

// TestReencodeSizeChanges sends frames whose size changes mid-stream, as
// when a capture command restarts with other settings.
func TestReencodeSizeChanges(t *testing.T) {
	s, err := quality.New(quality.Options{Tiers: []quality.Tier{{Name: "half", FPS: 30, Scale: 0.5}}},
		pipeline.Env{Upstream: pipeline.StreamInfo{FPS: 30}})
	if err != nil {
		t.Fatal(err)
	}
	sizes := [][2]int{{720, 405}, {64, 36}, {64, 36}, {720, 405}, {101, 51}}
	want := [][2]int{{360, 203}, {32, 18}, {32, 18}, {360, 203}, {51, 26}}
	out := &recorder{}
	for i, sz := range sizes {
		f := frame(uint64(i+1), syntheticJPEG(t, sz[0], sz[1]))
		if err := s.Process(context.Background(), pipeline.Single("", f), out); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.msgs) != len(want) {
		t.Fatalf("emitted %d frames, want %d", len(out.msgs), len(want))
	}
	for i, m := range out.msgs {
		if w, h := decodeSize(t, m.Frames[0].Payload); w != want[i][0] || h != want[i][1] {
			t.Errorf("frame %d is %dx%d, want %dx%d", i+1, w, h, want[i][0], want[i][1])
		}
	}
}
