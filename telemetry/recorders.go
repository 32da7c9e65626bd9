package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/streampipe/streampipe/pipeline"
)

// The recorders below carry the facts only a stage knows. A stage builds
// its recorder once, in its factory, from the pipeline.Env it is given;
// when env.Meter is nil (telemetry off, unit tests) the constructor
// returns nil, and every method of a nil recorder does nothing. All
// methods are safe for concurrent use and allocate nothing on the paths
// taken per frame or per message.

// WebSocket records a WebSocket sink's connections, tiers and sends.
type WebSocket struct {
	active, clients         metric.Int64UpDownCounter
	opened, closed, changes metric.Int64Counter
	refused                 metric.Int64Counter
	messages, frames, bytes metric.Int64Counter
	session                 metric.Float64Histogram
	latency, queue          []recorder // per tier
	pipeline, stage         string
	nameOpts                []metric.AddOption
	nameRecord              []metric.RecordOption
	tierAdd                 [][]metric.AddOption
	tierNames               []string
}

// NewWebSocket returns the recorder of a WebSocket sink whose clients
// choose among tiers (indexes into tiers are used by the methods), or nil
// when env.Meter is nil.
func NewWebSocket(env pipeline.Env, tiers []string) *WebSocket {
	m := env.Meter
	if m == nil {
		return nil
	}
	w := &WebSocket{
		active:    int64UpDownCounter(m, WSConnectionsActive),
		clients:   int64UpDownCounter(m, WSClients),
		opened:    int64Counter(m, WSConnectionsOpened),
		closed:    int64Counter(m, WSConnectionsClosed),
		refused:   int64Counter(m, WSConnectionsRefused),
		changes:   int64Counter(m, WSQualityChanges),
		messages:  int64Counter(m, WSMessagesSent),
		frames:    int64Counter(m, WSFramesSent),
		bytes:     int64Counter(m, WSBytesSent),
		session:   float64Histogram(m, WSSessionDuration),
		pipeline:  env.Pipeline,
		stage:     env.Stage,
		tierNames: append([]string(nil), tiers...),
	}
	names := metric.WithAttributeSet(attribute.NewSet(
		attribute.String(LabelPipeline, env.Pipeline), attribute.String(LabelStage, env.Stage)))
	w.nameOpts = []metric.AddOption{names}
	w.nameRecord = []metric.RecordOption{names}
	for _, t := range tiers {
		set := tierSet(env.Pipeline, env.Stage, t)
		w.tierAdd = append(w.tierAdd, []metric.AddOption{metric.WithAttributeSet(set)})
		w.latency = append(w.latency, histogramFor(m, WSFrameLatency, set))
		w.queue = append(w.queue, histogramFor(m, WSSendQueueDepth, set))
	}
	return w
}

func (w *WebSocket) validTier(t int) bool { return t >= 0 && t < len(w.tierAdd) }

// Opened records an admitted connection watching tier t.
func (w *WebSocket) Opened(t int) {
	if w == nil {
		return
	}
	ctx := context.Background()
	w.opened.Add(ctx, 1, w.nameOpts...)
	w.active.Add(ctx, 1, w.nameOpts...)
	if w.validTier(t) {
		w.clients.Add(ctx, 1, w.tierAdd[t]...)
	}
}

// Closed records the end of a connection that was watching tier t: why
// (a short fixed word such as client_closed or slow_client), its close
// code, and how long the session lasted.
func (w *WebSocket) Closed(t int, reason string, code int, session time.Duration) {
	if w == nil {
		return
	}
	ctx := context.Background()
	w.active.Add(ctx, -1, w.nameOpts...)
	if w.validTier(t) {
		w.clients.Add(ctx, -1, w.tierAdd[t]...)
	}
	w.closed.Add(ctx, 1, metric.WithAttributes(
		attribute.String(LabelPipeline, w.pipeline), attribute.String(LabelStage, w.stage),
		attribute.String(LabelReason, reason), attribute.Int(LabelCode, code)))
	w.session.Record(ctx, session.Seconds(), w.nameRecord...)
}

// Refused records a connection that was upgraded but not admitted, and
// why: a short fixed word (full, origin, closing, internal), never text
// the client sent.
func (w *WebSocket) Refused(reason string) {
	if w == nil {
		return
	}
	w.refused.Add(context.Background(), 1, metric.WithAttributes(
		attribute.String(LabelPipeline, w.pipeline), attribute.String(LabelStage, w.stage),
		attribute.String(LabelReason, reason)))
}

