package websocket_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/websocket"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// wait is the generous bound for anything a test waits for: the machine
// may be loaded by several concurrent builds.
const wait = 20 * time.Second

// threeTiers is the stream a quality stage with the default tiers and a
// batcher describe.
func threeTiers() pipeline.StreamInfo {
	return pipeline.StreamInfo{
		FPS:         30,
		ContentType: pipeline.ContentTypeJPEG,
		Tiers: []pipeline.TierInfo{
			{Name: "high", FPS: 30, Scale: 1},
			{Name: "medium", FPS: 20, Scale: 0.75},
			{Name: "low", FPS: 10, Scale: 0.5},
		},
		Batch: pipeline.BatchInfo{Window: 50 * time.Millisecond, MinSize: 1, MaxSize: 5},
	}
}

// harness is a started sink with everything a test observes of it.
type harness struct {
	t      *testing.T
	sink   *websocket.Sink
	report *reporter
	logs   *logRecorder
}

// start builds and starts a sink on a free loopback port. Unset options
// take the defaults; the sink is closed (shutdown cause) at cleanup.
func start(t *testing.T, opts websocket.Options, upstream pipeline.StreamInfo) *harness {
	t.Helper()
	h := &harness{t: t, report: newReporter(), logs: &logRecorder{}}
	opts.Listen = "127.0.0.1:0"
	s, err := websocket.New(opts, pipeline.Env{
		Pipeline: "test-pipeline",
		Stage:    "ws",
		Logger:   slog.New(h.logs),
		Upstream: upstream,
		Report:   h.report,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.sink = s
	t.Cleanup(func() { h.close(pipeline.CauseShutdown) })
	return h
}

// close closes the sink with cause, failing the test on error.
func (h *harness) close(cause pipeline.Cause) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(pipeline.WithCause(context.Background(), cause), wait)
	defer cancel()
	if err := h.sink.Close(ctx); err != nil {
		h.t.Errorf("Close: %v", err)
	}
}

// dial connects a wire client, closed at cleanup.
func (h *harness) dial(quality string) *wire.Client {
	h.t.Helper()
	return h.dialWith(wire.Dialer{}, quality)
}

func (h *harness) dialWith(d wire.Dialer, quality string) *wire.Client {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := d.Dial(ctx, h.sink.URL(), quality)
	if err != nil {
		h.t.Fatalf("dial %q: %v", quality, err)
	}
	h.t.Cleanup(func() { c.CloseNow() })
	return c
}

// consume feeds one message to the sink, as the runtime would.
func (h *harness) consume(tier string, frames ...*pipeline.Frame) {
	h.t.Helper()
	if err := h.sink.Consume(context.Background(), pipeline.Message{Tier: tier, Frames: frames}); err != nil {
		h.t.Fatalf("Consume: %v", err)
	}
}

// disconnectCode waits for the sink's "client disconnected" line of the
// given session and returns its close code.
func (h *harness) disconnectCode(session string) int {
	h.t.Helper()
	var code int
	waitFor(h.t, "the disconnect of session "+session, func() bool {
		r, ok := h.logs.find("client disconnected", "session", session)
		if ok {
			code = int(r.attrs["code"].(int64))
		}
		return ok
	})
	return code
}

// makeFrames returns n frames from seq on, each with a payload of size
// bytes that encodes its tier and sequence number.
func makeFrames(tier string, seq uint64, n, size int) []*pipeline.Frame {
	base := time.Now()
	out := make([]*pipeline.Frame, n)
	for i := range out {
		s := seq + uint64(i)
		out[i] = pipeline.NewFrame(s, base.Add(time.Duration(i)*time.Millisecond), pipeline.ContentTypeJPEG, payload(tier, s, size))
	}
	return out
}

// payload is size bytes starting with "tier/seq/" and then a pattern
// depending on seq, so a mixed-up or corrupted payload shows.
func payload(tier string, seq uint64, size int) []byte {
	p := fmt.Appendf(nil, "%s/%d/", tier, seq)
	for len(p) < size {
		p = append(p, byte(seq+uint64(len(p))))
	}
	return p[:max(size, len(p))]
}

// tierOf reads the tier back from a payload made by payload.
func tierOf(p []byte) string {
	i := bytes.IndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return string(p[:i])
}

// readBatch reads the next batch, failing the test on error.
func readBatch(t *testing.T, c *wire.Client) wire.Batch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	b, err := c.NextBatch(ctx)
	if err != nil {
		t.Fatalf("reading a batch: %v", err)
	}
	return b
}

// readUntilClose reads batches until the connection ends and returns the
// sequence numbers that arrived and the close code.
func readUntilClose(t *testing.T, c *wire.Client) (seqs []uint64, code int) {
	t.Helper()
	seqs, code, err := collect(c)
	if err != nil {
		t.Fatal(err)
	}
	return seqs, code
}

// collect is readUntilClose for goroutines other than the test's.
func collect(c *wire.Client) (seqs []uint64, code int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for range 1 << 20 {
		b, err := c.NextBatch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return seqs, 0, fmt.Errorf("no close within %v: %w", wait, err)
			}
			return seqs, wire.CloseCode(err), nil
		}
		for _, f := range b.Frames {
			seqs = append(seqs, f.Seq)
		}
	}
	return seqs, 0, errors.New("the connection never closed")
}

// waitFor polls cond until it holds, failing the test after wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", wait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// reporter records drops as the runtime's Stats would.
type reporter struct {
	pipeline.NopReporter
	mu    sync.Mutex
	drops map[string]int
}

func newReporter() *reporter { return &reporter{drops: map[string]int{}} }

func (r *reporter) Drop(reason string, n int) {
	r.mu.Lock()
	r.drops[reason] += n
	r.mu.Unlock()
}
func (r *reporter) Skip(int)                          {}
func (r *reporter) SetHealth(pipeline.Health, string) {}

func (r *reporter) dropped(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drops[reason]
}

// logRecorder is a slog.Handler that keeps every record, with attributes
// flattened to "group.key".
type logRecorder struct {
	mu      sync.Mutex
	records []logRecord
	// per-handler state
	shared *logRecorder
	attrs  []slog.Attr
	group  string
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]any
}

func (l *logRecorder) root() *logRecorder {
	if l.shared != nil {
		return l.shared
	}
	return l
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]any{}}
	for _, a := range l.attrs {
		flatten(rec.attrs, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		flatten(rec.attrs, l.group, a)
		return true
	})
	root := l.root()
	root.mu.Lock()
	root.records = append(root.records, rec)
	root.mu.Unlock()
	return nil
}

func (l *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	n := &logRecorder{shared: l.root(), group: l.group}
	n.attrs = append(append(n.attrs, l.attrs...), as...)
	return n
}

func (l *logRecorder) WithGroup(name string) slog.Handler {
	n := &logRecorder{shared: l.root(), attrs: l.attrs, group: l.group + name + "."}
	return n
}

func flatten(m map[string]any, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			flatten(m, prefix+a.Key+".", g)
		}
		return
	}
	m[prefix+a.Key] = v.Any()
}

// find returns the first record with message msg whose attribute key
// equals value.
func (l *logRecorder) find(msg, key string, value any) (logRecord, bool) {
	root := l.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	for _, r := range root.records {
		if r.msg == msg && r.attrs[key] == value {
			return r, true
		}
	}
	return logRecord{}, false
}

// all returns every record.
func (l *logRecorder) all() []logRecord {
	root := l.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	return append([]logRecord(nil), root.records...)
}
