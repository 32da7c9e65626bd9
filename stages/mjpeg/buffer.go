package mjpeg

import "io"

// readSize is the initial buffer size and how far beyond maxFrame the
// buffer may grow, so that a frame just under the limit still gets a
// reasonable read.
const readSize = 64 << 10

// minFree is the least free space offered to a Read before the buffer
// grows; it keeps reads from shrinking to a few bytes as a frame fills the
// buffer.
const minFree = 4 << 10

// maxEmptyReads bounds how many times in a row the reader may return no
// data and no error.
const maxEmptyReads = 100

// fill makes room in the buffer and reads once into it. It is called when
// scan needs more input; it records the reader's error in s.err.
func (s *Splitter) fill() {
	// Decide what must stay. A kept frame stays whole; otherwise only the
	// unparsed lookahead (at most the first three bytes of a marker)
	// stays. A frame parsed up to the limit without ending will end up
	// larger than it, so from here on it is parsed but not kept.
	keep := s.pos
	if s.st != stSeek {
		if s.oversized(s.pos) {
			s.stats.DroppedBytes += int64(s.pos - s.start)
			s.start = s.pos
		} else {
			keep = s.start
		}
	}

	// Move what stays to the front of the buffer.
	if keep > 0 {
		copy(s.buf, s.buf[keep:s.end])
		s.end -= keep
		s.pos -= keep
		s.start -= keep
	}

	// Grow when little room is left. The buffer never outgrows
	// maxFrame+readSize: a kept frame has fewer than maxFrame parsed bytes
	// plus at most three of lookahead, and otherwise only the lookahead
	// stays.
	if len(s.buf)-s.end < minFree {
		n := max(2*len(s.buf), s.end+readSize)
		n = min(n, s.maxFrame+readSize)
		if n > len(s.buf) {
			b := make([]byte, n)
			copy(b, s.buf[:s.end])
			s.buf = b
		}
	}

	// Read once; scan parses whatever arrived before the error counts.
	for range maxEmptyReads {
		n, err := s.r.Read(s.buf[s.end:])
		if n < 0 || n > len(s.buf)-s.end {
			s.err = ErrBadRead
			return
		}
		s.end += n
		if err != nil {
			s.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	s.err = io.ErrNoProgress
}
