// Command grayscale is an example streampipe plugin stage: it turns JPEG
// frames grey. With strength 1 it re-encodes the luma plane alone, a true
// single-channel JPEG; below 1 it pulls the colour towards grey by that
// much. See README.md.
package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/sdk"
)

// Plugin is the grayscale plugin's description; main serves it.
var Plugin = sdk.Plugin{
	Name:      "grayscale",
	Version:   "1.0.0",
	Summary:   "Turns JPEG frames grey.",
	Doc:       "Decodes each JPEG frame, removes its colour (all of it, or by strength), and encodes it again.",
	Stability: pipeline.StabilityBeta,
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{Name: "strength", Type: pipeline.TypeNumber, Default: 1.0, Range: "[0,1]",
			Doc: "How much colour to remove: 1 makes a single-channel grey JPEG, 0 leaves the colour."},
		{Name: "quality", Type: pipeline.TypeInt, Default: 85, Range: "[1,100]",
			Doc: "JPEG quality of the output frames."},
	}},
	New: func() sdk.Stage { return &stage{} },
}

type stage struct {
	strength float64
	quality  int
}

func (s *stage) Configure(_ context.Context, c *pipeline.Config, env sdk.Env) error {
	s.strength, s.quality = c.Float("strength"), c.Int("quality")
	if ct := env.Upstream.ContentType; ct != "" && ct != pipeline.ContentTypeJPEG {
		return fmt.Errorf("grayscale needs JPEG frames, and the stream carries %s", ct)
	}
	env.Logger.Debug("configured", "strength", s.strength, "quality", s.quality)
	return nil
}

func (s *stage) Process(_ context.Context, m pipeline.Message) ([]*pipeline.Frame, error) {
	out := make([]*pipeline.Frame, 0, len(m.Frames))
	for _, f := range m.Frames {
		if s.strength == 0 {
			out = append(out, f)
			continue
		}
		p, err := s.gray(f.Payload)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", f.Seq, err)
		}
		out = append(out, f.Derive(pipeline.ContentTypeJPEG, p))
	}
	return out, nil
}

// gray re-encodes one JPEG without (some of) its colour.
func (s *stage) gray(payload []byte) ([]byte, error) {
	img, err := jpeg.Decode(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("decoding JPEG: %w", err)
	}
	var result image.Image
	switch im := img.(type) {
	case *image.Gray:
		result = im
	case *image.YCbCr:
		if s.strength >= 1 {
			// The luma plane is the grey picture: no conversion needed.
			result = &image.Gray{Pix: im.Y, Stride: im.YStride, Rect: im.Rect}
			break
		}
		keep := 1 - s.strength
		for i, v := range im.Cb {
			im.Cb[i] = uint8(128 + (float64(v)-128)*keep)
		}
		for i, v := range im.Cr {
			im.Cr[i] = uint8(128 + (float64(v)-128)*keep)
		}
		result = im
	default:
		g := image.NewGray(img.Bounds())
		for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
			for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
				g.Set(x, y, img.At(x, y))
			}
		}
		result = g
	}
	var buf bytes.Buffer
	buf.Grow(len(payload))
	if err := jpeg.Encode(&buf, result, &jpeg.Options{Quality: s.quality}); err != nil {
		return nil, fmt.Errorf("encoding JPEG: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *stage) Close(context.Context) error { return nil }

func main() { sdk.Serve(Plugin) }
