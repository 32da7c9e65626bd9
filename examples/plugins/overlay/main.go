// Command overlay is an example streampipe plugin stage: it draws each
// frame's sequence number and capture time on the frame. See README.md.
package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"strconv"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/sdk"
)

// Plugin is the overlay plugin's description; main serves it.
var Plugin = sdk.Plugin{
	Name:      "overlay",
	Version:   "1.0.0",
	Summary:   "Draws the sequence number and capture time on JPEG frames.",
	Doc:       "Writes \"#SEQ TIME\" in white on a black box in a corner of every frame.",
	Stability: pipeline.StabilityBeta,
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{Name: "position", Type: pipeline.TypeString, Default: "top-left",
			OneOf: []string{"top-left", "top-right", "bottom-left", "bottom-right"},
			Doc:   "The corner the text goes in."},
		{Name: "scale", Type: pipeline.TypeInt, Default: 2, Range: "[1,8]",
			Doc: "How many pixels each pixel of the 7x13 font becomes."},
		{Name: "time_format", Type: pipeline.TypeString, Default: "15:04:05.000",
			Doc: "Go time layout of the capture time; empty leaves the time out."},
		{Name: "quality", Type: pipeline.TypeInt, Default: 85, Range: "[1,100]",
			Doc: "JPEG quality of the output frames."},
	}},
	New: func() sdk.Stage { return &stage{} },
}

type stage struct {
	position, layout string
	scale, quality   int
}

func (s *stage) Configure(_ context.Context, c *pipeline.Config, _ sdk.Env) error {
	s.position, s.layout = c.String("position"), c.String("time_format")
	s.scale, s.quality = c.Int("scale"), c.Int("quality")
	return nil
}

func (s *stage) Process(_ context.Context, m pipeline.Message) ([]*pipeline.Frame, error) {
	out := make([]*pipeline.Frame, 0, len(m.Frames))
	for _, f := range m.Frames {
		text := "#" + strconv.FormatUint(f.Seq, 10)
		if s.layout != "" {
			text += " " + f.Captured.Format(s.layout)
		}
		p, err := s.draw(f.Payload, text)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", f.Seq, err)
		}
		out = append(out, f.Derive(pipeline.ContentTypeJPEG, p))
	}
	return out, nil
}

// draw writes text on a black box in the configured corner.
func (s *stage) draw(payload []byte, text string) ([]byte, error) {
	src, err := jpeg.Decode(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("decoding JPEG: %w", err)
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Rect, src, src.Bounds().Min, draw.Src)

	// Render the text at font size into a small label, then scale it up
	// with nearest-neighbour so the pixels stay crisp.
	face := basicfont.Face7x13
	pad := 2
	w := font.MeasureString(face, text).Ceil() + 2*pad
	h := face.Height + 2*pad
	label := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(label, label.Rect, image.NewUniform(color.Black), image.Point{}, draw.Src)
	d := font.Drawer{Dst: label, Src: image.NewUniform(color.White), Face: face,
		Dot: fixed.P(pad, pad+face.Ascent)}
	d.DrawString(text)

	sw, sh := w*s.scale, h*s.scale
	b := img.Rect
	x, y := b.Min.X, b.Min.Y
	if s.position == "top-right" || s.position == "bottom-right" {
		x = b.Max.X - sw
	}
	if s.position == "bottom-left" || s.position == "bottom-right" {
		y = b.Max.Y - sh
	}
	xdraw.NearestNeighbor.Scale(img, image.Rect(x, y, x+sw, y+sh), label, label.Rect, xdraw.Src, nil)

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: s.quality}); err != nil {
		return nil, fmt.Errorf("encoding JPEG: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *stage) Close(context.Context) error { return nil }

func main() { sdk.Serve(Plugin) }
