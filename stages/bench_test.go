package stages_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/batch"
	"github.com/streampipe/streampipe/stages/buffer"
	"github.com/streampipe/streampipe/stages/discard"
	"github.com/streampipe/streampipe/stages/quality"
)

// BenchmarkPipeline measures the runtime and the flow stages together:
// capture -> buffer -> quality -> batch -> discard, with a source that
// emits one pre-built payload b.N times as fast as the pipeline takes it.
// One op is one captured frame; ns/frame and allocs/frame say the same
// per captured frame, set-up included.
//
//	go test -run '^$' -bench . -benchmem -count 5 ./stages/
func BenchmarkPipeline(b *testing.B) {
	b.Run("rate-only", func(b *testing.B) {
		// About the size of a 640x360 frame at JPEG quality 75.
		payload := make([]byte, 16<<10)
		copy(payload, []byte{0xFF, 0xD8})
		benchPipeline(b, payload, quality.Options{})
	})
	b.Run("reencode-half", func(b *testing.B) {
		// A pass-through tier and a half-size tier, both at the capture
		// rate, so every frame is decoded, scaled and encoded once.
		benchPipeline(b, cityFrame(b), quality.Options{Tiers: []quality.Tier{
			{Name: "high", FPS: 30},
			{Name: "half", FPS: 30, Scale: 0.5},
		}})
	})
}

func benchPipeline(b *testing.B, payload []byte, tiers quality.Options) {
	const captureFPS = 30
	upstream := pipeline.StreamInfo{FPS: captureFPS, ContentType: pipeline.ContentTypeJPEG}

	// Build the chain by hand, each stage reporting into its node's stats.
	stats := func(name string, f pipeline.Family) *pipeline.Stats {
		return pipeline.NewStats("bench", name, f, "")
	}
	bufStats, qStats, batchStats := stats("buffer", pipeline.FamilyBuffer),
		stats("quality", pipeline.FamilyQuality), stats("batch", pipeline.FamilyBatch)
	buf, err := buffer.New(buffer.Options{OnFull: buffer.Block},
		pipeline.Env{Upstream: upstream, Report: bufStats})
	if err != nil {
		b.Fatal(err)
	}
	q, err := quality.New(tiers, pipeline.Env{Upstream: upstream, Report: qStats})
	if err != nil {
		b.Fatal(err)
	}
	tiered := q.Describe(upstream)
	bat, err := batch.New(batch.Options{}, pipeline.Env{Upstream: tiered, Report: batchStats})
	if err != nil {
		b.Fatal(err)
	}
	p, err := pipeline.New("bench", []pipeline.Node{
		{Name: "capture", Family: pipeline.FamilyCapture, Stage: &benchSource{n: b.N, payload: payload}},
		{Name: "buffer", Family: pipeline.FamilyBuffer, Stage: buf, Stats: bufStats},
		{Name: "quality", Family: pipeline.FamilyQuality, Stage: q, Stats: qStats},
		{Name: "batch", Family: pipeline.FamilyBatch, Stage: bat, Stats: batchStats},
		{Name: "discard", Family: pipeline.FamilySink, Stage: discard.New(discard.Options{}, pipeline.Env{})},
	}, pipeline.Options{})
	if err != nil {
		b.Fatal(err)
	}

	// Run it, measuring time and heap allocations around the run only.
	b.ReportAllocs()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	start := time.Now()
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/frame")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/frame")

	// Every frame must have arrived in every tier that takes it: a
	// benchmark that loses frames measures nothing.
	want := uint64(0)
	for _, t := range tiered.Tiers {
		want += uint64(float64(b.N) * t.FPS / captureFPS)
	}
	st := p.Stats()
	sink := st[len(st)-1]
	if diff := int64(sink.FramesIn) - int64(want); diff < -int64(len(tiered.Tiers)) || diff > 0 {
		b.Fatalf("discard received %d frames, want about %d", sink.FramesIn, want)
	}
	for _, s := range st {
		if s.DroppedTotal() != 0 {
			b.Fatalf("stage %s dropped %v", s.Stage, s.Drops)
		}
	}
	b.ReportMetric(float64(sink.Processed)/float64(sink.FramesIn), "msgs/tier-frame")
}

// benchSource emits n frames sharing one payload.
type benchSource struct {
	n       int
	payload []byte
}

func (s *benchSource) Run(ctx context.Context, out pipeline.Output) error {
	var seq pipeline.Sequencer
	for range s.n {
		f := pipeline.NewFrame(seq.Next(), time.Now(), pipeline.ContentTypeJPEG, s.payload)
		if err := out.Emit(ctx, pipeline.Single("", f)); err != nil {
			return err
		}
	}
	return nil
}

// cityFrame returns one 720x405 JPEG of the CC0 city clip, cut by ffmpeg.
func cityFrame(b *testing.B) []byte {
	b.Helper()
	ffmpeg := testenv.Program(b, "ffmpeg")
	out := filepath.Join(b.TempDir(), "frame.jpg")
	clip := testenv.Path(b, "testdata", "media", "city.mpg")
	cmd := exec.Command(ffmpeg, "-v", "error", "-ss", "3", "-i", clip,
		"-frames:v", "1", "-q:v", "4", "-y", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v\n%s", err, msg)
	}
	payload, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(payload))
	if err != nil || cfg.Width != 720 || cfg.Height != 405 {
		b.Fatalf("ffmpeg made a %dx%d frame (%v), want 720x405", cfg.Width, cfg.Height, err)
	}
	return payload
}
