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

// FrameToProto converts a frame for the wire, sharing its payload.
func FrameToProto(f *pipeline.Frame) *pb.Frame {
	return &pb.Frame{
		Seq:              f.Seq,
		CapturedUnixNano: f.Captured.UnixNano(),
		ContentType:      f.ContentType,
		Payload:          f.Payload,
	}
}

// FrameFromProto converts a frame from the wire. It takes the payload.
func FrameFromProto(f *pb.Frame) *pipeline.Frame {
	return pipeline.NewFrame(f.Seq, time.Unix(0, f.CapturedUnixNano), f.ContentType, f.Payload)
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
