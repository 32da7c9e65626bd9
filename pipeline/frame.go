package pipeline

import "time"

// ContentTypeJPEG is the content type of JPEG frames, the only payload format
// the built-in stages produce.
const ContentTypeJPEG = "image/jpeg"

// Frame is one captured image. A frame is immutable after capture: its
// payload is shared by every stage and client that holds the frame, so no
// one may write to Payload once the frame has been emitted.
type Frame struct {
	// Seq is assigned at capture and strictly increases within a pipeline,
	// across source restarts. Gaps mean frames were dropped upstream.
	Seq uint64
	// Captured is the wall-clock time of capture. Latency everywhere in
	// streampipe is measured from it.
	Captured time.Time
	// ContentType is the payload's media type, such as ContentTypeJPEG.
	ContentType string
	// Payload holds the encoded image.
	Payload []byte

	// one lets Single build a one-frame message without allocating: the
	// slice it returns points into the frame itself.
	one [1]*Frame
}

// NewFrame returns a frame. It takes ownership of payload.
func NewFrame(seq uint64, captured time.Time, contentType string, payload []byte) *Frame {
	f := &Frame{Seq: seq, Captured: captured, ContentType: contentType, Payload: payload}
	f.one[0] = f
	return f
}

// Derive returns a new frame with f's sequence number and capture time and
// the given payload, for stages that re-encode or transform frames.
func (f *Frame) Derive(contentType string, payload []byte) *Frame {
	return NewFrame(f.Seq, f.Captured, contentType, payload)
}

// Message is what travels on a link between two stages: one or more frames
// in capture order, all of the same quality tier.
type Message struct {
	// Tier names the quality tier of the frames; it is empty until a
	// quality stage assigns tiers.
	Tier string
	// Frames holds at least one frame, oldest first. Receivers must not
	// modify the slice; build a new one to change it.
	Frames []*Frame
}

// Single returns a message holding only f, without allocating.
func Single(tier string, f *Frame) Message {
	return Message{Tier: tier, Frames: f.one[:]}
}

// Len returns the number of frames in m.
func (m Message) Len() int { return len(m.Frames) }

// Sequencer hands out a pipeline's frame sequence numbers, starting at 1. A
// source keeps one for its whole life, so numbers keep increasing across
// restarts of whatever it captures from.
type Sequencer struct{ last uint64 }

// Next returns the next sequence number. It is not safe for concurrent use.
func (s *Sequencer) Next() uint64 {
	s.last++
	return s.last
}
