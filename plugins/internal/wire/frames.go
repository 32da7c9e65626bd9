package wire

import (
	"time"

	"github.com/streampipe/streampipe/pipeline"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// MessageToProto converts a message for the wire. The payloads are shared,
// not copied.
func MessageToProto(m pipeline.Message) *pb.Message {
	out := &pb.Message{Tier: m.Tier, Frames: make([]*pb.Frame, len(m.Frames))}
	for i, f := range m.Frames {
		out.Frames[i] = FrameToProto(f)
	}
	return out
}

// FrameToProto converts a frame for the wire, sharing its payload. A zero
// capture time travels as 0.
func FrameToProto(f *pipeline.Frame) *pb.Frame {
	var captured int64
	if !f.Captured.IsZero() {
		captured = f.Captured.UnixNano()
	}
	return &pb.Frame{
		Seq:              f.Seq,
		CapturedUnixNano: captured,
		ContentType:      f.ContentType,
		Payload:          f.Payload,
	}
}

// FrameFromProto converts a frame from the wire. It takes the payload. A
// capture time of 0 becomes the zero time.
func FrameFromProto(f *pb.Frame) *pipeline.Frame {
	var captured time.Time
	if f.CapturedUnixNano != 0 {
		captured = time.Unix(0, f.CapturedUnixNano)
	}
	return pipeline.NewFrame(f.Seq, captured, f.ContentType, f.Payload)
}

// MessageSize estimates the encoded size of m's frames, for keeping batches
// under the message size limit.
func MessageSize(m pipeline.Message) int {
	n := len(m.Tier) + 8
	for _, f := range m.Frames {
		n += len(f.Payload) + len(f.ContentType) + 32
	}
	return n
}
