package alerting

import "time"

// ringMax bounds the snapshots a ring keeps. A snapshot holds every
// series of the watched metrics (a few KiB for a few pipelines), so a
// window of many intervals, such as a day at the default 10 s interval,
// would otherwise cost hundreds of megabytes.
const ringMax = 256

// ring keeps the snapshots of the last span, oldest first.
//
// It keeps at most ringMax of them: the newest ringMax/2 one interval
// apart, and older ones thinned to at least span/(ringMax/2-3) apart
// (about 11 minutes for a day's window). A window that reaches into the
// thinned part starts at the newest snapshot at or before its start, so
// it may be longer than asked by up to that gap (rates divide by the
// true span), and max, min and avg see that part at the coarser step.
type ring struct {
	span  time.Duration
	snaps []*snapshot
	// origin is when the cumulative metrics started counting (the
	// telemetry's start), or zero while unknown.
	origin time.Time
	// minSpan is how far apart two snapshots must be before windowed
	// values are computed from them.
	minSpan time.Duration
}

// add appends s and forgets snapshots no window needs any more: it keeps
// the newest one at or before s.at-span, the base of the longest window.
// Then it thins the older snapshots (see thin).
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
		n := copy(r.snaps, r.snaps[drop:])
		clear(r.snaps[n:]) // let the dropped snapshots be collected
		r.snaps = r.snaps[:n]
	}
	if len(r.snaps) > ringMax/2 {
		r.thin()
	}
}

// thin keeps the newest ringMax/2 snapshots and, among the older ones,
// the oldest (the base of the longest window) and then each one at least
// a step after the last one kept. Over at most span plus two steps, that
// is at most ringMax/2 snapshots.
func (r *ring) thin() {
	n := len(r.snaps)
	older := n - ringMax/2
	step := r.span / (ringMax/2 - 3)
	kept := r.snaps[:1]
	for i := 1; i < n; i++ {
		s := r.snaps[i]
		if i < older && s.at.Sub(kept[len(kept)-1].at) < step {
			continue
		}
		kept = append(kept, s)
	}
	clear(r.snaps[len(kept):n])
	r.snaps = kept
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
	// ready is set once the ring holds two snapshots at least the
	// ring's minSpan apart: before that a windowed value would rest on
	// one sample (a rate of 0 at start), and there is no data.
	ready bool
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
	w.ready = len(r.snaps) > 1 && now.at.Sub(r.snaps[0].at) >= r.minSpan
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
