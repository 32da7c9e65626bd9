package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// tailLines is how many of a plugin's last stderr lines a crash report
// shows; maxLineLen cuts longer lines in that report.
const (
	tailLines  = 40
	maxLineLen = 1024
)

// maxLogLine is the most of one stderr line that is kept: the rest is cut
// off, and the line says how long it was.
const maxLogLine = 4 << 10

// A plugin's lines reach the host's log at lineRate a second on average,
// in bursts of up to lineBurst (enough for the stack trace of a panic);
// the others are counted and reported once per warnInterval. Every line
// still reaches the crash report's tail.
const (
	lineRate  = 50
	lineBurst = 500
)

// logSink receives one plugin process's stderr (and, after the handshake,
// what it writes to os.Stdout and os.Stderr), re-emits each line on the
// stage's logger and keeps the last lines for crash reports.
//
// Lines in go-hclog's JSON format keep their level and message, and their
// fields go into a group named "plugin". Other lines are logged at info,
// except that from a Go "panic:" or "fatal error:" line on, everything is
// logged at error, so a crash's text is never hidden by the log level.
//
// A line is cut at maxLogLine bytes, and lines beyond the rate of
// lineRate a second are not logged but counted.
type logSink struct {
	log *slog.Logger

	mu      sync.Mutex
	partial []byte // the current line, up to maxLogLine bytes
	lineLen int    // the current line's whole length so far
	ring    []string
	next    int
	inPanic bool
	// panicLine is the first "panic:" or "fatal error:" line.
	panicLine string

	// Rate limiting: a token bucket, and the lines it held back since
	// the last report of them.
	tokens     float64
	refilled   time.Time
	suppressed int
	since      time.Time // first line held back since the last report
	reported   time.Time // last report of held-back lines
}

func newLogSink(log *slog.Logger) *logSink {
	return &logSink{log: log, ring: make([]string, 0, tailLines), tokens: lineBurst, refilled: time.Now()}
}

// Write implements io.Writer. go-plugin writes stderr a line at a time but
// without a guarantee, so partial lines are kept until their newline.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		chunk, rest, full := bytes.Cut(p, []byte{'\n'})
		if room := maxLogLine - len(s.partial); room > 0 {
			s.partial = append(s.partial, chunk[:min(room, len(chunk))]...)
		}
		s.lineLen += len(chunk)
		if !full {
			break
		}
		s.endLine()
		p = rest
	}
	return n, nil
}

// endLine handles the line gathered so far; s.mu is held.
func (s *logSink) endLine() {
	l := string(bytes.TrimRight(s.partial, "\r"))
	if s.lineLen > len(s.partial) {
		// Cut at a character boundary, and say so.
		for range utf8.UTFMax - 1 {
			if r, size := utf8.DecodeLastRuneInString(l); r != utf8.RuneError || size != 1 {
				break
			}
			l = l[:len(l)-1]
		}
		l += fmt.Sprintf(" [line cut: %d of %d bytes]", len(l), s.lineLen)
	}
	s.partial, s.lineLen = s.partial[:0], 0
	s.line(l)
}

// Tail returns the last lines, oldest first.
func (s *logSink) Tail() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lineLen > 0 {
		s.endLine()
	}
	out := make([]string, 0, len(s.ring))
	if len(s.ring) == cap(s.ring) {
		out = append(out, s.ring[s.next:]...)
		return append(out, s.ring[:s.next]...)
	}
	return append(out, s.ring...)
}

// PanicLine returns the plugin's first "panic:" or "fatal error:" line,
// or "".
func (s *logSink) PanicLine() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.panicLine
}

// Flush reports the lines held back by the rate limit that are not
// reported yet. Call it when the process has ended.
func (s *logSink) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reportSuppressed(time.Now())
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
	if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
		s.inPanic = true
		if s.panicLine == "" {
			s.panicLine = kept
		}
	}

	if level, msg, fields, ok := parseHCLog(l); ok {
		if s.log.Enabled(context.Background(), level) && s.allow() {
			s.log.Log(context.Background(), level, msg, slog.Group("plugin", fields...))
		}
		return
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
	if s.log.Enabled(context.Background(), level) && s.allow() {
		s.log.Log(context.Background(), level, l)
	}
}

// allow takes a token for a line to log, and otherwise counts the line as
// held back; s.mu is held.
func (s *logSink) allow() bool {
	now := time.Now()
	s.tokens = min(lineBurst, s.tokens+now.Sub(s.refilled).Seconds()*lineRate)
	s.refilled = now
	if s.tokens < 1 {
		if s.suppressed == 0 {
			s.since = now
		}
		s.suppressed++
		return false
	}
	s.tokens--
	if s.suppressed > 0 && now.Sub(s.reported) >= warnInterval {
		s.reportSuppressed(now)
	}
	return true
}

// reportSuppressed logs how many lines were held back; s.mu is held.
func (s *logSink) reportSuppressed(now time.Time) {
	if s.suppressed == 0 {
		return
	}
	s.log.Warn(msgLogLinesDropped, "reason", "rate_limit", "lines", s.suppressed,
		"duration", now.Sub(s.since), "error", fmt.Sprintf("the plugin wrote more than %d lines a second "+
			"to stderr; they are in its crash report's tail but not in this log", lineRate))
	s.suppressed, s.reported = 0, now
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
