package sdk

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestLoggerWritesHCLogJSON(t *testing.T) {
	for _, tc := range []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelDebug - 4, "trace"},
		{slog.LevelDebug, "debug"},
		{slog.LevelInfo, "info"},
		{slog.LevelWarn, "warn"},
		{slog.LevelError, "error"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			var buf bytes.Buffer
			newLogger(&buf, slog.LevelDebug-4).Log(t.Context(), tc.level, "hello", "frames", 3)
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("%q: %v", buf.String(), err)
			}
			if got["@level"] != tc.want || got["@message"] != "hello" || got["frames"] != 3.0 || got["@timestamp"] == nil {
				t.Errorf("line %q", buf.String())
			}
		})
	}
}
