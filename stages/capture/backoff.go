package capture

import "time"

// backoff computes the delays between restarts of a failing command:
// base, doubling on every restart up to max. A run that lasted at least
// max counts as having worked, and the next delay is base again, so a
// command that fails once a day is restarted quickly every time while one
// that fails at once is restarted ever more slowly.
type backoff struct {
	base, max time.Duration
	cur       time.Duration
}

// next returns the delay before restarting a command that ran for ran.
func (b *backoff) next(ran time.Duration) time.Duration {
	if b.cur == 0 || ran >= b.max {
		b.cur = b.base
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}
