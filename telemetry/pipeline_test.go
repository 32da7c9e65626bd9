package telemetry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/streampipe/streampipe/hcl"
	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages"
	"github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
	"github.com/streampipe/streampipe/telemetry"
)

// liveConfig streams 90 synthetic frames (3 s at 30 fps) to a WebSocket
// sink in two tiers, batched by up to 3 frames, then ends by itself.
const liveConfig = `
pipeline "live" {
  capture "synthetic" {
    fps    = 30
    width  = 64
    height = 48
    frames = 90
  }
  quality {
    tier "high" {
      fps = 30
    }
    tier "low" {
      fps = 10
    }
  }
  batch {
    window   = "50ms"
    max_size = 3
  }
  sink "websocket" {
    listen = "127.0.0.1:0"
    viewer = true
  }
}
`

// loaded is a configuration loaded with telemetry, its server started on
// a free loopback port.
type loaded struct {
	tel *telemetry.Telemetry
	p   *pipeline.Pipeline
	url string // the telemetry server, http://ADDR
}

func loadWithTelemetry(t *testing.T, src string) *loaded {
	t.Helper()
	tel := newTelemetry(t, telemetry.Options{})
	path := filepath.Join(t.TempDir(), "pipeline.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := hcl.Load(path, hcl.Options{Registry: stages.Registry(), Meter: tel.Meter(),
		Status: tel.StatusHandler()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p := cfg.Pipelines[0]
	tel.Attach(p)
	if err := tel.Start(context.Background(), telemetry.Config{Listen: "127.0.0.1:0",
		Interval: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	return &loaded{tel: tel, p: p, url: "http://" + tel.Addr()}
}

// sinkOf returns the pipeline's WebSocket sink.
func (l *loaded) sinkOf(t *testing.T) *websocket.Sink {
	t.Helper()
	for _, n := range l.p.Nodes() {
		if s, ok := n.Stage.(*websocket.Sink); ok {
			return s
		}
	}
	t.Fatal("no websocket sink")
	return nil
}

// poll calls cond every 20 ms until it is true or the deadline passes.
func poll(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// scrape fetches and parses /metrics.
func scrape(t *testing.T, base string) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return mfs, body
}

// sample returns the value of the series of name whose labels include
// labels (a counter's or gauge's value, a histogram's count), and false
// when there is none.
func sample(mfs map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		for k, v := range labels {
			ok := false
			for _, lp := range m.GetLabel() {
				ok = ok || lp.GetName() == k && lp.GetValue() == v
			}
			if !ok {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// received is what one client got.
type received struct {
	frames, messages int
	closeCode        int
}

// watch reads from a client until the connection ends.
func watch(ctx context.Context, c *wire.Client) received {
	var r received
	for {
		b, err := c.NextBatch(ctx)
		if err != nil {
			r.closeCode = wire.CloseCode(err)
			return r
		}
		r.frames += len(b.Frames)
		r.messages++
	}
}

// TestScrapeMatchesWhatClientsReceived runs a real pipeline with two real
// WebSocket clients for three seconds, then checks the scraped counters
// against what the clients really received.
func TestScrapeMatchesWhatClientsReceived(t *testing.T) {
	l := loadWithTelemetry(t, liveConfig)
	sink := l.sinkOf(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	runErr := make(chan error, 1)
	go func() { runErr <- l.p.Run(ctx) }()
	poll(t, "the sink to listen", 10*time.Second, func() bool { return sink.URL() != "" })

	// One client per tier, connected while frames flow, reading until
	// the sink says goodbye at the end of the stream.
	got := map[string]*received{}
	var wg sync.WaitGroup
	for _, tier := range []string{"high", "low"} {
		c, err := wire.Dial(ctx, sink.URL(), tier)
		if err != nil {
			t.Fatalf("dial %s: %v", tier, err)
		}
		defer c.CloseNow()
		got[tier] = &received{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			*got[tier] = watch(ctx, c)
		}()
	}
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	mfs, _ := scrape(t, l.url)
	want := func(name string, labels map[string]string, v float64) {
		t.Helper()
		g, ok := sample(mfs, name, labels)
		if !ok {
			t.Errorf("%s%v missing from the scrape", name, labels)
		} else if g != v {
			t.Errorf("%s%v = %v, want %v", name, labels, g, v)
		}
	}
	for tier, r := range got {
		t.Logf("%s: %+v", tier, *r)
		if r.frames == 0 || r.closeCode != wire.CloseNormal {
			t.Errorf("client on %s got %d frames and close code %d; want frames and 1000", tier, r.frames, r.closeCode)
		}
		// One client per tier: what the sink counts as sent is exactly
		// what that client received.
		tl := map[string]string{"tier": tier}
		want("streampipe_websocket_frames_sent_total", tl, float64(r.frames))
		want("streampipe_websocket_messages_sent_total", tl, float64(r.messages))
		want("streampipe_websocket_frame_latency_seconds", tl, float64(r.frames))
		want("streampipe_websocket_clients", tl, 0)
	}
	want("streampipe_websocket_connections_opened_total", nil, 2)
	want("streampipe_websocket_connections_closed_total", map[string]string{"reason": "end_of_stream", "code": "1000"}, 2)
	want("streampipe_websocket_connections_active", nil, 0)
	want("streampipe_websocket_session_duration_seconds", nil, 2)

	// The runtime's counters agree with the stream: 90 frames captured,
	// the high tier takes all, the low tier one in three.
	want("streampipe_stage_frames_out_total", map[string]string{"stage": "capture", "kind": "capture.synthetic"}, 90)
	want("streampipe_stage_frames_in_total", map[string]string{"stage": "quality"}, 90)
	want("streampipe_stage_frames_out_total", map[string]string{"stage": "quality"}, 120)
	want("streampipe_stage_frames_skipped_total", map[string]string{"stage": "quality"}, 60)
	want("streampipe_stage_frames_in_total", map[string]string{"stage": "websocket", "kind": "sink.websocket"}, 120)
	want("streampipe_capture_interval_seconds", map[string]string{"stage": "capture"}, 89)
	want("streampipe_stage_state", map[string]string{"stage": "websocket", "state": "stopped"}, 1)

	// Batch sizes and waits are counted per batch; their frames add up.
	var batched float64
	for _, m := range mfs["streampipe_batch_size"].GetMetric() {
		batched += m.GetHistogram().GetSampleSum()
	}
	if batched != 120 {
		t.Errorf("batch sizes add up to %v frames, want 120", batched)
	}
	nb, _ := sample(mfs, "streampipe_batch_size", map[string]string{"tier": "high"})
	nw, _ := sample(mfs, "streampipe_batch_wait_duration_seconds", map[string]string{"tier": "high"})
	if nb == 0 || nb != nw {
		t.Errorf("high tier: %v batch sizes, %v batch waits; want the same, above 0", nb, nw)
	}
}

// slowSink consumes a message per delay; while hold is set it waits for
// release, which keeps a pipeline draining for as long as a test needs.
type slowSink struct {
	delay   time.Duration
	mu      sync.Mutex
	held    bool
	release chan struct{}
}

func (s *slowSink) Consume(ctx context.Context, m pipeline.Message) error {
	s.mu.Lock()
	held, release := s.held, s.release
	s.mu.Unlock()
	if held {
		select {
		case <-release:
		case <-ctx.Done():
			return nil
		}
	}
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
	}
	return nil
}

func (s *slowSink) hold() {
	s.mu.Lock()
	s.held, s.release = true, make(chan struct{})
	s.mu.Unlock()
}

func (s *slowSink) unhold() {
	s.mu.Lock()
	if s.held {
		s.held = false
		close(s.release)
	}
	s.mu.Unlock()
}

// stoppingPipeline is capture -> buffer (drop_oldest, 4 frames) -> two
// sinks: a fast one and one that takes 40 ms per frame at a 30 fps
// capture. The slow sink fills its input and holds the buffer back, whose
// queue overflows: drops with reason buffer_full.
func stoppingPipeline(t *testing.T, tel *telemetry.Telemetry) (*pipeline.Pipeline, *slowSink) {
	t.Helper()
	reg := stages.Registry()
	build := func(f pipeline.Family, kind, name string, set func(c *pipeline.Config)) pipeline.Node {
		k, ok := reg.Lookup(f, kind)
		if !ok {
			t.Fatalf("no kind %s %s", f, kind)
		}
		c := pipeline.NewConfig(k.Spec)
		if set != nil {
			set(c)
		}
		stats := pipeline.NewStats("slow", name, f, kind)
		env := pipeline.Env{Pipeline: "slow", Stage: name, Report: stats, Meter: tel.Meter(),
			Upstream: pipeline.StreamInfo{FPS: 30, ContentType: pipeline.ContentTypeJPEG}}
		st, err := k.New(c, env)
		if err != nil {
			t.Fatal(err)
		}
		return pipeline.Node{Name: name, Family: f, Kind: kind, Stage: st, Stats: stats,
			Info: pipeline.StreamInfo{FPS: 30}}
	}
	slow := &slowSink{delay: 40 * time.Millisecond}
	nodes := []pipeline.Node{
		build(pipeline.FamilyCapture, "synthetic", "capture", func(c *pipeline.Config) {
			c.Set("width", 32, pipeline.Range{}).Set("height", 32, pipeline.Range{})
		}),
		build(pipeline.FamilyBuffer, "", "buffer", func(c *pipeline.Config) {
			c.Set("capacity", 4, pipeline.Range{})
		}),
		build(pipeline.FamilySink, "discard", "fast", nil),
		{Name: "slow", Family: pipeline.FamilySink, Kind: "slow", Stage: slow,
			Stats: pipeline.NewStats("slow", "slow", pipeline.FamilySink, "slow")},
	}
	p, err := pipeline.New("slow", nodes, pipeline.Options{DrainTimeout: 30 * time.Second, LinkCapacity: 8})
	if err != nil {
		t.Fatal(err)
	}
	return p, slow
}

// TestHealthStatusAndBottleneck follows /readyz through starting, ok and
// draining, checks the /status document, and that the slowed sink is
// named as the bottleneck and the overflowing buffer's drops are counted.
func TestHealthStatusAndBottleneck(t *testing.T) {
	tel := newTelemetry(t, telemetry.Options{})
	p, slow := stoppingPipeline(t, tel)
	tel.Attach(p)
	if err := tel.Start(context.Background(), telemetry.Config{Listen: "127.0.0.1:0",
		Interval: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	base := "http://" + tel.Addr()

	// Before Run every stage is starting: alive, not ready.
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz before run: %d", code)
	}
	code, body := get(t, base+"/readyz")
	var rd telemetry.Readiness
	if err := json.Unmarshal(body, &rd); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	if code != http.StatusServiceUnavailable || rd.Ready || len(rd.NotReady) != 4 || rd.NotReady[0].State != "starting" {
		t.Errorf("/readyz before run: %d %s", code, body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(ctx) }()
	poll(t, "/readyz 200 while running", 10*time.Second, func() bool {
		code, _ := get(t, base+"/readyz")
		return code == http.StatusOK
	})

	// The slow sink holds everything back: it is named, and the buffer
	// drops.
	var st telemetry.Status
	poll(t, "the slow sink named as the bottleneck", 20*time.Second, func() bool {
		_, body := get(t, base+"/status")
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("/status body %q: %v", body, err)
		}
		ps := st.Pipelines[0]
		return ps.Bottleneck != nil && ps.Bottleneck.Stage == "slow" && ps.Stages[1].Dropped["buffer_full"] > 0
	})
	ps := st.Pipelines[0]
	t.Logf("bottleneck: %+v", *ps.Bottleneck)
	if !st.Ready || ps.State != "ok" || len(ps.Stages) != 4 || st.Alerts == nil {
		t.Errorf("status: ready %v, state %q, %d stages, alerts %v", st.Ready, ps.State, len(ps.Stages), st.Alerts)
	}
	wantEdges := []telemetry.Edge{{From: "capture", To: "buffer"}, {From: "buffer", To: "fast"}, {From: "buffer", To: "slow"}}
	if fmt.Sprint(ps.Edges) != fmt.Sprint(wantEdges) {
		t.Errorf("edges %v, want %v", ps.Edges, wantEdges)
	}
	// The slow sink sits behind the buffer, whose output link holds one
	// message: the frames wait in the buffer, under its drop policy.
	if ps.Stages[0].Rates.OutFPS <= 0 || ps.Stages[3].QueueCap != 1 {
		t.Errorf("capture out rate %v, slow queue capacity %d", ps.Stages[0].Rates.OutFPS, ps.Stages[3].QueueCap)
	}

	// Stop while the slow sink is held: the pipeline drains, and /readyz
	// says so until the drain ends.
	slow.hold()
	cancel()
	poll(t, "/readyz 503 draining", 10*time.Second, func() bool {
		code, body := get(t, base+"/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(string(body), `"draining"`) &&
			strings.Contains(string(body), `"stopping"`)
	})
	slow.unhold()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	code, body = get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"stopped"`) {
		t.Errorf("/readyz after the stop: %d %s", code, body)
	}

	// The scrape agrees with the runtime: every frame the capture sent
	// reached the slow sink or was dropped by the buffer on its way.
	mfs, text := scrape(t, base)
	snaps := p.Stats()
	out, _ := sample(mfs, "streampipe_stage_frames_out_total", map[string]string{"stage": "capture"})
	dropped, _ := sample(mfs, "streampipe_stage_frames_dropped_total", map[string]string{"stage": "buffer", "reason": "buffer_full"})
	slowIn, _ := sample(mfs, "streampipe_stage_frames_in_total", map[string]string{"stage": "slow"})
	if out != float64(snaps[0].FramesOut) || dropped != float64(snaps[1].Drops["buffer_full"]) || dropped == 0 {
		t.Errorf("scrape: out %v dropped %v; runtime: out %d dropped %d", out, dropped, snaps[0].FramesOut, snaps[1].Drops["buffer_full"])
	}
	if slowIn != float64(snaps[3].FramesIn) {
		t.Errorf("slow sink frames in: scrape %v, runtime %d", slowIn, snaps[3].FramesIn)
	}
	shutdownDrops := float64(snaps[1].Drops["shutdown"] + snaps[3].Drops["shutdown"])
	if out != dropped+slowIn+shutdownDrops+float64(snaps[1].QueueLen) {
		t.Errorf("capture sent %v = buffer drops %v + slow sink %v + shutdown %v? no", out, dropped, slowIn, shutdownDrops)
	}
	blocked, _ := sample(mfs, "streampipe_stage_blocked_time_seconds_total", map[string]string{"stage": "buffer"})
	if blocked <= 0 {
		t.Errorf("the buffer spent %v s blocked behind the slow sink, want more than 0", blocked)
	}

	// promtool accepts the live scrape.
	promtool := testenv.Program(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(text))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, msg)
	}
}

// TestQualityChangeIsCounted switches a real client from high to low and
// checks the clients per tier and the quality change in a scrape.
func TestQualityChangeIsCounted(t *testing.T) {
	l := loadWithTelemetry(t, strings.Replace(liveConfig, "frames = 90", "frames = 0", 1))
	sink := l.sinkOf(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- l.p.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-runErr; err != nil {
			t.Error(err)
		}
	}()
	poll(t, "the sink to listen", 10*time.Second, func() bool { return sink.URL() != "" })

	c, err := wire.Dial(ctx, sink.URL(), "high")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, err := c.NextBatch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.RequestQuality("low"); err != nil {
		t.Fatal(err)
	}
	// Read until the client is on low (the reply comes before any batch
	// of the new tier).
	for c.Quality() != "low" {
		if _, err := c.NextBatch(ctx); err != nil {
			t.Fatal(err)
		}
	}

	var mfs map[string]*dto.MetricFamily
	poll(t, "the change in a scrape", 10*time.Second, func() bool {
		mfs, _ = scrape(t, l.url)
		v, _ := sample(mfs, "streampipe_websocket_quality_changes_total",
			map[string]string{"from": "high", "to": "low", "reason": "requested"})
		return v == 1
	})
	for tier, want := range map[string]float64{"high": 0, "low": 1} {
		if v, ok := sample(mfs, "streampipe_websocket_clients", map[string]string{"tier": tier}); !ok || v != want {
			t.Errorf("clients on %s = %v (%v), want %v", tier, v, ok, want)
		}
	}
	if v, _ := sample(mfs, "streampipe_websocket_connections_active", nil); v != 1 {
		t.Errorf("active connections %v, want 1", v)
	}
}
