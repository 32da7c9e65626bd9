package websocket_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	sink "github.com/streampipe/streampipe/stages/websocket"
)

// TestViewerPlaysInChromium opens the embedded viewer in headless Chromium
// while real JPEG frames stream at 30 fps, and checks what a person would
// see: a decoded picture, a frame rate near the tier's, the granted tier,
// and that the quality picker switches tiers.
func TestViewerPlaysInChromium(t *testing.T) {
	frames := loadJPEGs(t, testenv.Path(t, "testdata", "mjpeg", "city-60.mjpeg"))
	want := minPictureStats(t, frames)

	h := start(t, sink.DefaultOptions(), threeTiers())
	stopFeed := feedTiers(h, frames)
	defer stopFeed()

	// One bound for everything the browser does.
	tab := testenv.Browser(t, 2*time.Minute)

	if err := chromedp.Do(tab, chromedp.Navigate("http://"+h.sink.Addr().String()+"/")); err != nil {
		t.Fatalf("open the viewer: %v", err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("page state at failure: %+v", readViewer(t, tab, false))
		}
	}()

	// About three seconds of video at 30 fps, then the readouts. The rate
	// is polled: a loaded machine may stall the browser for a moment, and
	// the readout must then recover to about 30 (15 to 45).
	v := pollViewer(t, tab, "90 frames on the high tier at about 30 fps", func(v viewerState) bool {
		return v.State == "live" && v.Frames >= 90 && v.FPS >= 15 && v.FPS <= 45
	})
	t.Logf("on high: %+v (frames have at least %+v)", v, want)
	if v.Tier != "high" || v.TierFPS != 30 {
		t.Errorf("tier readout %q (%v fps), want high (30 fps)", v.Tier, v.TierFPS)
	}
	if v.Latency == nil || *v.Latency < 0 || *v.Latency > 5000 {
		t.Errorf("latency readout %s, want 0 to 5000 ms", v.latency())
	}
	if v.Width != want.width || v.Height != want.height {
		t.Errorf("canvas %dx%d, want the frames' %dx%d", v.Width, v.Height, want.width, want.height)
	}
	if v.Alpha != 255 || v.Colors < want.colors/2 || v.Stddev < want.stddev/2 {
		t.Errorf("canvas looks blank: alpha %d, %d colours, luma stddev %.1f; the frames have at least %d colours and stddev %.1f",
			v.Alpha, v.Colors, v.Stddev, want.colors, want.stddev)
	}

	// The picker asks for "low"; the server grants it and the rate drops.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
		const s = document.getElementById('quality');
		s.value = 'low';
		s.dispatchEvent(new Event('change'));
		return s.value === 'low';
	})()`)); err != nil {
		t.Fatalf("pick low: %v", err)
	}
	v = pollViewer(t, tab, "the low tier at about 10 fps", func(v viewerState) bool {
		return v.Tier == "low" && v.FPS >= 5 && v.FPS <= 15
	})
	t.Logf("on low: %+v", v)
	if v.TierFPS != 10 {
		t.Errorf("tier fps %v, want 10", v.TierFPS)
	}
	if _, ok := h.logs.find("quality negotiated", "quality.granted", "low"); !ok {
		t.Error("the sink logged no negotiation of the low tier")
	}
}

// viewerState is what the page shows, read from its stable ids.
type viewerState struct {
	State   string   `json:"state"`
	Tier    string   `json:"tier"`
	TierFPS float64  `json:"tierFPS"`
	FPS     float64  `json:"fps"`
	Latency *float64 `json:"latency"` // nil until a frame arrived
	Frames  int      `json:"frames"`
	Error   string   `json:"error"`
	// The canvas: size, first pixel's alpha, distinct colours (4 bits per
	// channel) and the spread of luma over a sample of pixels.
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Alpha  int     `json:"alpha"`
	Colors int     `json:"colors"`
	Stddev float64 `json:"stddev"`
}

func (v viewerState) latency() string {
	if v.Latency == nil {
		return "none"
	}
	return fmt.Sprintf("%.1f ms", *v.Latency)
}

func (v viewerState) String() string {
	return fmt.Sprintf("state %q, tier %q (%v fps), fps %.1f, latency %s, %d frames, error %q, "+
		"canvas %dx%d alpha %d with %d colours and luma stddev %.1f",
		v.State, v.Tier, v.TierFPS, v.FPS, v.latency(), v.Frames, v.Error,
		v.Width, v.Height, v.Alpha, v.Colors, v.Stddev)
}

const readViewerJS = `(() => {
	const $ = (id) => document.getElementById(id);
	const c = $('video');
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	const colors = new Set();
	let sum = 0, sum2 = 0, n = 0;
	for (let i = 0; i < d.length; i += 4 * 61) {
		const y = (299 * d[i] + 587 * d[i + 1] + 114 * d[i + 2]) / 1000;
		sum += y; sum2 += y * y; n++;
		colors.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4));
	}
	const mean = sum / n;
	const lat = $('latency').dataset.value;
	return {
		state: $('state').dataset.state,
		tier: $('tier').textContent,
		tierFPS: Number($('tier').dataset.fps || 0),
		fps: Number($('fps').dataset.value),
		latency: lat === '' ? null : Number(lat),
		frames: Number($('frames').dataset.value),
		error: $('error').hidden ? '' : $('error').textContent,
		width: c.width, height: c.height, alpha: d[3],
		colors: colors.size, stddev: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
	};
})()`

func readViewer(t *testing.T, tab context.Context, fatal bool) viewerState {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[viewerState](readViewerJS))
	if err != nil && fatal {
		t.Fatalf("read the page: %v", err)
	}
	return v
}

// pollViewer reads the page until cond holds, for up to a minute.
func pollViewer(t *testing.T, tab context.Context, what string, cond func(viewerState) bool) viewerState {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		v := readViewer(t, tab, true)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: the page still shows %+v", what, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// feedTiers consumes frames at 30 fps as a quality stage and a batcher
// would emit them: "high" every frame in batches of two, "medium" two
// frames of three and "low" one of three, one per batch. It returns a
// function that stops the feed and waits for it.
func feedTiers(h *harness, jpegs [][]byte) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		begin := time.Now()
		var pending []*pipeline.Frame
		// Bounded: five minutes of frames, far beyond the test's timeout.
		for i := 0; i < 30*300; {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			// A ticker skips ticks when the feeder runs late; catch up
			// (a few frames at a time) so the rate stays 30 on average.
			due := int(time.Since(begin) * 30 / time.Second)
			for n := 0; i < due && n < 15; n, i = n+1, i+1 {
				f := pipeline.NewFrame(uint64(i+1), time.Now(), pipeline.ContentTypeJPEG, jpegs[i%len(jpegs)])
				ctx := context.Background()
				if pending = append(pending, f); len(pending) == 2 {
					_ = h.sink.Consume(ctx, pipeline.Message{Tier: "high", Frames: pending})
					pending = nil
				}
				if (i+1)*20/30 > i*20/30 {
					_ = h.sink.Consume(ctx, pipeline.Single("medium", f))
				}
				if (i+1)*10/30 > i*10/30 {
					_ = h.sink.Consume(ctx, pipeline.Single("low", f))
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// loadJPEGs splits a file of concatenated JPEGs (as ffmpeg writes MJPEG)
// at each end-of-image marker followed by a start-of-image marker, and
// checks every piece decodes.
func loadJPEGs(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(data) > 0 {
		end := bytes.Index(data, []byte{0xff, 0xd9, 0xff, 0xd8})
		if end < 0 {
			end = len(data)
		} else {
			end += 2
		}
		out = append(out, data[:end])
		data = data[end:]
	}
	if len(out) != 60 {
		t.Fatalf("%s holds %d JPEGs, want 60", path, len(out))
	}
	return out
}

// pictureStats are the floor a shown frame should reach.
type pictureStats struct {
	width, height, colors int
	stddev                float64
}

// minPictureStats decodes every frame and returns its size and the
// smallest colour count and luma spread among them, measured as the page
// measures the canvas.
func minPictureStats(t *testing.T, jpegs [][]byte) pictureStats {
	t.Helper()
	floor := pictureStats{colors: math.MaxInt, stddev: math.Inf(1)}
	for i, b := range jpegs {
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		r := img.Bounds()
		floor.width, floor.height = r.Dx(), r.Dy()
		colors, stddev := sampleStats(img)
		floor.colors = min(floor.colors, colors)
		floor.stddev = min(floor.stddev, stddev)
	}
	if floor.colors < 4 || floor.stddev < 1 {
		t.Fatalf("the test frames are nearly blank themselves: %+v", floor)
	}
	return floor
}

func sampleStats(img image.Image) (colors int, stddev float64) {
	r := img.Bounds()
	w := r.Dx()
	seen := map[int]bool{}
	var sum, sum2, n float64
	for i := 0; i < w*r.Dy(); i += 61 {
		c, g, b, _ := img.At(r.Min.X+i%w, r.Min.Y+i/w).RGBA()
		c, g, b = c>>8, g>>8, b>>8
		y := float64(299*c+587*g+114*b) / 1000
		sum, sum2, n = sum+y, sum2+y*y, n+1
		seen[int((c>>4)<<8|(g>>4)<<4|(b>>4))] = true
	}
	mean := sum / n
	return len(seen), math.Sqrt(math.Max(0, sum2/n-mean*mean))
}
