package plugins

import (
	"time"
)

// warnInterval is the shortest time between two lines of one repeated
// warning of a plugin stage. Problems that come per message or per frame
// are counted, and logged at most once per interval with the count since
// the previous line.
const warnInterval = 10 * time.Second

// Repeated warnings of a plugin stage. Their messages are constants, so
// that docs/logging.md can list them.
const (
	msgProcessError    = "plugin could not process frames"
	msgInvalidOutput   = "plugin output frames dropped as invalid"
	msgTooLargeOutput  = "plugin output frames larger than max_message_size dropped"
	msgTooLargeInput   = "frame larger than max_message_size dropped"
	msgLogLinesDropped = "plugin log lines dropped over the rate limit"
)

// warnKind names a repeated warning of a plugin stage.
type warnKind int

const (
	// warnProcessError: the plugin answered messages with an error.
	warnProcessError warnKind = iota
	// warnInvalidOutput: frames the plugin returned broke the rules of
	// sdk.Stage.Process.
	warnInvalidOutput
	// warnTooLargeOutput: the plugin dropped frames that would not fit
	// in its answer.
	warnTooLargeOutput
	// warnTooLargeInput: frames too large to send to the plugin.
	warnTooLargeInput
	numWarnKinds
)

// tally accumulates one warning between two of its lines.
type tally struct {
	frames int       // frames concerned since the previous line
	reason string    // the latest reason, from the warning's fixed set
	err    string    // the latest error, as text
	since  time.Time // the first occurrence since the previous line
	logged time.Time // when the previous line was logged; zero for never
}

// add counts frames and reports whether a line is due now: the first
// occurrence after a quiet interval is logged at once.
func (t *tally) add(now time.Time, frames int, reason, err string) bool {
	if t.frames == 0 {
		t.since = now
	}
	t.frames += frames
	t.reason, t.err = reason, err
	return now.Sub(t.logged) >= warnInterval
}

// take returns what has accumulated and starts a new interval.
func (t *tally) take(now time.Time) tally {
	out := *t
	*t = tally{logged: now}
	return out
}

// warn counts a repeated problem and logs it when a line is due. It is
// called from the Run goroutine only.
func (s *Stage) warn(k warnKind, frames int, reason, err string) {
	now := time.Now()
	if t := &s.tallies[k]; t.add(now, frames, reason, err) {
		s.logWarning(k, t.take(now), now)
	}
}

// flushWarnings logs the counts that have waited a whole interval, or,
// with all, every count left (at the end of Run).
func (s *Stage) flushWarnings(all bool) {
	now := time.Now()
	for k := range s.tallies {
		t := &s.tallies[k]
		if t.frames > 0 && (all || now.Sub(t.logged) >= warnInterval) {
			s.logWarning(warnKind(k), t.take(now), now)
		}
	}
}

// logWarning logs one line of a repeated warning: frames is the count
// since the previous line, duration the time they span, reason and error
// the latest occurrence's.
func (s *Stage) logWarning(k warnKind, t tally, now time.Time) {
	args := []any{"reason", t.reason, "frames", t.frames, "duration", now.Sub(t.since), "error", t.err}
	switch k {
	case warnProcessError:
		s.log.Warn(msgProcessError, args...)
	case warnInvalidOutput:
		s.log.Warn(msgInvalidOutput, args...)
	case warnTooLargeOutput:
		s.log.Warn(msgTooLargeOutput, args...)
	case warnTooLargeInput:
		s.log.Warn(msgTooLargeInput, args...)
	}
}
