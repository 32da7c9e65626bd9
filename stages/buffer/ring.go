package buffer

import "github.com/streampipe/streampipe/pipeline"

// entry is one queued frame and the tier of the message it came in.
type entry struct {
	tier  string
	frame *pipeline.Frame
}

// ring is a FIFO of entries. It grows by doubling up to its limit and never
// beyond, so a large capacity costs memory only once it is used. It is not
// safe for concurrent use.
type ring struct {
	buf   []entry
	head  int // index of the oldest entry
	n     int // entries queued
	limit int
}

func newRing(limit int) *ring {
	return &ring{buf: make([]entry, min(limit, 16)), limit: limit}
}

func (r *ring) len() int   { return r.n }
func (r *ring) full() bool { return r.n >= r.limit }

// push appends e. The caller makes room first: pushing onto a full ring
// panics, because that would break the memory bound.
func (r *ring) push(e entry) {
	if r.full() {
		panic("buffer: push onto a full ring")
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = e
	r.n++
}

// pop removes and returns the oldest entry; ok is false when r is empty.
func (r *ring) pop() (e entry, ok bool) {
	if r.n == 0 {
		return entry{}, false
	}
	e = r.buf[r.head]
	// Clear the slot so the ring does not keep the frame alive.
	r.buf[r.head] = entry{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return e, true
}

// grow doubles the backing array, capped at the limit, keeping the order.
func (r *ring) grow() {
	size := min(max(2*len(r.buf), 1), r.limit)
	buf := make([]entry, size)
	for i := 0; i < r.n; i++ {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}
