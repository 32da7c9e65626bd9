package plugins_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// cityFrames returns the 60 JPEGs of the shared MJPEG test clip.
func cityFrames(t *testing.T) [][]byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Path(t, "testdata", "mjpeg", "city-60.mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	soi := []byte{0xff, 0xd8, 0xff}
	var frames [][]byte
	for len(b) > 0 {
		next := bytes.Index(b[len(soi):], soi)
		if next < 0 {
			frames = append(frames, b)
			break
		}
		frames = append(frames, b[:next+len(soi)])
		b = b[next+len(soi):]
	}
	if len(frames) != 60 {
		t.Fatalf("split the clip into %d frames, want 60", len(frames))
	}
	return frames
}

// TestExamplePluginsInAPipeline runs the real clip through both example
// plugins, overlay then grayscale, and checks the pixels that come out.
func TestExamplePluginsInAPipeline(t *testing.T) {
	frames := cityFrames(t)
	overlay := newTestStage(t, plugins.Decl{Name: "overlay", Command: []string{build(t, "examples/plugins/overlay")}},
		map[string]any{"scale": 3})
	gray := newTestStage(t, plugins.Decl{Name: "grayscale", Command: []string{build(t, "examples/plugins/grayscale")}}, nil)
	snk := &sink{}
	src := source{n: len(frames), payload: func(seq uint64) []byte { return frames[seq-1] }}

	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: src},
		{Name: "overlay", Stage: overlay.stage, Stats: overlay.stats},
		{Name: "grayscale", Stage: gray.stage, Stats: gray.stats},
		{Name: "sink", Stage: snk},
	}, pipeline.Options{DrainTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	out := snk.snapshot()
	if len(out) != len(frames) {
		t.Fatalf("got %d frames, want %d; drops %v %v", len(out), len(frames),
			overlay.stats.Snapshot().Drops, gray.stats.Snapshot().Drops)
	}
	for i, f := range out {
		if f.Seq != uint64(i+1) || f.ContentType != pipeline.ContentTypeJPEG {
			t.Fatalf("frame %d: seq %d type %q", i, f.Seq, f.ContentType)
		}
		in, err := jpeg.Decode(bytes.NewReader(frames[i]))
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(f.Payload))
		if err != nil {
			t.Fatalf("frame %d does not decode: %v", f.Seq, err)
		}
		g, ok := img.(*image.Gray)
		if !ok {
			t.Fatalf("frame %d decodes to %T, want a single-channel *image.Gray", f.Seq, img)
		}
		if g.Bounds() != in.Bounds() {
			t.Fatalf("frame %d is %v, the input was %v", f.Seq, g.Bounds(), in.Bounds())
		}

		// The text box in the top-left corner holds black background and
		// white glyphs; outside it the picture keeps the input's luma.
		var dark, bright, brightBefore int
		yc := in.(*image.YCbCr)
		for y := 2 * 3; y < 15*3; y++ {
			for x := 2 * 3; x < 40*3; x++ {
				switch v := g.GrayAt(x, y).Y; {
				case v < 40:
					dark++
				case v > 215:
					bright++
				}
				if yc.Y[yc.YOffset(x, y)] > 215 {
					brightBefore++
				}
			}
		}
		if dark < 500 || bright < brightBefore+50 {
			t.Errorf("frame %d: the overlay box has %d dark and %d bright pixels (%d bright before)",
				f.Seq, dark, bright, brightBefore)
		}
		if d := meanLumaDiff(in, g, image.Rect(0, in.Bounds().Dy()/2, in.Bounds().Dx(), in.Bounds().Dy())); d > 6 {
			t.Errorf("frame %d: the lower half's luma moved by %.1f on average", f.Seq, d)
		}
	}
}

// meanLumaDiff compares the luma of two pictures over r.
func meanLumaDiff(a image.Image, b *image.Gray, r image.Rectangle) float64 {
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			var ya uint8
			if yc, ok := a.(*image.YCbCr); ok {
				ya = yc.Y[yc.YOffset(x, y)]
			}
			d := float64(ya) - float64(b.GrayAt(x, y).Y)
			if d < 0 {
				d = -d
			}
			sum += d
			n++
		}
	}
	return sum / n
}
