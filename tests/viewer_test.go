package tests

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/streampipe/streampipe/internal/testenv"
)

// pageState is what the viewer page shows, read from its stable ids.
type pageState struct {
	State   string  `json:"state"`
	Tier    string  `json:"tier"`
	FPS     float64 `json:"fps"`
	Latency float64 `json:"latency"`
	Frames  int     `json:"frames"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	Colors  int     `json:"colors"`
}

const readPageJS = `(() => {
	const $ = (id) => document.getElementById(id);
	const c = $('video');
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	const colors = new Set();
	for (let i = 0; i < d.length; i += 4 * 37) {
		colors.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4));
	}
	return {
		state: $('state').dataset.state,
		tier: $('tier').textContent,
		fps: Number($('fps').dataset.value),
		latency: Number($('latency').dataset.value || -1),
		frames: Number($('frames').dataset.value),
		width: c.width, height: c.height, colors: colors.size,
	};
})()`

// TestViewerPageShowsVideo runs the README's first command (the synthetic
// example) and opens its viewer page in headless Chromium, as a new user
// would: after about three seconds the page must show a decoded, non-blank
// picture and a frame-rate readout close to the default tier's 30 fps.
func TestViewerPageShowsVideo(t *testing.T) {
	tab := testenv.Browser(t, 2*time.Minute)
	addr := freeAddr(t)
	startServer(t, addr, "run", repoPath("examples", "pipeline.hcl"), "-var", "listen="+addr)

	if err := chromedp.Do(tab, chromedp.Navigate("http://"+addr+"/")); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	time.Sleep(3 * time.Second)

	var st pageState
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(tab, 10*time.Second)
		var err error
		st, err = chromedp.Run(ctx, chromedp.Evaluate[pageState](readPageJS))
		cancel()
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		if st.State == "live" && st.Frames >= 90 && st.FPS > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page never showed 90 frames: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("page: %+v", st)
	if st.Tier != "high" {
		t.Errorf("tier %q, want the default, high", st.Tier)
	}
	if st.Width != 640 || st.Height != 360 {
		t.Errorf("picture %dx%d, want the synthetic 640x360", st.Width, st.Height)
	}
	if st.Colors < 8 {
		t.Errorf("picture looks blank: %d distinct colours", st.Colors)
	}
	// Close to 30 fps; generous because the machine may be busy.
	if st.FPS < 20 || st.FPS > 40 {
		t.Errorf("fps readout %.1f, want close to 30", st.FPS)
	}
	if st.Latency < 0 || st.Latency > 2000 {
		t.Errorf("latency readout %.0f ms", st.Latency)
	}
}
