package alerting

import (
	"time"

	"github.com/streampipe/streampipe/telemetry"
)

// DefaultInterval is how often rules are evaluated when the file does not
// say.
const DefaultInterval = 10 * time.Second

// Defaults returns the default rule set, in effect when a file declares no
// alert block and included beside a file's own rules with
// `alerts { defaults = true }`. The rules have no hooks of their own:
// they use the hooks of the alerts block, or a log hook.
//
//   - critical: connection drops over 10% within 5 minutes; frame latency
//     (capture to socket write) p95 over 100 ms or p99 over 200 ms, per
//     tier; machine memory over 85%, machine CPU over 80% (averaged over
//     5 minutes), use of a disk streampipe writes to over 90%.
//   - warning: batch sizes outside 1..5; a stage queue longer than 10
//     messages; Redis command latency p95 over 50 ms (inactive until
//     Redis state records the metric).
func Defaults() []Rule {
	return []Rule{
		{
			Name: "connection_drops", Signal: SignalConnectionDropRatio,
			Compare: Comparison{Op: Above, Threshold: 0.10}, Window: 5 * time.Minute,
			Severity: Critical,
			Summary:  "More than 10% of WebSocket connections were dropped in the last 5 minutes.",
		},
		{
			Name: "frame_latency_p95", Metric: telemetry.WSFrameLatency, Aggregate: "p95",
			Compare: Comparison{Op: Above, Threshold: 0.100}, Window: 5 * time.Minute, For: time.Minute,
			Severity: Critical,
			Summary:  "95th percentile of frame latency (capture to socket write) is over 100 ms.",
		},
		{
			Name: "frame_latency_p99", Metric: telemetry.WSFrameLatency, Aggregate: "p99",
			Compare: Comparison{Op: Above, Threshold: 0.200}, Window: 5 * time.Minute, For: time.Minute,
			Severity: Critical,
			Summary:  "99th percentile of frame latency (capture to socket write) is over 200 ms.",
		},
		{
			Name: "memory", Metric: telemetry.SystemMemoryUtil,
			Labels:    map[string][]string{"system.memory.state": {"used"}},
			Aggregate: AggAvg, Compare: Comparison{Op: Above, Threshold: 0.85},
			Window: 5 * time.Minute, For: time.Minute, Severity: Critical,
			Summary: "The machine's memory is more than 85% used.",
		},
		{
			Name: "cpu", Metric: telemetry.SystemCPUUtilization,
			Aggregate: AggAvg, Compare: Comparison{Op: Above, Threshold: 0.80},
			Window: 5 * time.Minute, For: time.Minute, Severity: Critical,
			Summary: "The machine's CPUs are more than 80% busy, averaged over 5 minutes.",
		},
		{
			Name: "disk", Metric: telemetry.StreampipeDiskUtilization,
			Compare: Comparison{Op: Above, Threshold: 0.90},
			Window:  5 * time.Minute, For: time.Minute, Severity: Critical,
			Summary: "A file system streampipe writes to is more than 90% full.",
		},
		{
			Name: "batch_size", Metric: telemetry.BatchSize, Aggregate: AggMax,
			Compare: Comparison{Op: Outside, Low: 1, High: 5},
			Window:  5 * time.Minute, Severity: Warning,
			Summary: "Batches outside 1 to 5 frames were sent in the last 5 minutes.",
		},
		{
			Name: "queue_length", Metric: telemetry.StageQueueLength,
			Compare: Comparison{Op: Above, Threshold: 10},
			Window:  5 * time.Minute, For: time.Minute, Severity: Warning,
			Summary: "A stage's queue holds more than 10 messages.",
		},
		{
			Name: "redis_latency", Metric: telemetry.RedisLatency, Aggregate: "p95",
			Compare: Comparison{Op: Above, Threshold: 0.050},
			Window:  5 * time.Minute, For: time.Minute, Severity: Warning,
			Summary: "95th percentile of Redis command latency is over 50 ms.",
		},
	}
}
