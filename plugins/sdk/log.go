package sdk

import (
	"io"
	"log/slog"
)

// hclogTime is the timestamp layout of go-hclog's JSON format.
const hclogTime = "2006-01-02T15:04:05.000000Z07:00"

// newLogger returns a logger writing go-hclog's JSON format ("@level",
// "@message", "@timestamp" and the attributes as plain keys), one line per
// record, which the host parses and re-emits at the same level.
func newLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("@timestamp", a.Value.Time().Format(hclogTime))
			case slog.LevelKey:
				return slog.String("@level", hclogLevel(a.Value.Any().(slog.Level)))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	}))
}

// hclogLevel maps a slog level to go-hclog's level names.
func hclogLevel(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}
