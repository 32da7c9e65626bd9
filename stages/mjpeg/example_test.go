package mjpeg_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log"

	"github.com/streampipe/streampipe/stages/mjpeg"
)

func ExampleSplitter() {
	// Two small JPEGs back to back, then noise, as a capture might write.
	var stream bytes.Buffer
	for _, c := range []color.Gray{{Y: 0}, {Y: 255}} {
		img := image.NewGray(image.Rect(0, 0, 8, 8))
		for i := range img.Pix {
			img.Pix[i] = c.Y
		}
		if err := jpeg.Encode(&stream, img, nil); err != nil {
			log.Fatal(err)
		}
	}
	stream.WriteString("noise")

	s := mjpeg.NewSplitter(&stream, 1<<20)
	for {
		frame, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("frame from %x to %x\n", frame[:2], frame[len(frame)-2:])
	}
	st := s.Stats()
	fmt.Printf("%d frames, %d bytes of garbage\n", st.Frames, st.GarbageBytes)
	// Output:
	// frame from ffd8 to ffd9
	// frame from ffd8 to ffd9
	// 2 frames, 5 bytes of garbage
}
