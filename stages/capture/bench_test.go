package capture

import (
	"testing"
	"time"
)

// BenchmarkSyntheticFrame measures drawing and encoding one synthetic
// frame at the default size and quality (ns/op is per frame).
func BenchmarkSyntheticFrame(b *testing.B) {
	p := newPattern(DefaultWidth, DefaultHeight, DefaultJPEGQuality)
	now := time.Now()
	var seq uint64
	b.ReportAllocs()
	for b.Loop() {
		seq++
		if _, err := p.render(seq, now); err != nil {
			b.Fatal(err)
		}
	}
}
