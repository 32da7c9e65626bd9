package capture

import (
	"bytes"
	"context"
	"image/jpeg"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

func TestSyntheticFrames(t *testing.T) {
	tests := []struct {
		name string
		opts SyntheticOptions
		w, h int
	}{
		{"smallest", SyntheticOptions{FPS: 240, Width: 16, Height: 16, Frames: 4}, 16, 16},
		{"odd size", SyntheticOptions{FPS: 240, Width: 101, Height: 57, JPEGQuality: 30, Frames: 4}, 101, 57},
		{"defaults", SyntheticOptions{FPS: 240, Frames: 4}, DefaultWidth, DefaultHeight},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSynthetic(tc.opts, pipeline.Env{})
			if err != nil {
				t.Fatal(err)
			}
			out := &output{}
			if err := waitRun(t, runSource(context.Background(), s, out)); err != nil {
				t.Fatalf("Run = %v, want nil once the frames are done", err)
			}

			// Exactly the frames asked for, numbered from 1, each of the
			// right size and each different from the one before.
			frames := out.Frames()
			if len(frames) != tc.opts.Frames {
				t.Fatalf("got %d frames, want %d", len(frames), tc.opts.Frames)
			}
			checkSeqs(t, frames)
			for i, f := range frames {
				if b := decodeJPEG(t, f).Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
					t.Errorf("frame %d is %dx%d, want %dx%d", f.Seq, b.Dx(), b.Dy(), tc.w, tc.h)
				}
				if i > 0 && bytes.Equal(f.Payload, frames[i-1].Payload) {
					t.Errorf("frame %d is the same as the one before", f.Seq)
				}
			}
		})
	}
}

func TestSyntheticPatternChanges(t *testing.T) {
	// Beyond differing bytes, the pictures must differ where a viewer
	// looks: the moving block and the caption.
	p := newPattern(320, 180, 90)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, err := p.render(1, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.render(2, now.Add(time.Second/30))
	if err != nil {
		t.Fatal(err)
	}
	ia, err := jpeg.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	differ := func(x0, y0, x1, y1 int) bool {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				r1, g1, b1, _ := ia.At(x, y).RGBA()
				r2, g2, b2, _ := ib.At(x, y).RGBA()
				if absDiff(r1, r2) > 0x3000 || absDiff(g1, g2) > 0x3000 || absDiff(b1, b2) > 0x3000 {
					return true
				}
			}
		}
		return false
	}
	if !differ(p.textAt.X, p.textAt.Y, p.textAt.X+13*7*p.scale, p.textAt.Y+26*p.scale) {
		t.Error("the caption looks the same in consecutive frames")
	}
	if !differ(0, p.block.Min.Y, 320, p.block.Max.Y) {
		t.Error("the block did not move")
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestSyntheticStopsOnCancel(t *testing.T) {
	s, err := NewSynthetic(SyntheticOptions{FPS: 100, Width: 64, Height: 48}, pipeline.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &output{stopAt: 5, cancel: cancel}
	if err := waitRun(t, runSource(ctx, s, out)); err != nil {
		t.Fatalf("Run = %v, want nil after cancellation", err)
	}
	if n := len(out.Frames()); n != 5 {
		t.Errorf("got %d frames, want 5: Run must stop as soon as it is cancelled", n)
	}
}

// TestSyntheticPipeline runs the synthetic capture through the real
// runtime: with a frame count it ends the stream, and the pipeline drains
// and stops by itself.
func TestSyntheticPipeline(t *testing.T) {
	env, _, _ := testEnv()
	s, err := NewSynthetic(SyntheticOptions{FPS: 240, Width: 32, Height: 32, Frames: 6}, env)
	if err != nil {
		t.Fatal(err)
	}
	sink := &sink{}
	p, err := pipeline.New("test", []pipeline.Node{
		{Name: "capture", Family: pipeline.FamilyCapture, Kind: "synthetic", Stage: s,
			Info: s.Describe(pipeline.StreamInfo{})},
		{Name: "sink", Family: pipeline.FamilySink, Kind: "test", Stage: sink},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatalf("pipeline Run = %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the pipeline did not end by itself")
	}
	checkSeqs(t, sink.frames)
	if len(sink.frames) != 6 {
		t.Errorf("the sink got %d frames, want 6", len(sink.frames))
	}
	if st := p.Stats()[0]; st.FramesOut != 6 {
		t.Errorf("capture stats count %d frames out, want 6", st.FramesOut)
	}
}

// sink collects frames; the runtime calls it from one goroutine and the
// test reads it after Run.
type sink struct{ frames []*pipeline.Frame }

func (s *sink) Consume(_ context.Context, m pipeline.Message) error {
	s.frames = append(s.frames, m.Frames...)
	return nil
}
