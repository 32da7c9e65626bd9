package loadtest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
)

// PaddedJPEG returns a valid JPEG of exactly size bytes: a small test image
// followed by comment (COM) segments that decoders skip. It lets a benchmark
// send frames of a fixed size without re-encoding anything.
func PaddedJPEG(size int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 50}); err != nil {
		return nil, err
	}
	base := buf.Bytes()
	if size < len(base) {
		return nil, fmt.Errorf("loadtest: a JPEG needs at least %d bytes, asked for %d", len(base), size)
	}

	// Insert COM segments right after the SOI marker. Each segment is
	// FF FE, a 2-byte length that counts itself, then the payload, so one
	// segment spans 4 to 65537 bytes; a remainder under 4 bytes is avoided
	// by shortening the segment before it.
	pad := size - len(base)
	if pad > 0 && pad < 4 {
		return nil, fmt.Errorf("loadtest: cannot pad a %d-byte JPEG by %d bytes", len(base), pad)
	}
	out := make([]byte, 0, size)
	out = append(out, base[:2]...)
	for pad > 0 {
		n := min(pad, 65537)
		if rest := pad - n; rest > 0 && rest < 4 {
			n -= 4
		}
		body := n - 4
		out = append(out, 0xFF, 0xFE, byte((body+2)>>8), byte(body+2))
		out = append(out, bytes.Repeat([]byte{'x'}, body)...)
		pad -= n
	}
	return append(out, base[2:]...), nil
}
