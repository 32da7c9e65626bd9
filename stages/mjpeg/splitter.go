package mjpeg

import (
	"errors"
	"io"
)

// DefaultMaxFrame is the frame size limit of a Splitter made with a
// non-positive limit: 16 MiB, far above any JPEG a camera or ffmpeg writes.
const DefaultMaxFrame = 16 << 20

// minMaxFrame is the smallest limit a Splitter accepts: SOI plus EOI.
const minMaxFrame = 4

// ErrBadRead is returned by Next when the underlying reader reports an
// impossible byte count, which is a bug in that reader.
var ErrBadRead = errors.New("mjpeg: reader returned an invalid byte count")

// Stats counts what a Splitter has seen. Every byte read is counted in
// exactly one of FrameBytes, GarbageBytes and DroppedBytes.
type Stats struct {
	// Frames and FrameBytes count the frames Next returned.
	Frames     int64
	FrameBytes int64
	// GarbageBytes counts bytes outside any frame: noise before or between
	// frames, and the bytes of frames abandoned as Invalid.
	GarbageBytes int64
	// Truncated counts frames cut off by the end of the stream, a read
	// error, or the start of another frame.
	Truncated int64
	// Oversized counts frames discarded for being larger than the limit.
	Oversized int64
	// Invalid counts frames abandoned because their marker structure broke
	// (a segment not starting with 0xFF, a bad segment length).
	Invalid int64
	// DroppedBytes counts the bytes of Truncated and Oversized frames.
	DroppedBytes int64
}

// Splitter reads a stream of JPEG images and returns them one at a time.
//
// It reads from its reader in chunks of up to 64 KiB and works with any read
// sizes, from one byte at a time to everything at once. A Splitter is not
// safe for concurrent use.
type Splitter struct {
	r        io.Reader
	maxFrame int

	// buf[pos:end] is input not parsed yet. While a frame is being kept,
	// buf[start:pos] holds its bytes parsed so far; while one is being
	// discarded, buf[start:pos] holds its parsed bytes not yet counted as
	// dropped.
	buf        []byte
	pos, end   int
	start      int
	st         state
	skip       int   // payload bytes left to skip in stSkip
	afterSkip  state // where to go when the skip is done
	header     bool  // a valid marker followed the frame's SOI
	discarding bool  // the current frame is oversized

	err   error // sticky error of the reader, such as io.EOF
	stats Stats
}

// NewSplitter returns a splitter reading from r that discards frames larger
// than maxFrame bytes (DefaultMaxFrame when maxFrame <= 0). It holds at most
// about maxFrame plus 64 KiB of memory. r may be nil if Reset gives the
// reader before the first Next.
func NewSplitter(r io.Reader, maxFrame int) *Splitter {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	maxFrame = max(maxFrame, minMaxFrame)
	return &Splitter{r: r, maxFrame: maxFrame}
}

// Next returns the next complete frame. The returned slice is newly
// allocated and belongs to the caller; the splitter never touches it again.
//
// At the end of the stream Next returns io.EOF, after counting a partial
// last frame as truncated and any trailing noise as garbage. Other read
// errors are returned as they are, after the same accounting. Once Next has
// returned an error it returns it again on every call, until Reset. A reader
// that keeps returning no data and no error makes Next return
// io.ErrNoProgress.
func (s *Splitter) Next() ([]byte, error) {
	for {
		if frame, ok := s.scan(); ok {
			return frame, nil
		}
		if s.err != nil {
			s.finish()
			return nil, s.err
		}
		s.fill()
	}
}

// Reset makes the splitter read a new stream from r, keeping its buffer and
// its Stats, which keep accumulating. Whatever of the old stream Next has
// not returned yet is dropped: a frame being parsed counts as truncated,
// input read but not parsed yet as garbage. After Next has reported the old
// stream's end there is nothing left to drop.
func (s *Splitter) Reset(r io.Reader) {
	s.finish()
	s.r = r
	s.pos, s.end, s.start = 0, 0, 0
	s.err = nil
}

// Stats returns the counts so far.
func (s *Splitter) Stats() Stats { return s.stats }

// finish accounts for whatever is left in the buffer once the stream has
// ended, and leaves the splitter looking for SOI in an empty buffer.
func (s *Splitter) finish() {
	switch {
	case s.st == stSeek:
		s.stats.GarbageBytes += int64(s.end - s.pos)
	case s.oversized(s.pos):
		s.stats.DroppedBytes += int64(s.end - s.start)
	default:
		s.stats.Truncated++
		s.stats.DroppedBytes += int64(s.end - s.start)
	}
	s.st = stSeek
	s.discarding = false
	s.pos, s.start = s.end, s.end
}
