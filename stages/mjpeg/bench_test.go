package mjpeg

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/streampipe/streampipe/internal/testenv"
)

// BenchmarkSplitCity60 splits the 60-frame clip. Besides MB/s it reports
// ns/frame and allocs/frame; the one allocation a frame needs is its own
// payload.
func BenchmarkSplitCity60(b *testing.B) {
	data, err := os.ReadFile(testenv.Path(b, "testdata", "mjpeg", "city-60.mjpeg"))
	if err != nil {
		b.Fatal(err)
	}
	r := bytes.NewReader(data)
	s := NewSplitter(r, 0)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	frames := 0
	for b.Loop() {
		r.Reset(data)
		s.Reset(r)
		for {
			_, err := s.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			frames++
		}
	}
	runtime.ReadMemStats(&after)
	if frames == 0 {
		b.Fatal("no frames")
	}
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(frames), "allocs/frame")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
}
