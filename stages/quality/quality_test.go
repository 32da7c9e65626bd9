package quality_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/quality"
)

// run feeds frames 1..n with the given payload through a new stage and
// returns what it emitted.
func run(t *testing.T, opts quality.Options, captureFPS float64, n int, payload []byte) (*recorder, *reporter) {
	t.Helper()
	rep := newReporter()
	s, err := quality.New(opts, pipeline.Env{Upstream: pipeline.StreamInfo{FPS: captureFPS}, Report: rep})
	if err != nil {
		t.Fatal(err)
	}
	out := &recorder{}
	for seq := uint64(1); seq <= uint64(n); seq++ {
		if err := s.Process(context.Background(), pipeline.Single("", frame(seq, payload)), out); err != nil {
			t.Fatal(err)
		}
	}
	return out, rep
}

// seqsWhere lists the seqs in 1..n for which take holds.
func seqsWhere(n int, take func(s uint64) bool) []uint64 {
	var seqs []uint64
	for s := uint64(1); s <= uint64(n); s++ {
		if take(s) {
			seqs = append(seqs, s)
		}
	}
	return seqs
}

func TestDecimationDefaultTiers(t *testing.T) {
	out, rep := run(t, quality.Options{}, 30, 300, []byte{0xFF, 0xD8})
	tests := []struct {
		tier string
		want []uint64
	}{
		{"high", seqsWhere(300, func(uint64) bool { return true })},
		// Two of every three: skip 1, take 2 and 3, skip 4, ...
		{"medium", seqsWhere(300, func(s uint64) bool { return s%3 != 1 })},
		{"low", seqsWhere(300, func(s uint64) bool { return s%3 == 0 })},
	}
	for _, tt := range tests {
		t.Run(tt.tier, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, out.seqs(tt.tier)); diff != "" {
				t.Errorf("tier %s took (-want +got):\n%s", tt.tier, diff)
			}
		})
	}
	if len(out.msgs) != 600 {
		t.Errorf("emitted %d messages, want 300+200+100", len(out.msgs))
	}
	if rep.skipped != 300 {
		t.Errorf("skipped %d, want 100 (medium) + 200 (low)", rep.skipped)
	}

	// Per frame, tiers come out in declared order.
	for i := 1; i < len(out.msgs); i++ {
		a, b := out.msgs[i-1], out.msgs[i]
		if a.Frames[0].Seq == b.Frames[0].Seq && tierIndex(a.Tier) >= tierIndex(b.Tier) {
			t.Fatalf("frame %d: tier %s emitted after %s", a.Frames[0].Seq, b.Tier, a.Tier)
		}
	}
	// Pass-through tiers share the captured frame itself: frame 3 is
	// taken by all three tiers.
	var third []*pipeline.Frame
	for _, m := range out.msgs {
		if m.Frames[0].Seq == 3 {
			third = append(third, m.Frames[0])
		}
	}
	if len(third) != 3 || third[0] != third[1] || third[1] != third[2] {
		t.Errorf("frame 3 went out as %v, want the same frame in three tiers", third)
	}
}

func tierIndex(name string) int {
	return map[string]int{"high": 0, "medium": 1, "low": 2}[name]
}

// TestDecimationRates checks counts and spacing for integer and
// non-integer rates: the gap between taken frames never varies by more
// than one frame, so there are no bursts and no double skips.
func TestDecimationRates(t *testing.T) {
	tests := []struct {
		name    string
		fps, of float64
		n       int
		want    int
		take    func(s uint64) bool // nil: check count and spacing only
	}{
		{"30 of 30", 30, 30, 300, 300, nil},
		{"20 of 30", 20, 30, 300, 200, func(s uint64) bool { return s%3 != 1 }},
		{"10 of 30", 10, 30, 300, 100, func(s uint64) bool { return s%3 == 0 }},
		{"25 of 30", 25, 30, 300, 250, func(s uint64) bool { return s%6 != 1 }},
		{"12.5 of 25", 12.5, 25, 300, 150, func(s uint64) bool { return s%2 == 0 }},
		{"7.5 of 30", 7.5, 30, 300, 75, func(s uint64) bool { return s%4 == 0 }},
		{"29.97 of 30", 29.97, 30, 3000, 2997, func(s uint64) bool { return s%1000 != 1 }},
		{"15 of 29.97", 15, 29.97, 2997, 1500, nil},
		{"1 of 240", 1, 240, 2400, 10, func(s uint64) bool { return s%240 == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := quality.Options{Tiers: []quality.Tier{{Name: "t", FPS: tt.fps}}}
			out, rep := run(t, opts, tt.of, tt.n, []byte{0xFF, 0xD8})
			got := out.seqs("t")
			if len(got) != tt.want {
				t.Fatalf("took %d of %d frames, want %d", len(got), tt.n, tt.want)
			}
			if rep.skipped != tt.n-tt.want {
				t.Errorf("skipped %d, want %d", rep.skipped, tt.n-tt.want)
			}
			if tt.take != nil {
				if diff := cmp.Diff(seqsWhere(tt.n, tt.take), got); diff != "" {
					t.Errorf("pattern (-want +got):\n%s", diff)
				}
			}
			minGap, maxGap := uint64(1<<63), uint64(0)
			for i := 1; i < len(got); i++ {
				gap := got[i] - got[i-1]
				minGap, maxGap = min(minGap, gap), max(maxGap, gap)
			}
			if len(got) > 1 && maxGap-minGap > 1 {
				t.Errorf("gaps between taken frames range from %d to %d, want even spacing", minGap, maxGap)
			}
		})
	}
}

