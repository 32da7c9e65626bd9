package loadtest

import (
	"bytes"
	"image/jpeg"
	"testing"
	"time"
)

func TestParseMix(t *testing.T) {
	m, err := ParseMix("high=20,medium=50,low=30")
	if err != nil {
		t.Fatal(err)
	}
	if m.String() != "high=20,medium=50,low=30" {
		t.Errorf("round trip: %s", m)
	}
	for _, bad := range []string{"high=20", "high", "=5", "high=x,low=100", "a=50,b=-50,c=100"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}

func TestAssignSpreadsClientsByShare(t *testing.T) {
	for _, n := range []int{1, 7, 10, 200, 2001} {
		got := map[string]int{}
		tiers := DefaultMix.Assign(n)
		for _, tier := range tiers {
			got[tier]++
		}
		for _, s := range DefaultMix {
			want := s.Percent / 100 * float64(n)
			if d := float64(got[s.Tier]) - want; d > 1 || d < -1 {
				t.Errorf("n=%d: %s got %d clients, want about %.1f", n, s.Tier, got[s.Tier], want)
			}
		}
	}
	// Any prefix keeps the mix: the first 10 of 200 hold 2 high, 5 medium, 3 low.
	first := map[string]int{}
	for _, tier := range DefaultMix.Assign(200)[:10] {
		first[tier]++
	}
	if first["high"] != 2 || first["medium"] != 5 || first["low"] != 3 {
		t.Errorf("first 10 clients: %v", first)
	}
}

func TestExpectedFrames(t *testing.T) {
	tests := []struct {
		first, last   uint64
		tier, capture float64
		want          uint64
	}{
		{1, 300, 30, 30, 300},
		{1, 300, 20, 30, 200},
		{1, 300, 10, 30, 100},
		{3, 3, 10, 30, 1}, // seq 3 is the first 10 fps frame
		{4, 5, 10, 30, 0}, // 4 and 5 are skipped
		{2, 3, 20, 30, 2}, // 2 and 3 taken, 1 skipped
		{1, 250, 12.5, 25, 125},
		{10, 9, 30, 30, 0}, // empty range
		{0, 0, 20, 30, 0},  // no frame seen (a client closed early)
		{0, 0, 30, 30, 0},
	}
	for _, tc := range tests {
		if got := expectedFrames(tc.first, tc.last, tc.tier, tc.capture); got != tc.want {
			t.Errorf("expectedFrames(%d, %d, %g, %g) = %d, want %d",
				tc.first, tc.last, tc.tier, tc.capture, got, tc.want)
		}
	}
}

func TestPercentiles(t *testing.T) {
	l := make([]int64, 100)
	for i := range l {
		l[len(l)-1-i] = int64(i+1) * int64(time.Millisecond)
	}
	got := percentiles(l)
	want := Latency{P50: 50 * time.Millisecond, P95: 95 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Errorf("percentiles = %+v, want %+v", got, want)
	}
	if (percentiles(nil) != Latency{}) {
		t.Error("empty input should give zero latencies")
	}
}

func TestSummariseCountsMissedFrames(t *testing.T) {
	// A medium (20 of 30 fps) client saw seqs 2..31 but only 15 frames:
	// 20 were due, so 5 are missed.
	c := &client{tier: "medium", tierFPS: 20, captureFPS: 30, frames: 15, batches: 5,
		firstSeq: 2, lastSeq: 31, latencies: []int64{int64(time.Millisecond)}}
	tiers, all := summarise([]*client{c, nil}, DefaultMix, time.Second)
	var med TierResult
	for _, tr := range tiers {
		if tr.Tier == "medium" {
			med = tr
		}
	}
	if med.Expected != 20 || med.Missed != 5 || med.Clients != 1 || med.MeanBatch != 3 {
		t.Errorf("medium = %+v", med)
	}
	if all.Frames != 15 || all.Missed != 5 {
		t.Errorf("all = %+v", all)
	}
}

func TestPaddedJPEG(t *testing.T) {
	for _, size := range []int{1024, 16 << 10, 65539, 65540, 65541, 200000} {
		b, err := PaddedJPEG(size)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if len(b) != size {
			t.Errorf("size %d: got %d bytes", size, len(b))
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("size %d: does not decode: %v", size, err)
		}
		if img.Bounds().Dx() != 16 {
			t.Errorf("size %d: width %d", size, img.Bounds().Dx())
		}
	}
	if _, err := PaddedJPEG(10); err == nil {
		t.Error("a 10-byte JPEG was accepted")
	}
}
