package telemetry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/telemetry"
)

// panelState is what the viewer's status panel shows, read from the DOM.
type panelState struct {
	Visible    bool         `json:"visible"`
	Pipeline   string       `json:"pipeline"`
	Summary    string       `json:"summary"`
	Bottleneck string       `json:"bottleneck"`
	Edges      int          `json:"edges"`
	Stages     []panelStage `json:"stages"`
}

type panelStage struct {
	Name   string  `json:"name"`
	State  string  `json:"state"`
	InFPS  float64 `json:"in"`
	OutFPS float64 `json:"out"`
	Text   string  `json:"text"`
}

const readPanel = `(() => {
  const panel = document.getElementById('status');
  const graph = document.getElementById('graph');
  return JSON.stringify({
    visible: !panel.hidden && panel.offsetHeight > 0,
    pipeline: graph.dataset.pipeline || '',
    summary: document.getElementById('status-summary').textContent,
    bottleneck: graph.dataset.bottleneck || '',
    edges: graph.querySelectorAll('.edge').length,
    stages: [...graph.querySelectorAll('.stage')].map((s) => ({
      name: s.dataset.stage, state: s.dataset.state,
      in: Number(s.dataset.inFps), out: Number(s.dataset.outFps),
      text: s.textContent,
    })),
  });
})()`

// TestStatusPanelInChromium opens the viewer of a live pipeline in
// headless Chromium and checks that the status panel draws the stage
// graph of /status with live rates.
func TestStatusPanelInChromium(t *testing.T) {
	l := loadWithTelemetry(t, strings.Replace(liveConfig, "frames = 90", "frames = 0", 1))
	sink := l.sinkOf(t)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- l.p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runErr; err != nil {
			t.Error(err)
		}
	}()
	poll(t, "the sink to listen", 10*time.Second, func() bool { return sink.URL() != "" })

	// The stages the panel must draw, in order, from the telemetry
	// server's own /status.
	_, body := get(t, l.url+"/status")
	var st telemetry.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range st.Pipelines[0].Stages {
		want = append(want, s.Name)
	}

	tab := testenv.Browser(t, 2*time.Minute)
	if err := chromedp.Do(tab, chromedp.Navigate("http://"+sink.Addr().String()+"/")); err != nil {
		t.Fatalf("open the viewer: %v", err)
	}

	// The capture's rate settles near its 30 fps once two samples exist;
	// a loaded machine may stall the browser, so poll within bounds.
	var ps panelState
	deadline := time.Now().Add(90 * time.Second)
	for {
		raw, err := chromedp.Run(tab, chromedp.Evaluate[string](readPanel))
		if err != nil {
			t.Fatalf("read the panel: %v", err)
		}
		if err := json.Unmarshal([]byte(raw), &ps); err != nil {
			t.Fatal(err)
		}
		if ps.Visible && len(ps.Stages) > 0 && ps.Stages[0].OutFPS >= 15 && ps.Stages[0].OutFPS <= 45 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the panel never showed the capture at about 30 fps: %+v", ps)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("panel: %+v", ps)

	var names []string
	for _, s := range ps.Stages {
		names = append(names, s.Name)
		if s.State != "ok" {
			t.Errorf("stage %s drawn as %q, want ok", s.Name, s.State)
		}
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("panel draws stages %v, want %v", names, want)
	}
	if ps.Pipeline != "live" || ps.Edges != len(want)-1 || !strings.HasPrefix(ps.Summary, "live: ok") {
		t.Errorf("panel pipeline %q, %d edges (want %d), summary %q", ps.Pipeline, ps.Edges, len(want)-1, ps.Summary)
	}
	if !strings.Contains(ps.Stages[0].Text, "fps") || !strings.Contains(ps.Stages[0].Text, "capture.synthetic") {
		t.Errorf("capture box reads %q, want its kind and rates", ps.Stages[0].Text)
	}

	// A screenshot for people, kept only when asked for.
	if dir := os.Getenv("STREAMPIPE_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(tab, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/status-panel.png", png, 0o644)
		}
	}
}