// TierChanged records a client moving from tier from to tier to, and why
// (requested, or a decision of the sink such as slow_client).
func (w *WebSocket) TierChanged(from, to int, reason string) {
	if w == nil || !w.validTier(from) || !w.validTier(to) {
		return
	}
	ctx := context.Background()
	w.clients.Add(ctx, -1, w.tierAdd[from]...)
	w.clients.Add(ctx, 1, w.tierAdd[to]...)
	w.changes.Add(ctx, 1, metric.WithAttributes(
		attribute.String(LabelPipeline, w.pipeline), attribute.String(LabelStage, w.stage),
		attribute.String(LabelFrom, w.tierNames[from]), attribute.String(LabelTo, w.tierNames[to]),
		attribute.String(LabelReason, reason)))
}

// Queued records the depth of a client's send queue of tier t after a
// message was queued for it.
func (w *WebSocket) Queued(t, depth int) {
	if w == nil || !w.validTier(t) {
		return
	}
	w.queue[t].record(float64(depth))
}

// SendTally accumulates the messages, frames and bytes one client was
// sent and hands them to the shared counters in bulk: at most every
// tallyMessages messages or tallyAge, when the tier changes, and on Flush.
// With thousands of clients, updating the shared counters on every write
// cost about a tenth of the sink's CPU; the price is that a scrape may
// lag a connection's last few messages by up to tallyAge. The zero value
// is ready; it is owned by the client's writer goroutine.
type SendTally struct {
	tier                   int
	messages, frames, size int64
	since                  time.Time
}

// Bounds of a SendTally's backlog.
const (
	tallyMessages = 32
	tallyAge      = time.Second
)

// Sent records one message of tier t written to a client socket at now:
// its frames (for the latency from each frame's capture, recorded at once)
// and its size (tallied in tally).
func (w *WebSocket) Sent(tally *SendTally, t int, frames []*pipeline.Frame, size int, now time.Time) {
	if w == nil || !w.validTier(t) {
		return
	}
	for _, f := range frames {
		w.latency[t].record(now.Sub(f.Captured).Seconds())
	}
	if tally.messages > 0 && tally.tier != t {
		w.Flush(tally)
	}
	if tally.messages == 0 {
		tally.tier, tally.since = t, now
	}
	tally.messages++
	tally.frames += int64(len(frames))
	tally.size += int64(size)
	if tally.messages >= tallyMessages || now.Sub(tally.since) >= tallyAge {
		w.Flush(tally)
	}
}

// Flush hands what tally holds to the shared counters.
func (w *WebSocket) Flush(tally *SendTally) {
	if w == nil || tally.messages == 0 || !w.validTier(tally.tier) {
		return
	}
	ctx := context.Background()
	w.messages.Add(ctx, tally.messages, w.tierAdd[tally.tier]...)
	w.frames.Add(ctx, tally.frames, w.tierAdd[tally.tier]...)
	w.bytes.Add(ctx, tally.size, w.tierAdd[tally.tier]...)
	*tally = SendTally{}
}

// Batch records how long batches waited in a batch stage.
type Batch struct {
	meter    metric.Meter
	pipeline string
	stage    string
	tiers    []tierRecorder
}

// NewBatch returns the recorder of a batch stage, or nil when env.Meter
// is nil. Tiers of env.Upstream are prepared up front.
func NewBatch(env pipeline.Env) *Batch {
	if env.Meter == nil {
		return nil
	}
	b := &Batch{meter: env.Meter, pipeline: env.Pipeline, stage: env.Stage}
	for _, t := range env.Upstream.Tiers {
		b.tiers = append(b.tiers, b.tier(t.Name))
	}
	return b
}

func (b *Batch) tier(name string) tierRecorder {
	return tierRecorder{tier: name, rec: histogramFor(b.meter, BatchWaitDuration, tierSet(b.pipeline, b.stage, name))}
}

// Waited records that a batch of tier waited d, from its first frame's
// arrival to its emission. Call it from the batcher's goroutine only.
func (b *Batch) Waited(tier string, d time.Duration) {
	if b == nil {
		return
	}
	for i := range b.tiers {
		if b.tiers[i].tier == tier {
			b.tiers[i].rec.record(d.Seconds())
			return
		}
	}
	tr := b.tier(tier)
	b.tiers = append(b.tiers, tr)
	tr.rec.record(d.Seconds())
}

// Capture records a capture source's restarts.
type Capture struct {
	restarts metric.Int64Counter
	opts     []metric.AddOption
}

// NewCapture returns the recorder of a capture stage, or nil when
// env.Meter is nil.
func NewCapture(env pipeline.Env) *Capture {
	if env.Meter == nil {
		return nil
	}
	return &Capture{
		restarts: int64Counter(env.Meter, CaptureRestarts),
		opts: []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
			attribute.String(LabelPipeline, env.Pipeline), attribute.String(LabelStage, env.Stage)))},
	}
}

// Restarted records one restart of the source.
func (c *Capture) Restarted() {
	if c == nil {
		return
	}
	c.restarts.Add(context.Background(), 1, c.opts...)
}
