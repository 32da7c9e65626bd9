package quality

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"

	"github.com/streampipe/streampipe/pipeline"
)

// maxPixels bounds the pictures the stage decodes (64 megapixels, such as
// 8192x8192), so a corrupt or hostile header cannot make it allocate
// gigabytes.
const maxPixels = 1 << 26

// decoder decodes input frames, reusing its reader across frames.
type decoder struct {
	r bytes.Reader
}

// decode returns the frame's picture.
func (d *decoder) decode(f *pipeline.Frame) (image.Image, error) {
	if f.ContentType != pipeline.ContentTypeJPEG {
		return nil, fmt.Errorf("decode frame %d: content type %q is not JPEG", f.Seq, f.ContentType)
	}
	d.r.Reset(f.Payload)
	cfg, err := jpeg.DecodeConfig(&d.r)
	if err != nil {
		return nil, fmt.Errorf("decode frame %d: %w", f.Seq, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("decode frame %d: %dx%d pixels: more than %d",
			f.Seq, cfg.Width, cfg.Height, maxPixels)
	}

	// TODO: image/jpeg allocates a new picture per frame; decoding into a
	// reused one needs a decoder that accepts a destination.
	d.r.Reset(f.Payload)
	img, err := jpeg.Decode(&d.r)
	if err != nil {
		return nil, fmt.Errorf("decode frame %d: %w", f.Seq, err)
	}
	return img, nil
}

// encoder re-encodes frames for one tier. Its scaler, scratch picture and
// output buffer are reused across frames: the encoded bytes are copied
// into a payload of their own before the frame leaves, so reuse is safe.
type encoder struct {
	scale   float64
	quality int

	// scaler and dst fit the last source size (srcW x srcH); a frame of
	// another size replaces them.
	scaler     draw.Scaler
	srcW, srcH int
	dst        *image.RGBA

	out flushBuffer
}

// flushBuffer is a bytes.Buffer with a no-op Flush. image/jpeg writes
// straight into a writer that has WriteByte and Flush; any other writer it
// wraps in a new 4 KiB bufio.Writer per picture, two allocations and a
// copy this type saves.
type flushBuffer struct{ bytes.Buffer }

// Flush implements the flusher image/jpeg looks for.
func (*flushBuffer) Flush() error { return nil }

func newEncoder(t Tier) *encoder {
	e := &encoder{scale: t.Scale, quality: t.JPEGQuality}
	if e.quality == 0 {
		e.quality = DefaultJPEGQuality
	}
	return e
}

// encode returns f re-encoded from its decoded picture src.
func (e *encoder) encode(f *pipeline.Frame, src image.Image) (*pipeline.Frame, error) {
	img := src
	if e.scale < 1 {
		sb := src.Bounds()
		if e.scaler == nil || sb.Dx() != e.srcW || sb.Dy() != e.srcH {
			w, h := scaledSize(sb.Dx(), sb.Dy(), e.scale)
			e.srcW, e.srcH = sb.Dx(), sb.Dy()
			e.dst = image.NewRGBA(image.Rect(0, 0, w, h))
			// BiLinear widens its support by the shrink factor, so every
			// source pixel contributes: no aliasing at any scale, for
			// about half the cost of CatmullRom, whose extra sharpness
			// JPEG compression mostly loses again. ApproxBiLinear is 2-3
			// times cheaper but blends only four pixels per output pixel,
			// which shimmers on fine detail below half size. A scaler
			// made for fixed sizes keeps its weights and scratch rows:
			// scaling with the plain kernel allocates megabytes per call.
			e.scaler = draw.BiLinear.NewScaler(w, h, e.srcW, e.srcH)
		}
		e.scaler.Scale(e.dst, e.dst.Rect, src, sb, draw.Src, nil)
		img = e.dst
	}

	e.out.Reset()
	if err := jpeg.Encode(&e.out, img, &jpeg.Options{Quality: e.quality}); err != nil {
		return nil, fmt.Errorf("encode frame %d: %w", f.Seq, err)
	}
	return f.Derive(pipeline.ContentTypeJPEG, bytes.Clone(e.out.Bytes())), nil
}
