package alerting

import (
	"log/slog"
	"maps"
	"slices"
)

// Log event names (the message of each line); docs/logging.md lists them
// with their keys.
const (
	// EventStateChanged: an alert instance moved from one state to
	// another. Keys: alert, severity, from, to, value, threshold, labels
	// (a group), and pipeline and stage when the labels have them.
	EventStateChanged = "alert state changed"
	// EventNotification: the log hook's notification. Keys: alert,
	// severity, state, value, threshold, labels, started, resolved,
	// summary.
	EventNotification = "alert notification"
	// EventHookFailed: a hook could not deliver a notification, or
	// notifications were dropped because its queue was full. Keys:
	// alert, hook, state, reason (delivery or queue_full), duration,
	// dropped, error.
	EventHookFailed = "alert hook failed"
	// EventEvaluationFailed: metrics could not be collected for an
	// evaluation. Keys: error.
	EventEvaluationFailed = "alert evaluation failed"
)

// labelsGroup renders labels as a "labels" group, keys sorted.
func labelsGroup(labels map[string]string) slog.Attr {
	keys := slices.Sorted(maps.Keys(labels))
	attrs := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		attrs = append(attrs, k, labels[k])
	}
	return slog.Group("labels", attrs...)
}
