package alerting

import (
	"context"
	"log/slog"
)

// logHook writes each notification as an EventNotification log line: at
// warn level when a critical or warning alert fires (the process is
// degraded but running; error is kept for failed stages), and at info
// level for info alerts and for every resolution.
type logHook struct{ log *slog.Logger }

func (h *logHook) deliver(ctx context.Context, n Notification) error {
	level := slog.LevelInfo
	if n.State == StateFiring.String() && Severity(n.Severity) != Info {
		level = slog.LevelWarn
	}
	attrs := []any{"alert", n.Alert, "severity", n.Severity, "state", n.State,
		"value", n.Value, "threshold", n.Threshold, labelsGroup(n.Labels), "started", n.Started}
	if n.Resolved != nil {
		attrs = append(attrs, "resolved", *n.Resolved)
	}
	if n.Summary != "" {
		attrs = append(attrs, "summary", n.Summary)
	}
	h.log.Log(ctx, level, EventNotification, attrs...)
	return nil
}
