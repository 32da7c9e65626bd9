package pipeline

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// Family is the role a stage plays in a pipeline; it is also the HCL block
// type that declares the stage.
type Family string

// The stage families, in the order they usually appear in a pipeline.
const (
	FamilyCapture Family = "capture" // sources: produce frames
	FamilyBuffer  Family = "buffer"  // a bounded queue with a drop policy
	FamilyQuality Family = "quality" // assigns frames to quality tiers
	FamilyBatch   Family = "batch"   // groups frames of a tier into batches
	FamilyStage   Family = "stage"   // any other processing stage (plugins)
	FamilySink    Family = "sink"    // deliver frames out of the pipeline
)

// Source produces frames. It is implemented by capture stages.
//
// Run is called once, from the source's own goroutine. It emits frames
// through out and returns nil when ctx is cancelled (the pipeline is
// stopping) or when the source has nothing more to produce, or an error when
// it fails. Sequence numbers must strictly increase; use a [Sequencer].
type Source interface {
	Run(ctx context.Context, out Output) error
}

// Processor handles one message at a time.
//
// The runtime calls Process sequentially from one goroutine, for every
// message that reaches the stage, and measures how long each call takes. A
// processor may emit any number of messages for each one it receives,
// including none. Returning an error stops the pipeline.
type Processor interface {
	Process(ctx context.Context, m Message, out Output) error
}

// Runner owns its input loop. It suits stages that hold messages back, such
// as buffers and batchers.
//
// Run is called once. It must read in until in is closed, emit what it still
// holds, and return nil; or return early with ctx's error when ctx is
// cancelled (the drain timeout expired).
type Runner interface {
	Run(ctx context.Context, in <-chan Message, out Output) error
}

// Sink delivers messages out of the pipeline.
//
// The runtime calls Consume sequentially from one goroutine. Consume should
// not block for long: a slow Consume holds back every other sink of the
// pipeline. Returning an error stops the pipeline.
type Sink interface {
	Consume(ctx context.Context, m Message) error
}

// Starter is implemented by stages that acquire resources before frames flow
// (listen on a port, find an executable). Start must return promptly; work
// that lasts belongs in Run or in goroutines the stage stops in Close.
type Starter interface {
	Start(ctx context.Context) error
}

// Closer is implemented by stages that release resources. The runtime calls
// Close once, after the stage's input has been drained (or the drain timeout
// expired), with a context whose deadline is the end of the drain timeout.
// [CauseFromContext] tells why the pipeline stops.
type Closer interface {
	Close(ctx context.Context) error
}

// Output is how a stage sends messages downstream.
type Output interface {
	// Emit sends m to the next stage, blocking while that stage's input is
	// full (backpressure). It returns ctx's error, after counting m's frames
	// as dropped for shutdown, when ctx is cancelled first.
	Emit(ctx context.Context, m Message) error
}

// Reporter receives the few facts that only a stage itself knows. The
// runtime turns them into metrics and logs.
type Reporter interface {
	// Drop counts frames the stage discarded, by reason (see the Drop*
	// constants). Keep reasons to a small fixed set: they become labels.
	Drop(reason string, frames int)
	// Skip counts frames left out on purpose, such as tier decimation.
	// Skipped frames are not drops.
	Skip(frames int)
	// SetHealth records the stage's health and why.
	SetHealth(h Health, reason string)
	// Processed records that the stage spent d on a message of frames
	// frames. The runtime records it itself around every Process and
	// Consume call; a Source or Runner, which owns its loop, reports the
	// time it spends on each message (rendering, splitting, encoding, a
	// plugin's answer), leaving out the time it waits for input or holds
	// frames on purpose. A stage that does next to nothing per frame (a
	// buffer, a batcher, tier decimation) need not report: two clock
	// reads would cost more than its work, and its waits downstream are
	// measured as blocked time already. It may be called from any
	// goroutine.
	Processed(frames int, d time.Duration)
}

// NopReporter discards every report. Stages built outside a pipeline
// (by tests or programs) use it when their Env has no Reporter.
type NopReporter struct{}

func (NopReporter) Drop(string, int)             {}
func (NopReporter) Skip(int)                     {}
func (NopReporter) SetHealth(Health, string)     {}
func (NopReporter) Processed(int, time.Duration) {}

