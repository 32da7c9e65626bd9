package alerting

import (
	"context"
	"log/slog"
)

// logHook writes each notification as an EventNotification log line, at
// error level for critical alerts that fire, warn for warnings, and info
// for the rest and for every resolution.
type logHook struct{ log *slog.Logger }

func (h *logHook) deliver(ctx context.Context, n Notification) error {
	level := slog.LevelInfo
	if n.State == StateFiring.String() {
		switch Severity(n.Severity) {
		case Critical:
			level = slog.LevelError
		case Warning:
			level = slog.LevelWarn
		}
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
