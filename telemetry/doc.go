// Package telemetry is streampipe's standard instrumentation: the table of
// every metric the runtime, the built-in stages and the process export,
// the OpenTelemetry meter provider that creates them, the Prometheus and
// OTLP exporters, and the telemetry HTTP server with /metrics, /healthz,
// /readyz and /status.
//
// # One declaration per metric
//
// [Instruments] lists every metric once: its OpenTelemetry name, kind,
// unit (UCUM), description, fixed label keys and, for histograms, bucket
// boundaries. The same table creates the instruments, generates
// docs/metrics.md and gives each metric's name as Prometheus scrapes it
// ([Instrument.PrometheusName]), so rules and dashboards can name metrics
// without guessing how the exporter rewrites them.
//
// # Who records what
//
// The runtime's accounting ([pipeline.Stats]) covers every stage: frames
// in, out, dropped and skipped, queue length, time blocked downstream and
// errors are read from it when metrics are collected, and processing time,
// capture intervals and batch sizes arrive through its observer hooks
// ([pipeline.Observer], [pipeline.EmitObserver], [pipeline.Finisher]). A
// stage author writes no metric code for those. The few facts only a
// stage knows (WebSocket connections, per-tier latency at socket write,
// batch wait time, capture restarts) are recorded through the small
// recorders of this package ([NewWebSocket], [NewBatch], [NewCapture]),
// built from the [metric.Meter] the runtime puts in [pipeline.Env]; with
// no meter they record nothing and cost nothing. Plugin stages' restarts,
// state and round trips are read from plugins.Stage.PluginStats.
//
// The histograms measured per frame are counted by this package in the
// table's buckets without locks and handed to the SDK's readers at
// collection, which keeps the standard set within 5% of a pipeline's
// throughput (docs/benchmarks.md). To read current values in-process (the
// alert engine does), call [Telemetry.Collect].
//
// # Endpoints
//
// [Telemetry.Start] serves, on its own listener, the Prometheus
// exposition, GET /healthz, GET /readyz (200 only when every stage is ok)
// and GET /status (the graph, states, counters, rates, the bottleneck and
// alert states from an [AlertProvider]); docs/metrics.md describes them.
//
// Labels are bounded: pipeline, stage, kind, reason, tier, code, from, to,
// state, direction and path (configured paths only), and for the alert
// engine's own metrics alert, severity, hook and result (the rules and
// hooks of the configuration). No metric carries a client, session or
// frame identity.
package telemetry
