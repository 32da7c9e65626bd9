package mjpeg

import "bytes"

// state is where the parser is within the stream.
type state uint8

const (
	stSeek    state = iota // outside frames, looking for SOI
	stMarker               // inside a frame, expecting a marker
	stSkip                 // skipping the payload of a marker segment
	stEntropy              // in entropy-coded data after SOS
)

// JPEG marker codes (the byte after 0xFF) that the parser treats specially.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerTEM  = 0x01
	markerRST0 = 0xD0
	markerRST7 = 0xD7
)

// scan parses buf[pos:end] and returns the next complete frame, or false
// when it needs more input. It leaves pos at the first byte it could not
// yet decide about, so a marker split across two reads is parsed whole once
// the second read arrives.
func (s *Splitter) scan() ([]byte, bool) {
	for {
		switch s.st {
		case stSeek:
			i := bytes.IndexByte(s.buf[s.pos:s.end], 0xFF)
			if i < 0 {
				s.garbageTo(s.end)
				return nil, false
			}
			i += s.pos
			if i+1 >= s.end {
				// Keep the 0xFF: it may begin an SOI.
				s.garbageTo(i)
				return nil, false
			}
			if s.buf[i+1] != markerSOI {
				s.garbageTo(i + 1)
				continue
			}
			s.garbageTo(i)
			s.begin(i)

		case stMarker:
			if s.pos >= s.end {
				return nil, false
			}
			if s.buf[s.pos] != 0xFF {
				s.broken()
				continue
			}
			if s.pos+1 >= s.end {
				return nil, false
			}
			switch m := s.buf[s.pos+1]; {
			case m == 0xFF:
				// A fill byte: markers may be preceded by any number.
				s.pos++
			case m == markerSOI:
				s.cutBy(s.pos)
			case m == markerEOI:
				if frame, ok := s.complete(s.pos + 2); ok {
					return frame, true
				}
			case m == 0x00:
				s.broken()
			case m == markerTEM || (m >= markerRST0 && m <= markerRST7):
				// Standalone markers carry no length.
				s.header = true
				s.pos += 2
			default:
				if s.pos+3 >= s.end {
					return nil, false
				}
				n := int(s.buf[s.pos+2])<<8 | int(s.buf[s.pos+3])
				if n < 2 {
					s.broken()
					continue
				}
				s.header = true
				s.pos += 4
				s.skip = n - 2
				s.afterSkip = stMarker
				if m == markerSOS {
					s.afterSkip = stEntropy
				}
				s.st = stSkip
			}

		case stSkip:
			n := min(s.skip, s.end-s.pos)
			s.pos += n
			s.skip -= n
			if s.skip > 0 {
				return nil, false
			}
			s.st = s.afterSkip

		case stEntropy:
			i := bytes.IndexByte(s.buf[s.pos:s.end], 0xFF)
			if i < 0 {
				s.pos = s.end
				return nil, false
			}
			i += s.pos
			if i+1 >= s.end {
				s.pos = i
				return nil, false
			}
			switch m := s.buf[i+1]; {
			case m == 0x00 || (m >= markerRST0 && m <= markerRST7):
				// Stuffing or a restart marker: still in the scan.
				s.pos = i + 2
			case m == 0xFF:
				// Fill byte; the next 0xFF may begin a marker.
				s.pos = i + 1
			default:
				// Any other marker ends the scan: EOI, the SOI of a
				// following frame, or tables and SOS of a next scan.
				s.pos = i
				s.st = stMarker
			}
		}
	}
}

// garbageTo skips buf[pos:to] as bytes outside frames.
func (s *Splitter) garbageTo(to int) {
	s.stats.GarbageBytes += int64(to - s.pos)
	s.pos = to
}

// begin starts a frame at the SOI at buf[i].
func (s *Splitter) begin(i int) {
	s.start = i
	s.pos = i + 2
	s.st = stMarker
	s.header = false
	s.discarding = false
}

// cutBy handles an SOI at buf[i] inside a frame: the frame so far was cut
// off, and a new one begins. An SOI directly after SOI only shows that the
// first was noise.
func (s *Splitter) cutBy(i int) {
	switch {
	case s.oversized(i):
		s.stats.DroppedBytes += int64(i - s.start)
	case s.header:
		s.stats.Truncated++
		s.stats.DroppedBytes += int64(i - s.start)
	default:
		s.stats.GarbageBytes += int64(i - s.start)
	}
	s.begin(i)
}

// broken abandons a frame whose structure makes no sense. The search for
// SOI resumes right after its start, because a real frame may hide in what
// a bogus segment length made the parser skip. The bytes of an oversized
// frame are gone (or would be, had the input arrived in smaller reads), so
// for such a frame the search resumes where parsing stopped instead.
func (s *Splitter) broken() {
	if s.oversized(s.pos) {
		s.stats.DroppedBytes += int64(s.pos - s.start)
		s.discarding = false
		s.st = stSeek
		return
	}
	if s.header {
		s.stats.Invalid++
	}
	s.stats.GarbageBytes += 2 // the SOI; the rest is scanned again
	s.pos = s.start + 2
	s.st = stSeek
}

// oversized reports whether the current frame is being discarded or has
// been parsed up to buf[to] without ending although that is already the
// limit's worth of bytes; it counts the frame the first time.
//
// The test looks only at parsed bytes, never at how much input happens to
// be buffered, so the outcome does not depend on the size of reads.
func (s *Splitter) oversized(to int) bool {
	if s.discarding {
		return true
	}
	if to-s.start < s.maxFrame {
		return false
	}
	s.discarding = true
	s.stats.Oversized++
	return true
}

// complete ends the frame at buf[end-1] and returns a copy of it, or false
// when the frame was being discarded or turns out too large.
func (s *Splitter) complete(end int) ([]byte, bool) {
	n := end - s.start
	s.pos = end
	s.st = stSeek
	if s.discarding {
		s.stats.DroppedBytes += int64(n)
		s.discarding = false
		return nil, false
	}
	if n > s.maxFrame {
		s.stats.Oversized++
		s.stats.DroppedBytes += int64(n)
		return nil, false
	}
	frame := make([]byte, n)
	copy(frame, s.buf[s.start:end])
	s.stats.Frames++
	s.stats.FrameBytes += int64(n)
	return frame, true
}
