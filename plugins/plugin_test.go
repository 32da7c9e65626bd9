package plugins_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/internal/testenv"
	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

func TestPipelineThroughPlugin(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"invert": true})
	snk := &sink{}
	if err := runPipeline(context.Background(), t, source{n: 500, payload: seqPayload}, ts, snk); err != nil {
		t.Fatal(err)
	}

	frames := snk.snapshot()
	if len(frames) != 500 {
		t.Fatalf("sink got %d frames, want 500", len(frames))
	}
	for i, f := range frames {
		want := seqPayload(uint64(i + 1))
		for j := range want {
			want[j] = ^want[j]
		}
		if f.Seq != uint64(i+1) || !bytes.Equal(f.Payload, want) {
			t.Fatalf("frame %d: seq %d payload %q, want seq %d inverted payload", i, f.Seq, f.Payload, i+1)
		}
	}
	snap := ts.stats.Snapshot()
	if snap.FramesIn != 500 || snap.FramesOut != 500 || snap.DroppedTotal() != 0 {
		t.Errorf("stats: in %d out %d drops %v", snap.FramesIn, snap.FramesOut, snap.Drops)
	}
	ps := ts.stage.PluginStats()
	// The stage reports its processing time once per answered batch.
	if snap.Processed != ps.Batches || snap.ProcessTime <= 0 {
		t.Errorf("processing time %v over %d measurements for %d batches", snap.ProcessTime, snap.Processed, ps.Batches)
	}
	if ps.Batches == 0 || ps.RoundTrip.Count != ps.Batches || ps.Restarts != 0 || ps.Up {
		t.Errorf("plugin stats after the run: %+v", ps)
	}
	if n := testenv.Processes(behave(t)); len(n) != 0 {
		t.Errorf("plugin processes left after the pipeline ended: %v", n)
	}
}

func TestPluginDropsAndReferences(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"drop_odd": true})
	snk := &sink{}
	src := source{n: 100, payload: seqPayload}
	if err := runPipeline(context.Background(), t, src, ts, snk); err != nil {
		t.Fatal(err)
	}
	frames := snk.snapshot()
	if len(frames) != 50 {
		t.Fatalf("sink got %d frames, want the 50 even ones", len(frames))
	}
	for i, f := range frames {
		if f.Seq != uint64(2*(i+1)) || string(f.Payload) != string(seqPayload(f.Seq)) {
			t.Fatalf("frame %d: seq %d payload %q", i, f.Seq, f.Payload)
		}
	}
	if got := snk.tiers[0]; got != "high" {
		t.Errorf("tier %q, want high", got)
	}
}

func TestLargeFramePassesIntact(t *testing.T) {
	big := make([]byte, 6<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>13)
	}
	for _, copyBack := range []bool{false, true} {
		name := "reference"
		if copyBack {
			name = "copy"
		}
		t.Run(name, func(t *testing.T) {
			// The test is about size, not speed: a slow (race-enabled)
			// build must not time out on 18 MiB batches.
			ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}, BatchTimeout: time.Minute},
				map[string]any{"copy": copyBack})
			snk := &sink{}
			src := source{n: 3, payload: func(uint64) []byte { return big }}
			if err := runPipeline(context.Background(), t, src, ts, snk); err != nil {
				t.Fatal(err)
			}
			frames := snk.snapshot()
			if len(frames) != 3 {
				t.Fatalf("got %d frames, want 3; drops %v\nlogs:\n%s", len(frames), ts.stats.Snapshot().Drops, ts.logs.String())
			}
			for _, f := range frames {
				if !bytes.Equal(f.Payload, big) {
					t.Fatalf("frame %d: payload of %d bytes differs from the 6 MiB sent", f.Seq, len(f.Payload))
				}
			}
		})
	}
}

func TestFrameOverLimitIsDropped(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}, MaxMessageSize: 1 << 20}, nil)
	snk := &sink{}
	src := source{n: 4, payload: func(seq uint64) []byte {
		if seq == 2 {
			return make([]byte, 2<<20)
		}
		return seqPayload(seq)
	}}
	if err := runPipeline(context.Background(), t, src, ts, snk); err != nil {
		t.Fatal(err)
	}
	if n := len(snk.snapshot()); n != 3 {
		t.Errorf("got %d frames, want 3", n)
	}
	if d := ts.stats.Snapshot().Drops[pipeline.DropPluginError]; d != 1 {
		t.Errorf("plugin_error drops %d, want 1", d)
	}
	if !strings.Contains(ts.logs.String(), "raise max_message_size") {
		t.Errorf("no log line saying what to do:\n%s", ts.logs.String())
	}
}

func TestPluginLogsReappear(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"greeting": "bonjour"})
	if err := ts.stage.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer ts.stage.Close(context.Background())
	waitFor(t, "the plugin's log line", 10*time.Second, func() bool {
		return strings.Contains(ts.logs.String(), "hello from the plugin")
	})
	var line string
	for _, l := range strings.Split(ts.logs.String(), "\n") {
		if strings.Contains(l, "hello from the plugin") {
			line = l
		}
	}
	for _, want := range []string{"level=WARN", "pipeline=t", "stage=plug", "plugin.greeting=bonjour"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
}

func TestConfigureDiagnosticIsPlaced(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"mode": "bad"})
	err := ts.stage.Start(context.Background())
	var ce *pipeline.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Start error %v (%T), want a *pipeline.ConfigError", err, err)
	}
	if ce.Attr != "mode" || ce.Summary != "Unsupported mode" || ce.Range().Start.Line != 7 {
		t.Errorf("config error on %q (%q) at %+v", ce.Attr, ce.Summary, ce.Range())
	}
	if n := testenv.Processes(behave(t)); len(n) != 0 {
		t.Errorf("plugin processes left after a refused configuration: %v", n)
	}
}

func TestKindDescribesPlugin(t *testing.T) {
	cache := t.TempDir()
	d := plugins.Decl{Name: "fx", Command: []string{behave(t)}}
	kind, err := plugins.Kind(context.Background(), d, plugins.Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if kind.Family != pipeline.FamilyStage || kind.Name != "fx" || kind.Plugin != "fx" || kind.Stability != pipeline.StabilityStable {
		t.Errorf("kind %+v", kind)
	}
	strength, ok := kind.Spec.Attr("strength")
	if !ok || strength.Type != pipeline.TypeNumber || strength.Range != "[0,1]" || strength.Default != 1.0 {
		t.Errorf("strength attribute %+v", strength)
	}
	delay, _ := kind.Spec.Attr("delay")
	if delay.Type != pipeline.TypeDuration || delay.Default != time.Duration(0) {
		t.Errorf("delay attribute %+v", delay)
	}
	mode, _ := kind.Spec.Attr("mode")
	if len(mode.OneOf) != 3 || mode.Default != "normal" {
		t.Errorf("mode attribute %+v", mode)
	}
	if err := pipeline.NewRegistry().Register(kind); err != nil {
		t.Errorf("the kind does not register: %v", err)
	}

	// The second time the description comes from the cache: doctor the
	// cached summary and see it come back.
	entries, err := filepath.Glob(filepath.Join(cache, "*.json"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache holds %v (%v), want one entry", entries, err)
	}
	b, _ := os.ReadFile(entries[0])
	b = bytes.Replace(b, []byte("A passthrough"), []byte("A cached passthrough"), 1)
	if err := os.WriteFile(entries[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := plugins.Kind(context.Background(), d, plugins.Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(again.Summary, "A cached passthrough") {
		t.Errorf("summary %q did not come from the cache", again.Summary)
	}
}
