package capture

import "time"

// restartLogEvery is the least time between two "capture command exited,
// restarting" lines of one exec capture. A command that fails at once is
// restarted every max_backoff, which may be far shorter; the exits in
// between are counted into the next line.
const restartLogEvery = 5 * time.Second

// restartLog rate-limits an exec capture's restart lines: the first exit
// is logged at once, with the command's last stderr lines, and then at
// most one exit per interval, carrying the number of exits since the
// previous line. The zero value uses restartLogEvery. It is used from the
// capture's Run goroutine only.
type restartLog struct {
	every   time.Duration // zero: restartLogEvery; tests shorten it
	next    time.Time     // before this, exits are only counted
	skipped int           // exits not logged since the previous line
}

// exited records an exit at now. It reports whether to log it and, if
// so, how many exits the line stands for: this one and those skipped.
func (l *restartLog) exited(now time.Time) (log bool, exits int) {
	if now.Before(l.next) {
		l.skipped++
		return false, 0
	}
	every := l.every
	if every <= 0 {
		every = restartLogEvery
	}
	exits = l.skipped + 1
	l.next, l.skipped = now.Add(every), 0
	return true, exits
}