func TestDefaultTiersClampedToCapture(t *testing.T) {
	tests := []struct {
		capture float64
		want    []float64 // high, medium, low
	}{
		{30, []float64{30, 20, 10}},
		{60, []float64{30, 20, 10}},
		{25, []float64{25, 20, 10}},
		{15, []float64{15, 15, 10}},
		{5, []float64{5, 5, 5}},
		{0.5, []float64{0.5, 0.5, 0.5}},
	}
	for _, tt := range tests {
		t.Run(pipelineFPS(tt.capture), func(t *testing.T) {
			s, err := quality.New(quality.Options{}, pipeline.Env{Upstream: pipeline.StreamInfo{FPS: tt.capture}})
			if err != nil {
				t.Fatal(err)
			}
			info := s.Describe(pipeline.StreamInfo{FPS: tt.capture, ContentType: pipeline.ContentTypeJPEG})
			want := []pipeline.TierInfo{
				{Name: "high", FPS: tt.want[0], Scale: 1},
				{Name: "medium", FPS: tt.want[1], Scale: 1},
				{Name: "low", FPS: tt.want[2], Scale: 1},
			}
			if diff := cmp.Diff(want, info.Tiers); diff != "" {
				t.Errorf("tiers (-want +got):\n%s", diff)
			}
			if info.FPS != tt.capture || info.ContentType != pipeline.ContentTypeJPEG {
				t.Errorf("Describe changed the upstream's fps or content type: %+v", info)
			}
		})
	}
	if got := quality.DefaultTiers(); len(got) != 3 || got[0].Name != "high" || got[0].FPS != 30 {
		t.Errorf("DefaultTiers() = %+v", got)
	}
}

func pipelineFPS(f float64) string { return fmt.Sprintf("capture %g fps", f) }

func TestDescribePutsDefaultFirst(t *testing.T) {
	opts := quality.Options{
		Tiers: []quality.Tier{
			{Name: "full", FPS: 30},
			{Name: "small", FPS: 15, Scale: 0.5},
			{Name: "tiny", FPS: 5, Scale: 0.25, JPEGQuality: 40},
		},
		Default: "small",
	}
	s, err := quality.New(opts, pipeline.Env{Upstream: pipeline.StreamInfo{FPS: 30}})
	if err != nil {
		t.Fatal(err)
	}
	want := []pipeline.TierInfo{
		{Name: "small", FPS: 15, Scale: 0.5, JPEGQuality: 75},
		{Name: "full", FPS: 30, Scale: 1},
		{Name: "tiny", FPS: 5, Scale: 0.25, JPEGQuality: 40},
	}
	if diff := cmp.Diff(want, s.Describe(pipeline.StreamInfo{FPS: 30}).Tiers); diff != "" {
		t.Errorf("tiers (-want +got):\n%s", diff)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    quality.Options
		capture float64
	}{
		{"unknown capture rate", quality.Options{}, 0},
		{"tier faster than capture", quality.Options{Tiers: []quality.Tier{{Name: "a", FPS: 31}}}, 30},
		{"duplicate tier", quality.Options{Tiers: []quality.Tier{{Name: "a", FPS: 1}, {Name: "a", FPS: 2}}}, 30},
		{"unnamed tier", quality.Options{Tiers: []quality.Tier{{FPS: 1}}}, 30},
		{"zero fps", quality.Options{Tiers: []quality.Tier{{Name: "a"}}}, 30},
		{"scale above 1", quality.Options{Tiers: []quality.Tier{{Name: "a", FPS: 1, Scale: 2}}}, 30},
		{"negative scale", quality.Options{Tiers: []quality.Tier{{Name: "a", FPS: 1, Scale: -1}}}, 30},
		{"quality above 100", quality.Options{Tiers: []quality.Tier{{Name: "a", FPS: 1, JPEGQuality: 101}}}, 30},
		{"unknown default", quality.Options{Default: "best"}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := quality.New(tt.opts, pipeline.Env{Upstream: pipeline.StreamInfo{FPS: tt.capture}})
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
		})
	}
}
