package plugins_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
)

// logLines returns the lines of logs holding msg.
func logLines(logs, msg string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "msg=\""+msg+"\"") {
			out = append(out, l)
		}
	}
	return out
}

var countKey = regexp.MustCompile(`\b(frames|lines)=(\d+)`)

// sumKey adds up the values of key (frames or lines) over lines.
func sumKey(lines []string, key string) int {
	n := 0
	for _, l := range lines {
		for _, m := range countKey.FindAllStringSubmatch(l, -1) {
			if m[1] == key {
				v, _ := strconv.Atoi(m[2])
				n += v
			}
		}
	}
	return n
}

// TestSlowPluginIsNotHung: a plugin that takes 100 ms a frame, with a
// batch_timeout of 1s, is slow but answers; batches of up to 16 frames
// (1.6 s of work) must not get it killed.
func TestSlowPluginIsNotHung(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)},
		BatchTimeout: time.Second, MaxBatch: 16}, map[string]any{"frame_delay": 100 * time.Millisecond})
	snk := &sink{}
	if err := runPipeline(context.Background(), t, source{n: 60, payload: seqPayload}, ts, snk); err != nil {
		t.Fatal(err)
	}
	ps := ts.stage.PluginStats()
	if ps.Failures != 0 || ps.Restarts != 0 {
		t.Errorf("failures %d restarts %d, want none\nlogs:\n%s", ps.Failures, ps.Restarts, ts.logs.String())
	}
	if n := len(snk.snapshot()); n != 60 {
		t.Errorf("sink got %d frames, want 60", n)
	}
	if ps.RoundTrip.Max < 1100*time.Millisecond {
		t.Errorf("the longest round trip took %s: no batch held over 10 frames, so the test proves nothing",
			ps.RoundTrip.Max)
	}
}

// TestPluginOutputIsChecked feeds a plugin's faulty output to the host:
// what breaks the promises made to clients never reaches the sink, and is
// counted and reported once per interval rather than once per frame.
func TestPluginOutputIsChecked(t *testing.T) {
	const n = 100
	for _, tc := range []struct {
		name     string
		settings map[string]any
		out      int    // frames the sink gets
		invalid  uint64 // frames dropped as invalid
		reason   string
	}{
		{"every frame three times", map[string]any{"repeat": 3}, n, 2 * n, "sequence"},
		{"zero capture time", map[string]any{"mangle": "zero_time"}, 0, n, "zero_time"},
		{"empty payload", map[string]any{"mangle": "empty_payload"}, 0, n, "empty_payload"},
		{"no content type", map[string]any{"mangle": "no_type"}, n, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}}, tc.settings)
			snk := &sink{}
			if err := runPipeline(context.Background(), t, source{n: n, payload: seqPayload}, ts, snk); err != nil {
				t.Fatal(err)
			}
			frames := snk.snapshot()
			if len(frames) != tc.out {
				t.Fatalf("sink got %d frames, want %d", len(frames), tc.out)
			}
			assertOrdered(t, snk)
			for _, f := range frames {
				if f.ContentType != pipeline.ContentTypeJPEG || f.Captured.IsZero() || len(f.Payload) == 0 {
					t.Fatalf("frame %d reached the sink with type %q, capture time %v, %d bytes",
						f.Seq, f.ContentType, f.Captured, len(f.Payload))
				}
			}
			snap := ts.stats.Snapshot()
			if got := snap.Drops[pipeline.DropInvalid]; got != tc.invalid {
				t.Errorf("invalid drops %d, want %d", got, tc.invalid)
			}
			lines := logLines(ts.logs.String(), "plugin output frames dropped as invalid")
			if tc.invalid == 0 {
				if len(lines) != 0 {
					t.Errorf("warnings for valid output: %q", lines)
				}
				return
			}
			// The run is shorter than the interval: the first problem at
			// once, the rest when the stage ends.
			if len(lines) < 1 || len(lines) > 2 || sumKey(lines, "frames") != int(tc.invalid) {
				t.Errorf("warnings %q, want one or two lines counting %d frames", lines, tc.invalid)
			}
			if !strings.Contains(lines[0], "reason="+tc.reason) {
				t.Errorf("warning %q, want reason %s", lines[0], tc.reason)
			}
		})
	}
}

// TestOversizedOutputIsDropped: frames the plugin makes larger than
// max_message_size are dropped by its SDK and counted by the host; the
// plugin keeps running.
func TestOversizedOutputIsDropped(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}, MaxMessageSize: 1 << 20},
		map[string]any{"output_size": int64(2 << 20)})
	snk := &sink{}
	if err := runPipeline(context.Background(), t, source{n: 30, payload: seqPayload}, ts, snk); err != nil {
		t.Fatal(err)
	}
	if ps := ts.stage.PluginStats(); ps.Failures != 0 {
		t.Errorf("%d failures, want none\nlogs:\n%s", ps.Failures, ts.logs.String())
	}
	frames := snk.snapshot()
	if len(frames) != 20 {
		t.Errorf("sink got %d frames, want the 20 whose seq is not a multiple of 3", len(frames))
	}
	for _, f := range frames {
		if f.Seq%3 == 0 {
			t.Errorf("frame %d (made 2 MiB by the plugin) reached the sink", f.Seq)
		}
	}
	if d := ts.stats.Snapshot().Drops[pipeline.DropPluginError]; d != 10 {
		t.Errorf("plugin_error drops %d, want 10", d)
	}
	lines := logLines(ts.logs.String(), "plugin output frames larger than max_message_size dropped")
	if sumKey(lines, "frames") != 10 || !strings.Contains(lines[0], "raise max_message_size") {
		t.Errorf("warnings %q, want lines counting 10 frames", lines)
	}
}

// TestDeliberateDropsAreSkipped: frames a plugin leaves out on purpose are
// counted as skipped, so that frames in = out + skipped + drops.
func TestDeliberateDropsAreSkipped(t *testing.T) {
	ts := newTestStage(t, plugins.Decl{Name: "behave", Command: []string{behave(t)}},
		map[string]any{"drop_odd": true})
	snk := &sink{}
	if err := runPipeline(context.Background(), t, source{n: 100, payload: seqPayload}, ts, snk); err != nil {
		t.Fatal(err)
	}
	snap := ts.stats.Snapshot()
	if snap.FramesIn != 100 || snap.FramesOut != 50 || snap.Skipped != 50 || snap.DroppedTotal() != 0 {
		t.Errorf("in %d out %d skipped %d drops %v, want 100, 50, 50 and none",
			snap.FramesIn, snap.FramesOut, snap.Skipped, snap.Drops)
	}
}
