package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// tailLines is how many of a plugin's last stderr lines a crash report
// shows; maxLineLen cuts longer lines in that report.
const (
	tailLines  = 40
	maxLineLen = 1024
)

// logSink receives one plugin process's stderr (and, after the handshake,
// what it writes to os.Stdout and os.Stderr), re-emits each line on the
// stage's logger and keeps the last lines for crash reports.
//
// Lines in go-hclog's JSON format keep their level and message, and their
// fields go into a group named "plugin". Other lines are logged at info,
// except that from a Go "panic:" or "fatal error:" line on, everything is
// logged at error, so a crash's text is never hidden by the log level.
type logSink struct {
	log *slog.Logger

	mu      sync.Mutex
	partial []byte
	ring    []string
	next    int
	inPanic bool
}

func newLogSink(log *slog.Logger) *logSink {
	return &logSink{log: log, ring: make([]string, 0, tailLines)}
}

// Write implements io.Writer. go-plugin writes stderr a line at a time but
// without a guarantee, so partial lines are kept until their newline.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		s.line(string(bytes.TrimRight(s.partial[:i], "\r")))
		s.partial = s.partial[i+1:]
	}
	if len(s.partial) > 64<<10 {
		// A line this long is no log line; log what we have.
		s.line(string(s.partial))
		s.partial = s.partial[:0]
	}
	return len(p), nil
}

// Tail returns the last lines, oldest first.
func (s *logSink) Tail() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.line(string(s.partial))
		s.partial = s.partial[:0]
	}
	out := make([]string, 0, len(s.ring))
	if len(s.ring) == cap(s.ring) {
		out = append(out, s.ring[s.next:]...)
		return append(out, s.ring[:s.next]...)
	}
	return append(out, s.ring...)
}

// line handles one complete line; s.mu is held.
func (s *logSink) line(l string) {
	if strings.TrimSpace(l) == "" {
		return
	}
	kept := l
	if len(kept) > maxLineLen {
		kept = kept[:maxLineLen] + "..."
	}
	if len(s.ring) < cap(s.ring) {
		s.ring = append(s.ring, kept)
	} else {
		s.ring[s.next] = kept
		s.next = (s.next + 1) % cap(s.ring)
	}

	// TODO: rate-limit repeated lines; a plugin that logs every frame
	// floods the host's log today.
	if level, msg, fields, ok := parseHCLog(l); ok {
		if s.log.Enabled(context.Background(), level) {
			s.log.Log(context.Background(), level, msg, slog.Group("plugin", fields...))
		}
		return
	}
	if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
		s.inPanic = true
	}
	level := slog.LevelInfo
	switch {
	case s.inPanic:
		level = slog.LevelError
	case strings.HasPrefix(l, "[ERROR]"):
		level = slog.LevelError
	case strings.HasPrefix(l, "[WARN]"):
		level = slog.LevelWarn
	case strings.HasPrefix(l, "[DEBUG]"), strings.HasPrefix(l, "[TRACE]"):
		level = slog.LevelDebug
	}
	s.log.Log(context.Background(), level, l)
}

// parseHCLog parses one line of go-hclog's JSON format. Keys starting with
// "@" (level, message, timestamp, module, caller) are not passed on.
func parseHCLog(l string) (slog.Level, string, []any, bool) {
	if !strings.HasPrefix(l, "{") {
		return 0, "", nil, false
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(l), &raw); err != nil {
		return 0, "", nil, false
	}
	lv, _ := raw["@level"].(string)
	msg, ok := raw["@message"].(string)
	if !ok {
		return 0, "", nil, false
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		if !strings.HasPrefix(k, "@") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	fields := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		fields = append(fields, k, raw[k])
	}
	return hclogLevel(lv), msg, fields, true
}

func hclogLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "trace":
		return slog.LevelDebug - 4
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
