package websocket

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// logLimiter lets a repeated log line through at most once per interval,
// so a flood of problems cannot flood the log.
type logLimiter struct {
	next atomic.Int64 // Unix nanoseconds before which lines are dropped
}

func (l *logLimiter) allow(now time.Time, every time.Duration) bool {
	n := l.next.Load()
	if now.UnixNano() < n {
		return false
	}
	return l.next.CompareAndSwap(n, now.Add(every).UnixNano())
}

// Reasons a connection is refused, for the reason label of
// streampipe.websocket.connections.refused and the "client refused" line.
const (
	refusedFull     = "full"     // max_clients reached
	refusedOrigin   = "origin"   // the page's origin is not allowed
	refusedClosing  = "closing"  // the sink is shutting down
	refusedInternal = "internal" // the hello could not be built
)

// refuseLogEvery is the least time between two "client refused" lines of
// one reason.
const refuseLogEvery = time.Second

// refusalLog logs refused connections at most once per refuseLogEvery
// and reason: the first refusal at once, and those that follow within
// the window in one line at its end, whose refused key counts them. So a
// burst of 28 refusals is two lines, 1 and 27, and none goes unlogged.
// The zero value is ready; flush logs what is pending, for Close.
type refusalLog struct {
	mu      sync.Mutex
	reasons map[string]*refusals
}

// refusals is the state of one reason.
type refusals struct {
	next    time.Time   // before this, refusals wait for the timer
	pending int         // refusals not logged yet
	last    []any       // the attributes of the latest of them
	timer   *time.Timer // logs the pending ones at next; nil when none
}

// refused records a refusal for reason: attrs are the line's other
// attributes (remote, code, ...).
func (l *refusalLog) refused(log *slog.Logger, reason string, attrs ...any) {
	l.mu.Lock()
	if l.reasons == nil {
		l.reasons = map[string]*refusals{}
	}
	r := l.reasons[reason]
	if r == nil {
		r = &refusals{}
		l.reasons[reason] = r
	}
	now := time.Now()
	if r.pending == 0 && !now.Before(r.next) {
		// Nothing logged for a window: this one goes out at once.
		r.next = now.Add(refuseLogEvery)
		l.mu.Unlock()
		logRefused(log, reason, 1, attrs)
		return
	}
	r.pending++
	r.last = attrs
	if r.timer == nil {
		r.timer = time.AfterFunc(r.next.Sub(now), func() { l.flushReason(log, reason) })
	}
	l.mu.Unlock()
}

// flushReason logs the pending refusals of reason, if any.
func (l *refusalLog) flushReason(log *slog.Logger, reason string) {
	l.mu.Lock()
	r := l.reasons[reason]
	if r == nil || r.pending == 0 {
		l.mu.Unlock()
		return
	}
	n, attrs := r.pending, r.last
	r.pending, r.last, r.timer = 0, nil, nil
	r.next = time.Now().Add(refuseLogEvery)
	l.mu.Unlock()
	logRefused(log, reason, n, attrs)
}

// flush stops the timers and logs every pending refusal at once.
func (l *refusalLog) flush(log *slog.Logger) {
	l.mu.Lock()
	var reasons []string
	for reason, r := range l.reasons {
		if r.timer != nil {
			r.timer.Stop()
		}
		if r.pending > 0 {
			reasons = append(reasons, reason)
		}
	}
	l.mu.Unlock()
	for _, reason := range reasons {
		l.flushReason(log, reason)
	}
}

func logRefused(log *slog.Logger, reason string, n int, attrs []any) {
	log.Warn("client refused", append([]any{"reason", reason, "refused", n}, attrs...)...)
}
