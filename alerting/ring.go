package alerting

import "time"

// ring keeps the snapshots of the last span, oldest first.
//
// TODO: keep fewer snapshots when the interval is much shorter than the
// longest window (a 100 ms interval with 5 m windows keeps 3000); every
// window only needs its base and, for max/min/avg, per-interval values.
type ring struct {
	span  time.Duration
	snaps []*snapshot
	// origin is when the cumulative metrics started counting (the
	// telemetry's start), or zero while unknown.
	origin time.Time
}

// add appends s and forgets snapshots no window needs any more: it keeps
// the newest one at or before s.at-span, the base of the longest window.
func (r *ring) add(s *snapshot, origin time.Time) {
	if !origin.IsZero() && (r.origin.IsZero() || origin.Before(r.origin)) {
		r.origin = origin
	}
	r.snaps = append(r.snaps, s)
	cutoff := s.at.Add(-r.span)
	drop := 0
	for drop+1 < len(r.snaps) && !r.snaps[drop+1].at.After(cutoff) {
		drop++
	}
	if drop > 0 {
		r.snaps = append(r.snaps[:0], r.snaps[drop:]...)
	}
}

// window is what one rule sees: the newest snapshot, the base its
// increases are measured from, and the snapshots within its span.
type window struct {
	now *snapshot
	// base is the snapshot increases start from; nil means the origin,
	// when every cumulative metric was zero.
	base   *snapshot
	baseAt time.Time
	// within holds the snapshots at or after now.at-length, oldest first,
	// ending with now.
	within []*snapshot
}

// span returns the seconds between the base and now.
func (w *window) span() float64 { return w.now.at.Sub(w.baseAt).Seconds() }

// window returns the window of the given length ending at the newest
// snapshot, and false while there is no snapshot yet.
//
// The base is the newest snapshot at or before the window's start. While
// the ring does not reach back that far, the base is the origin when the
// metrics started counting inside the window (so the whole count lies in
// it), or else the oldest snapshot: the window is then shorter than asked.
func (r *ring) window(length time.Duration) (*window, bool) {
	if len(r.snaps) == 0 {
		return nil, false
	}
	now := r.snaps[len(r.snaps)-1]
	w := &window{now: now}
	cutoff := now.at.Add(-length)
	for i := len(r.snaps) - 1; i >= 0; i-- {
		s := r.snaps[i]
		if !s.at.Before(cutoff) {
			w.within = append(w.within, s)
		}
		if w.base == nil && !s.at.After(cutoff) {
			w.base, w.baseAt = s, s.at
		}
	}
	for i, j := 0, len(w.within)-1; i < j; i, j = i+1, j-1 {
		w.within[i], w.within[j] = w.within[j], w.within[i]
	}
	if w.base == nil {
		switch {
		case !r.origin.IsZero() && !r.origin.Before(cutoff) && r.origin.Before(now.at):
			w.baseAt = r.origin
		case r.snaps[0] != now:
			w.base, w.baseAt = r.snaps[0], r.snaps[0].at
		default:
			// One snapshot and no origin: nothing to measure an
			// increase against; baseAt equals now, so span is 0.
			w.base, w.baseAt = now, now.at
		}
	}
	return w, true
}