// Reasons for dropping frames. They are metric label values, so new ones
// must stay few.
const (
	DropBufferFull  = "buffer_full"  // a buffer's drop policy discarded it
	DropSlowClient  = "slow_client"  // a client's send queue was full
	DropShutdown    = "shutdown"     // still in flight when the drain timeout expired
	DropPluginError = "plugin_error" // a plugin failed while holding it
	DropInvalid     = "invalid"      // it could not be decoded or encoded
	DropTruncated   = "truncated"    // a capture ended in the middle of it
)

// Health is a stage's state as seen from outside.
type Health int32

// Health states, in lifecycle order.
const (
	HealthStarting Health = iota
	HealthOK
	HealthDegraded
	HealthFailed
	HealthStopping
	HealthStopped
)

var healthNames = [...]string{"starting", "ok", "degraded", "failed", "stopping", "stopped"}

func (h Health) String() string {
	if h < 0 || int(h) >= len(healthNames) {
		return "unknown"
	}
	return healthNames[h]
}

// StreamInfo describes the stream a stage emits. Each stage receives its
// upstream's StreamInfo at construction, which lets it check its settings
// against the stream (a tier cannot be faster than the capture) before
// anything runs.
type StreamInfo struct {
	// FPS is the nominal frame rate set by the capture.
	FPS float64
	// ContentType is the frames' media type.
	ContentType string
	// Tiers lists the quality tiers, fastest first; empty before a quality
	// stage.
	Tiers []TierInfo
	// Batch describes how frames are grouped; zero before a batch stage.
	Batch BatchInfo
}

// Tier returns the tier called name.
func (s StreamInfo) Tier(name string) (TierInfo, bool) {
	for _, t := range s.Tiers {
		if t.Name == name {
			return t, true
		}
	}
	return TierInfo{}, false
}

// TierInfo describes one quality tier.
type TierInfo struct {
	Name        string  `json:"name"`
	FPS         float64 `json:"fps"`
	Scale       float64 `json:"scale"`
	JPEGQuality int     `json:"jpeg_quality,omitempty"`
}

// BatchInfo describes the batching applied to a stream.
type BatchInfo struct {
	Window  time.Duration
	MinSize int
	MaxSize int
}

// Env is what a stage's factory receives besides its configuration.
type Env struct {
	// Pipeline and Stage name the stage in logs and metrics.
	Pipeline string
	Stage    string
	// Logger already carries the pipeline and stage names.
	Logger *slog.Logger
	// Upstream describes the stream the stage will receive. For a capture it
	// is zero.
	Upstream StreamInfo
	// Report receives drops, skips and health changes.
	Report Reporter
	// Meter creates the instruments of the facts only the stage knows
	// (package telemetry builds them from its table). Nil means telemetry
	// is off; stages then record nothing. A stage never builds an
	// exporter of its own.
	Meter metric.Meter
	// Status serves the process's GET /status document (JSON), for
	// stages that show it, such as the WebSocket sink's viewer. Nil when
	// telemetry is off.
	Status http.Handler
}

// Describer is implemented by stages that change the stream's description:
// a capture sets the frame rate, a quality stage the tiers, a batcher the
// batching. Stages that do not implement it pass their upstream's through.
type Describer interface {
	Describe(upstream StreamInfo) StreamInfo
}

// Cause tells stages why the pipeline is stopping.
type Cause int

// Causes of a stop.
const (
	// CauseEndOfStream: the source had nothing more to produce.
	CauseEndOfStream Cause = iota
	// CauseShutdown: the process was asked to stop (a signal).
	CauseShutdown
	// CauseFailure: a stage failed.
	CauseFailure
)

type causeKey struct{}

// WithCause returns a context carrying c, for [Closer.Close].
func WithCause(ctx context.Context, c Cause) context.Context {
	return context.WithValue(ctx, causeKey{}, c)
}

// CauseFromContext returns the stop cause carried by ctx, or
// CauseEndOfStream when it carries none.
func CauseFromContext(ctx context.Context) Cause {
	c, _ := ctx.Value(causeKey{}).(Cause)
	return c
}

// Queuer is implemented by stages that hold frames in a queue of their own
// (buffers). The runtime reports that queue instead of the stage's input
// link, and gives the stage an output link of a single message, so frames
// waiting behind a slow downstream stage wait in the stage's queue, under
// its drop policy, rather than in the link. QueueLen must be safe to call
// from any goroutine.
type Queuer interface {
	QueueLen() (n, capacity int)
}
