package capture

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"strconv"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The test pattern's colours: 75% colour bars as on a SMPTE chart, the
// text box behind the caption, and the moving block.
var (
	barColours = [...]color.RGBA{
		{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
		{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255},
	}
	boxColour   = color.RGBA{16, 16, 16, 255}
	textColour  = color.RGBA{255, 255, 255, 255}
	blockEdge   = color.RGBA{255, 255, 255, 255}
	blockColour = color.RGBA{0, 0, 0, 255}
)

// captionChars is the widest caption line: "#" and a 20-digit sequence.
const captionChars = 21

// pattern draws the synthetic capture's frames: colour bars over a grey
// ramp, drawn once, and per frame a block moving across the bars and a
// caption with the sequence number and time. It reuses its buffers, so it
// is not safe for concurrent use.
type pattern struct {
	bg, img *image.RGBA  // the static background; the frame being drawn
	caption *image.Alpha // the caption at the font's own size
	scale   int          // how much the caption is magnified
	textAt  image.Point  // top-left corner of the caption in the frame
	block   image.Rectangle
	step    int // how far the block moves per frame, in pixels
	line    []byte
	enc     bytes.Buffer
	opts    jpeg.Options
}

// newPattern prepares a w×h pattern encoded at the given JPEG quality.
func newPattern(w, h, quality int) *pattern {
	face := basicfont.Face7x13
	p := &pattern{
		bg:      image.NewRGBA(image.Rect(0, 0, w, h)),
		img:     image.NewRGBA(image.Rect(0, 0, w, h)),
		caption: image.NewAlpha(image.Rect(0, 0, captionChars*face.Advance, 2*face.Height)),
		opts:    jpeg.Options{Quality: quality},
		line:    make([]byte, 0, 32),
	}

	// The caption is magnified to stay readable: about an eighth of the
	// height for its two lines, and never wider than the frame allows.
	p.scale = min(h/(8*face.Height), w/(14*face.Advance), 8)
	p.scale = max(p.scale, 1)
	pad := 2 * p.scale
	p.textAt = image.Pt(pad*2, pad*2)
	boxW := 13*face.Advance*p.scale + 2*pad
	boxH := 2*face.Height*p.scale + 2*pad

	// Bars over the top two thirds, a ramp below, the caption's box.
	barsH := h * 2 / 3
	for i, c := range barColours {
		fill(p.bg, image.Rect(i*w/len(barColours), 0, (i+1)*w/len(barColours), barsH), c)
	}
	for x := range w {
		v := uint8(x * 255 / max(w-1, 1))
		fill(p.bg, image.Rect(x, barsH, x+1, h), color.RGBA{v, v, v, 255})
	}
	box := image.Rect(0, 0, boxW, boxH).Add(p.textAt.Sub(image.Pt(pad, pad)))
	fill(p.bg, box, boxColour)

	// The block runs along the bottom of the bars.
	side := max(h/6, 4)
	p.block = image.Rect(0, barsH-side-h/24, side, barsH-h/24)
	p.step = max(w/64, 1)
	return p
}

// render draws and encodes the frame with sequence number seq at time t,
// and returns a newly allocated JPEG.
func (p *pattern) render(seq uint64, t time.Time) ([]byte, error) {
	copy(p.img.Pix, p.bg.Pix)

	// The block moves by step pixels per frame, wrapping around.
	span := max(p.img.Rect.Dx()-p.block.Dx(), 1)
	at := p.block.Add(image.Pt(int(seq*uint64(p.step)%uint64(span)), 0))
	fill(p.img, at, blockEdge)
	inset := max(at.Dx()/8, 1)
	fill(p.img, at.Inset(inset), blockColour)

	// The caption: the sequence number over the time of day.
	clear(p.caption.Pix)
	d := font.Drawer{Dst: p.caption, Src: image.Opaque, Face: basicfont.Face7x13}
	p.line = strconv.AppendUint(append(p.line[:0], '#'), seq, 10)
	d.Dot = fixed.P(0, basicfont.Face7x13.Ascent)
	d.DrawBytes(p.line)
	p.line = t.AppendFormat(p.line[:0], "15:04:05.000")
	d.Dot = fixed.P(0, basicfont.Face7x13.Height+basicfont.Face7x13.Ascent)
	d.DrawBytes(p.line)
	p.blitCaption()

	p.enc.Reset()
	if err := jpeg.Encode(&p.enc, p.img, &p.opts); err != nil {
		return nil, err
	}
	return bytes.Clone(p.enc.Bytes()), nil
}

// blitCaption copies the caption into the frame, each of its pixels
// magnified to a scale×scale square.
func (p *pattern) blitCaption() {
	c := p.caption
	for y := range c.Rect.Dy() {
		row := c.Pix[y*c.Stride : y*c.Stride+c.Rect.Dx()]
		for x, a := range row {
			if a < 0x80 {
				continue
			}
			px := p.textAt.Add(image.Pt(x*p.scale, y*p.scale))
			fill(p.img, image.Rectangle{Min: px, Max: px.Add(image.Pt(p.scale, p.scale))}, textColour)
		}
	}
}

// fill paints r, clipped to img, in c.
func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return
	}
	first := img.Pix[img.PixOffset(r.Min.X, r.Min.Y) : img.PixOffset(r.Max.X-1, r.Min.Y)+4]
	for i := 0; i < len(first); i += 4 {
		first[0+i], first[1+i], first[2+i], first[3+i] = c.R, c.G, c.B, c.A
	}
	for y := r.Min.Y + 1; y < r.Max.Y; y++ {
		copy(img.Pix[img.PixOffset(r.Min.X, y):], first)
	}
}
