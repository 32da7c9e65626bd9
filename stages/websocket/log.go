package websocket

import (
	"sync/atomic"
	"time"
)

// logLimiter lets a repeated log line through at most once per interval,
// so a flood of refused connections cannot flood the log.
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
