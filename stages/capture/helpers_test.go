package capture

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Colours of test images.
var (
	colourRed   = color.RGBA{200, 30, 30, 255}
	colourGreen = color.RGBA{30, 200, 30, 255}
	colourBlue  = color.RGBA{30, 30, 200, 255}
)

// testTimeout bounds every wait in these tests. It is generous because
// the machine may be busy; tests never depend on it being short.
const testTimeout = 60 * time.Second

// output is a pipeline.Output collecting what a source emits. With stopAt
// set it calls cancel once that many frames have arrived.
type output struct {
	mu     sync.Mutex
	frames []*pipeline.Frame
	stopAt int
	cancel context.CancelFunc
}

func (o *output) Emit(ctx context.Context, m pipeline.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	o.frames = append(o.frames, m.Frames...)
	n := len(o.frames)
	o.mu.Unlock()
	if o.stopAt > 0 && n >= o.stopAt && o.cancel != nil {
		o.cancel()
	}
	return nil
}

// Frames returns the frames so far.
func (o *output) Frames() []*pipeline.Frame {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]*pipeline.Frame(nil), o.frames...)
}

// waitFrames waits until at least n frames have arrived.
func (o *output) waitFrames(t *testing.T, n int) []*pipeline.Frame {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		if f := o.Frames(); len(f) >= n {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d frames within %s, want at least %d", len(o.Frames()), testTimeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// reporter is a pipeline.Reporter recording what it is told.
type reporter struct {
	mu     sync.Mutex
	drops  map[string]int
	skips  int
	health []pipeline.Health
}

func (r *reporter) Drop(reason string, frames int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drops == nil {
		r.drops = map[string]int{}
	}
	r.drops[reason] += frames
}

func (r *reporter) Skip(frames int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skips += frames
}

func (r *reporter) SetHealth(h pipeline.Health, _ string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.health = append(r.health, h)
}

func (r *reporter) Processed(int, time.Duration) {}

func (r *reporter) dropped(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drops[reason]
}

// logBuffer is a goroutine-safe buffer for a test logger.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testEnv returns an Env whose reports and debug-level logs the test can
// inspect.
func testEnv() (pipeline.Env, *reporter, *logBuffer) {
	rep, logs := &reporter{}, &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return pipeline.Env{Pipeline: "test", Stage: "capture", Logger: log, Report: rep}, rep, logs
}

// runSource runs src in a goroutine; the channel yields Run's result.
func runSource(ctx context.Context, src pipeline.Source, out pipeline.Output) <-chan error {
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, out) }()
	return done
}

// waitRun waits for Run's result.
func waitRun(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(testTimeout):
		t.Fatalf("Run did not return within %s", testTimeout)
		return nil
	}
}

// checkSeqs checks that frames are numbered 1, 2, 3, ... in order.
func checkSeqs(t *testing.T, frames []*pipeline.Frame) {
	t.Helper()
	for i, f := range frames {
		if f.Seq != uint64(i+1) {
			t.Fatalf("frame %d has sequence number %d, want %d", i, f.Seq, i+1)
		}
		if f.ContentType != pipeline.ContentTypeJPEG {
			t.Fatalf("frame %d has content type %q", i, f.ContentType)
		}
		if i > 0 && f.Captured.Before(frames[i-1].Captured) {
			t.Fatalf("frame %d was captured before frame %d", i, i-1)
		}
	}
}

// decodeJPEG decodes a frame's payload.
func decodeJPEG(t *testing.T, f *pipeline.Frame) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(f.Payload))
	if err != nil {
		t.Fatalf("frame %d does not decode as JPEG: %v", f.Seq, err)
	}
	return img
}

// testJPEG returns a w×h JPEG filled with c.
func testJPEG(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
