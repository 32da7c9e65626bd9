package telemetry

import "time"

// Kind is the kind of an instrument, as OpenTelemetry defines it.
type Kind int

// Instrument kinds.
const (
	// Counter only goes up (frames, bytes, seconds spent blocked).
	Counter Kind = iota + 1
	// UpDownCounter goes up and down by increments (open connections).
	UpDownCounter
	// Gauge is a value sampled when metrics are collected (queue length).
	Gauge
	// Histogram counts measurements into buckets (durations, sizes).
	Histogram
)

var kindNames = [...]string{"", "counter", "up-down counter", "gauge", "histogram"}

func (k Kind) String() string {
	if k <= 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Number is the value type of an instrument.
type Number int

// Value types.
const (
	Int64 Number = iota
	Float64
)

// Instrument declares one metric. The table of them, [Instruments], is
// the single source of the instruments' creation, of docs/metrics.md and
// of the Prometheus names.
type Instrument struct {
	// Name is the OpenTelemetry name, dot-separated.
	Name string
	Kind Kind
	// Observable instruments are read by a callback when metrics are
	// collected; the others are recorded as things happen.
	Observable bool
	Number     Number
	// Unit is a UCUM unit: "s", "By", "1", or an annotation such as
	// "{frame}" that Prometheus names leave out.
	Unit        string
	Description string
	// Labels are the attribute keys every measurement carries, in order.
	// The set is fixed: nothing else is ever added.
	Labels []string
	// Buckets are a histogram's explicit bucket upper bounds.
	Buckets []float64
	// Source says what records the metric, for the docs.
	Source string
	// External instruments are created by a library (the OpenTelemetry
	// runtime and host instrumentation), not from this table; they are
	// declared here so that they are documented and named like the rest.
	External bool
}

// Metric names, for code that records or reads them.
const (
	StageFramesIn        = "streampipe.stage.frames.in"
	StageFramesOut       = "streampipe.stage.frames.out"
	StageFramesDropped   = "streampipe.stage.frames.dropped"
	StageFramesSkipped   = "streampipe.stage.frames.skipped"
	StageProcessDuration = "streampipe.stage.process.duration"
	StageQueueLength     = "streampipe.stage.queue.length"
	StageQueueCapacity   = "streampipe.stage.queue.capacity"
	StageBlockedTime     = "streampipe.stage.blocked.time"
	StageErrors          = "streampipe.stage.errors"
	StageState           = "streampipe.stage.state"

	CaptureInterval = "streampipe.capture.interval"
	CaptureJitter   = "streampipe.capture.jitter"
	CaptureRestarts = "streampipe.capture.restarts"

	BatchSize         = "streampipe.batch.size"
	BatchWaitDuration = "streampipe.batch.wait.duration"

	WSConnectionsActive  = "streampipe.websocket.connections.active"
	WSConnectionsOpened  = "streampipe.websocket.connections.opened"
	WSConnectionsClosed  = "streampipe.websocket.connections.closed"
	WSConnectionsRefused = "streampipe.websocket.connections.refused"
	WSSessionDuration    = "streampipe.websocket.session.duration"
	WSClients            = "streampipe.websocket.clients"
	WSQualityChanges     = "streampipe.websocket.quality.changes"
	WSMessagesSent       = "streampipe.websocket.messages.sent"
	WSFramesSent         = "streampipe.websocket.frames.sent"
	WSBytesSent          = "streampipe.websocket.bytes.sent"
	WSSendQueueDepth     = "streampipe.websocket.send_queue.depth"
	WSFrameLatency       = "streampipe.websocket.frame.latency"

	PluginRestarts          = "streampipe.plugin.restarts"
	PluginFailures          = "streampipe.plugin.failures"
	PluginUp                = "streampipe.plugin.up"
	PluginRoundTripDuration = "streampipe.plugin.round_trip.duration"

	ProcessMemoryUsage        = "process.memory.usage"
	ProcessCPUUtilization     = "process.cpu.utilization"
	SystemCPUUtilization      = "system.cpu.utilization"
	StreampipeDiskUsage       = "streampipe.disk.usage"
	StreampipeDiskUtilization = "streampipe.disk.utilization"

	GoMemoryUsed        = "go.memory.used"
	GoMemoryLimit       = "go.memory.limit"
	GoMemoryGCGoal      = "go.memory.gc.goal"
	GoMemoryAllocated   = "go.memory.allocated"
	GoMemoryAllocations = "go.memory.allocations"
	GoGoroutineCount    = "go.goroutines"
	GoProcessorLimit    = "go.processor.limit"
	GoConfigGOGC        = "go.config.gogc"
	ProcessCPUTime      = "process.cpu.time"
	SystemCPUTime       = "system.cpu.time"
	SystemMemoryUsage   = "system.memory.usage"
	SystemMemoryUtil    = "system.memory.utilization"
	SystemNetworkIO     = "system.network.io"

	// TargetInfo is not an instrument: the Prometheus exporter writes the
	// OpenTelemetry resource (service name and version, SDK) as this one
	// series, so that queries can join on it.
	TargetInfo = "target_info"

	RedisLatency = "streampipe.redis.latency"

	AlertTransitions   = "streampipe.alert.transitions"
	AlertNotifications = "streampipe.alert.notifications"
)

// Label keys. Values are bounded: stage names, kinds and paths come from
// the configuration file, reasons and codes from small fixed sets.
const (
	LabelPipeline  = "pipeline"
	LabelStage     = "stage"
	LabelKind      = "kind" // the stage kind's ID, such as "capture.exec"
	LabelReason    = "reason"
	LabelTier      = "tier"
	LabelCode      = "code" // a WebSocket close code, as a number
	LabelFrom      = "from"
	LabelTo        = "to"
	LabelState     = "state"
	LabelDirection = "direction"
	LabelPath      = "path"
)

// Bucket boundaries.
var (
	// SecondsBuckets suit latencies and processing times: sub-millisecond
	// steps at the bottom, and boundaries at exactly 100 ms and 200 ms
	// with neighbours close by, so that "p95 over 100 ms" and "p99 over
	// 200 ms" are answered from bucket edges, not interpolation.
	SecondsBuckets = []float64{
		0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03,
		0.04, 0.05, 0.06, 0.075, 0.09, 0.1, 0.11, 0.125, 0.15, 0.175, 0.2,
		0.225, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10,
	}
	// SessionBuckets suit WebSocket session lengths: a second to a day.
	SessionBuckets = []float64{1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400}
	// BatchBuckets suit batch sizes; the default rule set warns outside
	// 1..5, so every size up to 6 has its own bucket.
	BatchBuckets = []float64{1, 2, 3, 4, 5, 6, 8, 10, 16, 32, 64, 128, 255}
	// QueueBuckets suit per-client send queue depths, in messages.
	QueueBuckets = []float64{0, 1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128, 256}
	// PluginRoundTripBuckets are the plugin supervisor's own round-trip
	// buckets: 50 µs doubling to about 13 s. The histogram is exported
	// from the supervisor's counts, so its bounds are the supervisor's.
	//
	// The supervisor's bounds are whole nanoseconds; each is converted
	// with one division, so a bound is the double nearest its decimal
	// value and prints as that value (1.6384, not the 1.6383999999999999
	// that doubling a float, or Duration.Seconds, arrives at).
	PluginRoundTripBuckets = func() []float64 {
		var b []float64
		for d := 50 * time.Microsecond; d < 15*time.Second; d *= 2 {
			b = append(b, seconds(d))
		}
		return b
	}()
)

// Label sets shared by several instruments.
var (
	stageLabels  = []string{LabelPipeline, LabelStage, LabelKind}
	nameLabels   = []string{LabelPipeline, LabelStage}
	tierLabels   = []string{LabelPipeline, LabelStage, LabelTier}
	pluginLabels = []string{LabelPipeline, LabelStage, LabelKind}
)

// Sources, for the docs.
const (
	srcRuntime   = "runtime (every stage)"
	srcObserver  = "runtime observer (every stage)"
	srcCapture   = "runtime observer (capture stages)"
	srcBatch     = "batch stage"
	srcWebSocket = "websocket sink"
	srcPlugin    = "plugin supervisor"
	srcProcess   = "gopsutil"
	srcGoRuntime = "OpenTelemetry runtime instrumentation"
	srcHost      = "OpenTelemetry host instrumentation"
	srcExporter  = "OpenTelemetry Prometheus exporter"
	srcRedis     = "reserved: recorded once Redis state exists"
)

// Instruments returns the table of every standard metric, grouped by
// family. The slice is a copy; change the table in this file.
func Instruments() []Instrument {
	out := make([]Instrument, len(table))
	copy(out, table)
	return out
}

// Lookup returns the declaration of the metric called name (its
// OpenTelemetry name).
func Lookup(name string) (Instrument, bool) {
	for _, in := range table {
		if in.Name == name {
			return in, true
		}
	}
	return Instrument{}, false
}

var table = []Instrument{
	// Every stage, from the runtime's accounting.
	{Name: StageFramesIn, Kind: Counter, Observable: true, Unit: "{frame}",
		Description: "Frames that reached the stage's input.",
		Labels:      stageLabels, Source: srcRuntime},
	{Name: StageFramesOut, Kind: Counter, Observable: true, Unit: "{frame}",
		Description: "Frames the stage emitted downstream (once per emit, whatever the number of sinks).",
		Labels:      stageLabels, Source: srcRuntime},
	{Name: StageFramesDropped, Kind: Counter, Observable: true, Unit: "{frame}",
		Description: "Frames the stage discarded, by reason: buffer_full, slow_client, shutdown, " +
			"plugin_error, invalid, truncated.",
		Labels: append(stageLabels[:3:3], LabelReason), Source: srcRuntime},
	{Name: StageFramesSkipped, Kind: Counter, Observable: true, Unit: "{frame}",
		Description: "Frames left out on purpose, such as by tier decimation; not drops.",
		Labels:      stageLabels, Source: srcRuntime},
	{Name: StageProcessDuration, Kind: Histogram, Number: Float64, Unit: "s",
		Description: "Time spent on each message: every Process or Consume call, measured by the " +
			"runtime; stages that run their own loop report their work: a capture per frame (render " +
			"or read, and handing it on, including time blocked downstream), the quality stage per " +
			"frame when it re-encodes (decoding, scaling, encoding), a plugin stage per batch answered (its round trip less the wait behind " +
			"the batch before it). Buffers, batchers and a quality stage that only picks frames for " +
			"its tiers do too little per frame to time, and record none.",
		Labels: stageLabels, Buckets: SecondsBuckets, Source: srcObserver},
	{Name: StageQueueLength, Kind: Gauge, Observable: true, Unit: "{message}",
		Description: "Messages waiting in the stage's input link, or in its own queue for buffers. " +
			"Before the batch stage a message is one frame.",
		Labels: stageLabels, Source: srcRuntime},
	{Name: StageQueueCapacity, Kind: Gauge, Observable: true, Unit: "{message}",
		Description: "Capacity of the queue measured by streampipe.stage.queue.length; " +
			"their ratio is the buffer utilization.",
		Labels: stageLabels, Source: srcRuntime},
	{Name: StageBlockedTime, Kind: Counter, Observable: true, Number: Float64, Unit: "s",
		Description: "Time the stage spent blocked sending downstream because the next input was full. " +
			"Its rate names the stage held back by the one after it.",
		Labels: stageLabels, Source: srcRuntime},
	{Name: StageErrors, Kind: Counter, Observable: true, Unit: "{error}",
		Description: "Errors that failed the stage.",
		Labels:      stageLabels, Source: srcRuntime},
	{Name: StageState, Kind: Gauge, Observable: true, Unit: "{state}",
		Description: "1 for the stage's current health state, 0 for the others: starting, ok, degraded, " +
			"failed, stopping, stopped.",
		Labels: append(stageLabels[:3:3], LabelState), Source: srcRuntime},

	// Capture.
	{Name: CaptureInterval, Kind: Histogram, Number: Float64, Unit: "s",
		Description: "Time between the capture times of consecutive frames a source emits.",
		Labels:      stageLabels, Buckets: SecondsBuckets, Source: srcCapture},
	{Name: CaptureJitter, Kind: Histogram, Number: Float64, Unit: "s",
		Description: "Distance of each capture interval from the nominal interval (1/fps).",
		Labels:      stageLabels, Buckets: SecondsBuckets, Source: srcCapture},
	{Name: CaptureRestarts, Kind: Counter, Unit: "{restart}",
		Description: "Times a capture source was restarted after its command or input ended.",
		Labels:      nameLabels, Source: "capture stages"},

	// Batch.
	{Name: BatchSize, Kind: Histogram, Unit: "{frame}",
		Description: "Frames per batch the batch stage emits, per tier.",
		Labels:      tierLabels, Buckets: BatchBuckets, Source: "runtime observer (batch stages)"},
	{Name: BatchWaitDuration, Kind: Histogram, Number: Float64, Unit: "s",
		Description: "Time a batch waited in the batch stage, from its first frame's arrival to its emission. " +
			"Recorded when the stage has a window; with window 0 batches form from frames already waiting.",
		Labels: tierLabels, Buckets: SecondsBuckets, Source: srcBatch},

	// WebSocket sink.
	{Name: WSConnectionsActive, Kind: UpDownCounter, Unit: "{connection}",
		Description: "Open client connections.",
		Labels:      nameLabels, Source: srcWebSocket},
	{Name: WSConnectionsOpened, Kind: Counter, Unit: "{connection}",
		Description: "Client connections accepted.",
		Labels:      nameLabels, Source: srcWebSocket},
	{Name: WSConnectionsClosed, Kind: Counter, Unit: "{connection}",
		Description: "Client connections ended, by reason (client_closed, end_of_stream, shutdown, " +
			"pipeline_failed, slow_client, write_timeout, ping_timeout, too_big, connection_lost, other) " +
			"and close code (codes the sink does not use itself count as 0).",
		Labels: []string{LabelPipeline, LabelStage, LabelReason, LabelCode}, Source: srcWebSocket},
	{Name: WSConnectionsRefused, Kind: Counter, Unit: "{connection}",
		Description: "Client connections refused after the upgrade, by reason: full (max_clients reached, " +
			"close code 1013), origin (the page's origin is not in allowed_origins, 1008), closing (the " +
			"sink was shutting down, 1001), internal (the sink could not build the hello, 1011).",
		Labels: []string{LabelPipeline, LabelStage, LabelReason}, Source: srcWebSocket},
	{Name: WSSessionDuration, Kind: Histogram, Number: Float64, Unit: "s",
		Description: "Length of ended client sessions.",
		Labels:      nameLabels, Buckets: SessionBuckets, Source: srcWebSocket},
	{Name: WSClients, Kind: UpDownCounter, Unit: "{client}",
		Description: "Connected clients per quality tier.",
		Labels:      tierLabels, Source: srcWebSocket},
	{Name: WSQualityChanges, Kind: Counter, Unit: "{change}",
		Description: "Tier changes of connected clients, from and to a tier, by reason (requested, " +
			"slow_client, recovered).",
		Labels: []string{LabelPipeline, LabelStage, LabelFrom, LabelTo, LabelReason}, Source: srcWebSocket},
	{Name: WSMessagesSent, Kind: Counter, Unit: "{message}",
		Description: "Frame messages written to client sockets, per tier.",
		Labels:      tierLabels, Source: srcWebSocket},
	{Name: WSFramesSent, Kind: Counter, Unit: "{frame}",
		Description: "Frames written to client sockets, per tier (a message holds one or more).",
		Labels:      tierLabels, Source: srcWebSocket},
	{Name: WSBytesSent, Kind: Counter, Unit: "By",
		Description: "Bytes of frame messages written to client sockets, per tier.",
		Labels:      tierLabels, Source: srcWebSocket},
	{Name: WSSendQueueDepth, Kind: Histogram, Unit: "{message}",
		Description: "Depth of a client's send queue, sampled as each message is queued for it.",
		Labels:      tierLabels, Buckets: QueueBuckets, Source: srcWebSocket},
	{Name: WSFrameLatency, Kind: Histogram, Number: Float64, Unit: "s",
		Description: "Time from a frame's capture to the write of its message to a client socket, per tier.",
		Labels:      tierLabels, Buckets: SecondsBuckets, Source: srcWebSocket},

	// Plugin stages.
	{Name: PluginRestarts, Kind: Counter, Observable: true, Unit: "{restart}",
		Description: "Plugin processes started to replace a failed one.",
		Labels:      pluginLabels, Source: srcPlugin},
	{Name: PluginFailures, Kind: Counter, Observable: true, Unit: "{failure}",
		Description: "Plugin crashes, exits, timeouts and failed starts.",
		Labels:      pluginLabels, Source: srcPlugin},
	{Name: PluginUp, Kind: Gauge, Observable: true, Unit: "",
		Description: "1 while a plugin process is running and answering, else 0.",
		Labels:      pluginLabels, Source: srcPlugin},
	{Name: PluginRoundTripDuration, Kind: Histogram, Observable: true, Number: Float64, Unit: "s",
		Description: "Time from sending a batch to a plugin to receiving its answer.",
		Labels:      pluginLabels, Buckets: PluginRoundTripBuckets, Source: srcPlugin},

	// Process and host, sampled with gopsutil.
	{Name: ProcessMemoryUsage, Kind: Gauge, Observable: true, Unit: "By",
		Description: "Resident set size (RSS) of the streampipe process.",
		Source:      srcProcess},
	{Name: ProcessCPUUtilization, Kind: Gauge, Observable: true, Number: Float64, Unit: "1",
		Description: "CPU used by the process since the previous sample, as a share of all cores (0 to 1). " +
			"Measured over at least 0.9 s (the sampling interval, if longer); absent until the first such " +
			"interval has passed.",
		Source: srcProcess},
	{Name: SystemCPUUtilization, Kind: Gauge, Observable: true, Number: Float64, Unit: "1",
		Description: "CPU used by the whole machine since the previous sample, as a share of all cores (0 to 1). " +
			"Measured like process.cpu.utilization.",
		Source: srcProcess},
	{Name: StreampipeDiskUsage, Kind: Gauge, Observable: true, Unit: "By",
		Description: "Bytes used on the file system holding each path streampipe writes to.",
		Labels:      []string{LabelPath}, Source: srcProcess},
	{Name: StreampipeDiskUtilization, Kind: Gauge, Observable: true, Number: Float64, Unit: "1",
		Description: "Share of the file system holding each path streampipe writes to that is used (0 to 1).",
		Labels:      []string{LabelPath}, Source: srcProcess},

	// Go runtime and host, from the OpenTelemetry instrumentation
	// libraries; their labels are theirs.
	{Name: GoMemoryUsed, Kind: UpDownCounter, Observable: true, Unit: "By", External: true,
		Description: "Memory used by the Go runtime: go.memory.type=stack for goroutine stacks, " +
			"other for the heap and runtime structures.",
		Labels: []string{"go.memory.type"}, Source: srcGoRuntime},
	{Name: GoMemoryLimit, Kind: UpDownCounter, Observable: true, Unit: "By", External: true,
		Description: "The Go runtime's memory limit; present only when one is set (GOMEMLIMIT).",
		Source:      srcGoRuntime},
	{Name: GoMemoryGCGoal, Kind: UpDownCounter, Observable: true, Unit: "By", External: true,
		Description: "Heap size target of the next garbage collection.",
		Source:      srcGoRuntime},
	{Name: GoMemoryAllocated, Kind: Counter, Observable: true, Unit: "By", External: true,
		Description: "Bytes allocated on the heap since the process started.",
		Source:      srcGoRuntime},
	{Name: GoMemoryAllocations, Kind: Counter, Observable: true, Unit: "{allocation}", External: true,
		Description: "Heap allocations since the process started.",
		Source:      srcGoRuntime},
	{Name: GoGoroutineCount, Kind: UpDownCounter, Observable: true, Unit: "{goroutine}", External: true,
		Description: "Live goroutines. The instrumentation calls it go.goroutine.count; a view renames it, " +
			"since Prometheus reserves the _count suffix for histograms and summaries.",
		Source: srcGoRuntime},
	{Name: GoProcessorLimit, Kind: UpDownCounter, Observable: true, Unit: "{thread}", External: true,
		Description: "Threads that may run Go code at once (GOMAXPROCS).",
		Source:      srcGoRuntime},
	{Name: GoConfigGOGC, Kind: UpDownCounter, Observable: true, Unit: "%", External: true,
		Description: "The garbage collector's heap growth target, GOGC (100 unless set).",
		Source:      srcGoRuntime},
	{Name: ProcessCPUTime, Kind: Counter, Observable: true, Number: Float64, Unit: "s", External: true,
		Description: "CPU time used by the process, by cpu.mode (user, system).",
		Labels:      []string{"cpu.mode"}, Source: srcHost},
	{Name: SystemCPUTime, Kind: Counter, Observable: true, Number: Float64, Unit: "s", External: true,
		Description: "CPU time of the whole machine, summed over its logical CPUs, by cpu.mode (user, " +
			"system, idle, other: nice, iowait, interrupts, steal and guests).",
		Labels: []string{"cpu.mode"}, Source: srcHost},
	{Name: SystemMemoryUsage, Kind: UpDownCounter, Observable: true, Unit: "By", External: true,
		Description: "Memory of the machine, by system.memory.state (used, free).",
		Labels:      []string{"system.memory.state"}, Source: srcHost},
	{Name: SystemMemoryUtil, Kind: Gauge, Observable: true, Number: Float64, Unit: "1", External: true,
		Description: "Share of the machine's memory by system.memory.state (used, free), 0 to 1.",
		Labels:      []string{"system.memory.state"}, Source: srcHost},
	{Name: SystemNetworkIO, Kind: Counter, Observable: true, Unit: "By", External: true,
		Description: "Bytes the machine's network interfaces moved, by network.io.direction " +
			"(receive = in, transmit = out).",
		Labels: []string{"network.io.direction"}, Source: srcHost},

	// The resource, written by the Prometheus exporter.
	{Name: TargetInfo, Kind: Gauge, Observable: true, External: true,
		Description: "Always 1; its labels describe the process: service.name (streampipe), " +
			"service.version, and the OpenTelemetry SDK's name, language and version. Only in the " +
			"Prometheus exposition; OTLP carries the same as the resource of every metric.",
		Labels: []string{"service.name", "service.version", "telemetry.sdk.language", "telemetry.sdk.name",
			"telemetry.sdk.version"},
		Source: srcExporter},

	// Alerts, from the alert engine (package alerting).
	{Name: AlertTransitions, Kind: Counter, Unit: "{transition}",
		Description: "State changes of alert instances (inactive, pending, firing, resolved), per rule.",
		Labels:      []string{"alert", "severity", LabelFrom, LabelTo}, Source: "alert engine"},
	{Name: AlertNotifications, Kind: Counter, Unit: "{notification}",
		Description: "Notifications of alert hooks (log, webhook, exec) by result: delivered, failed " +
			"(after its retries) or dropped (the hook's queue was full, or it was still busy at shutdown).",
		Labels: []string{"alert", "hook", "result"}, Source: "alert engine"},

	// Redis, reserved for the state issue.
	// TODO: record streampipe.redis.latency once the state issue adds Redis.
	{Name: RedisLatency, Kind: Histogram, Number: Float64, Unit: "s",
		Description: "Round trip of Redis commands. Declared now so rules and dashboards can name it; " +
			"recorded once Redis state exists.",
		Buckets: SecondsBuckets, Source: srcRedis},
}
