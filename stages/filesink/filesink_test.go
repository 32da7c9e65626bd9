package filesink_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/filesink"
)

var tiered = pipeline.StreamInfo{
	FPS:         30,
	ContentType: pipeline.ContentTypeJPEG,
	Tiers:       []pipeline.TierInfo{{Name: "high", FPS: 30}, {Name: "low", FPS: 10}},
}

// jpegs returns n small, distinct JPEGs.
func jpegs(t *testing.T, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for y := range 48 {
			for x := range 64 {
				img.SetRGBA(x, y, color.RGBA{R: uint8(i * 8), G: uint8(x * 4), B: uint8(y * 5), A: 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, buf.Bytes())
	}
	return out
}

func frame(seq uint64, payload []byte) *pipeline.Frame {
	return pipeline.NewFrame(seq, time.Now(), pipeline.ContentTypeJPEG, payload)
}

// record runs frames through a started sink: the high tier gets every
// payload (some batched in threes), the low tier gets decoys.
func record(t *testing.T, opts filesink.Options, payloads [][]byte) {
	t.Helper()
	s, err := filesink.New(opts, pipeline.Env{Upstream: tiered})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(payloads); {
		n := min(1+i%3, len(payloads)-i)
		m := pipeline.Message{Tier: "high"}
		for j := range n {
			m.Frames = append(m.Frames, frame(uint64(i+j+1), payloads[i+j]))
		}
		if err := s.Consume(ctx, m); err != nil {
			t.Fatal(err)
		}
		decoy := pipeline.Single("low", frame(uint64(i+1), []byte("not for this sink")))
		if err := s.Consume(ctx, decoy); err != nil {
			t.Fatal(err)
		}
		i += n
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestMJPEGRoundTrip(t *testing.T) {
	payloads := jpegs(t, 40)
	path := filepath.Join(t.TempDir(), "out.mjpeg")
	if err := os.WriteFile(path, []byte("old contents are replaced"), 0o644); err != nil {
		t.Fatal(err)
	}
	record(t, filesink.Options{Path: path}, payloads)

	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Join(payloads, nil); !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes, want the %d bytes of the 40 frames back to back", len(got), len(want))
	}

	// A real MJPEG reader agrees: 40 frames of 64x48.
	ffprobe := testenv.Program(t, "ffprobe")
	out, err := exec.Command(ffprobe, "-v", "error", "-f", "mjpeg", "-count_frames",
		"-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "64,48,40" {
		t.Errorf("ffprobe reads %q, want 64,48,40", got)
	}
}

func TestJPEGDirectoryRoundTrip(t *testing.T) {
	payloads := jpegs(t, 25)
	dir := filepath.Join(t.TempDir(), "new", "frames")
	record(t, filesink.Options{Path: dir, Format: filesink.JPEG}, payloads)

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	var want []string
	for i := range payloads {
		want = append(want, fmt.Sprintf("%010d.jpg", i+1))
	}
	if !slices.Equal(names, want) {
		t.Fatalf("directory holds %v, want %v", names, want)
	}
	for i, p := range payloads {
		got, err := os.ReadFile(filepath.Join(dir, want[i]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, p) {
			t.Errorf("%s differs from frame %d", want[i], i+1)
		}
	}
}

func TestDefaultTierIsFirst(t *testing.T) {
	tests := []struct {
		name     string
		upstream pipeline.StreamInfo
		tier     string
		want     string
	}{
		{"first of the stream", tiered, "", "high"},
		{"chosen", tiered, "low", "low"},
		{"untiered stream", pipeline.StreamInfo{FPS: 30}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := filesink.New(filesink.Options{Path: "x", Tier: tt.tier}, pipeline.Env{Upstream: tt.upstream})
			if err != nil {
				t.Fatal(err)
			}
			if s.Tier() != tt.want {
				t.Errorf("records tier %q, want %q", s.Tier(), tt.want)
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts filesink.Options
	}{
		{"mjpeg in a missing directory", filesink.Options{Path: filepath.Join(dir, "missing", "out.mjpeg")}},
		{"mjpeg onto a directory", filesink.Options{Path: dir}},
		{"jpeg directory over a file", filesink.Options{Path: file, Format: filesink.JPEG}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := filesink.New(tt.opts, pipeline.Env{Upstream: tiered})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Start(context.Background())
			if err == nil || !strings.HasPrefix(err.Error(), "file sink: ") {
				t.Errorf("Start = %v, want a file sink error", err)
			}
		})
	}
}

func TestConsumeBeforeStart(t *testing.T) {
	s, err := filesink.New(filesink.Options{Path: "x"}, pipeline.Env{Upstream: tiered})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Consume(context.Background(), pipeline.Single("high", frame(1, []byte{1}))); err == nil {
		t.Error("Consume before Start succeeded")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     filesink.Options
		upstream pipeline.StreamInfo
	}{
		{"no path", filesink.Options{}, tiered},
		{"unknown format", filesink.Options{Path: "x", Format: "avi"}, tiered},
		{"unknown tier", filesink.Options{Path: "x", Tier: "medium"}, tiered},
		{"tier of an untiered stream", filesink.Options{Path: "x", Tier: "high"}, pipeline.StreamInfo{}},
		{"not jpeg", filesink.Options{Path: "x"}, pipeline.StreamInfo{ContentType: "image/png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := filesink.New(tt.opts, pipeline.Env{Upstream: tt.upstream}); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

// countSource emits the payloads as frames of tier "high".
type countSource struct{ payloads [][]byte }

func (s countSource) Run(ctx context.Context, out pipeline.Output) error {
	for i, p := range s.payloads {
		if err := out.Emit(ctx, pipeline.Single("high", frame(uint64(i+1), p))); err != nil {
			return err
		}
	}
	return nil
}

// TestInPipeline lets the runtime start, feed and close the sink.
func TestInPipeline(t *testing.T) {
	payloads := jpegs(t, 30)
	path := filepath.Join(t.TempDir(), "out.mjpeg")
	s, err := filesink.New(filesink.Options{Path: path}, pipeline.Env{Upstream: tiered})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{payloads: payloads}},
		{Name: "file", Stage: s},
	}, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Join(payloads, nil)) {
		t.Error("recording differs from the frames sent")
	}

	// A start failure surfaces as a StageError before any frame flows.
	bad, _ := filesink.New(filesink.Options{Path: filepath.Join(path, "sub")}, pipeline.Env{Upstream: tiered})
	p, _ = pipeline.New("t", []pipeline.Node{
		{Name: "capture", Stage: countSource{payloads: payloads}},
		{Name: "file", Stage: bad},
	}, pipeline.Options{})
	var se *pipeline.StageError
	if err := p.Run(context.Background()); !errors.As(err, &se) || se.Stage != "file" {
		t.Errorf("Run = %v, want a start failure of stage file", err)
	}
}
