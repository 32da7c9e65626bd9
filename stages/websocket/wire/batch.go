package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Version is the protocol version: the third byte of every batch and the
// "version" field of the hello.
const Version = 1

// Batch layout.
const (
	// Magic opens every batch.
	Magic = "SP"
	// HeaderSize is the size of a batch header: magic, version, count.
	HeaderSize = 4
	// FrameHeaderSize is the size of the header before each payload:
	// sequence number (8), capture time (8), payload length (4).
	FrameHeaderSize = 20
	// MaxFrames is the most frames one batch can carry; longer runs of
	// frames must be split into several batches.
	MaxFrames = 255
	// MaxPayload is the largest payload one frame can carry.
	MaxPayload = math.MaxUint32
)

// Errors wrapped by DecodeBatch and AppendBatch.
var (
	// ErrMalformed means the bytes are not a valid batch.
	ErrMalformed = errors.New("malformed batch")
	// ErrUnsupportedVersion means the batch is of a protocol version this
	// package does not speak.
	ErrUnsupportedVersion = errors.New("unsupported batch version")
)

// Frame is one decoded frame.
type Frame struct {
	Seq uint64
	// Captured is the capture time; the zero time when the sender did not
	// know it (encoded as 0).
	Captured time.Time
	// Payload aliases the decoded message's bytes; copy it to keep it
	// beyond the buffer's life.
	Payload []byte
}

// BatchSize returns the encoded size of a batch holding frames.
func BatchSize(frames []*pipeline.Frame) int {
	n := HeaderSize
	for _, f := range frames {
		n += FrameHeaderSize + len(f.Payload)
	}
	return n
}

// AppendBatch appends the encoding of frames as one batch to dst and returns
// the extended slice. It fails when frames is empty, holds more than
// MaxFrames frames or a payload larger than MaxPayload; dst is then returned
// unchanged.
func AppendBatch(dst []byte, frames []*pipeline.Frame) ([]byte, error) {
	if len(frames) == 0 || len(frames) > MaxFrames {
		return dst, fmt.Errorf("wire: encode batch: %d frames, want 1 to %d", len(frames), MaxFrames)
	}
	for _, f := range frames {
		if uint64(len(f.Payload)) > MaxPayload {
			return dst, fmt.Errorf("wire: encode batch: frame %d: payload of %d bytes exceeds %d",
				f.Seq, len(f.Payload), uint64(MaxPayload))
		}
	}

	dst = append(dst, Magic[0], Magic[1], Version, byte(len(frames)))
	for _, f := range frames {
		dst = binary.BigEndian.AppendUint64(dst, f.Seq)
		dst = binary.BigEndian.AppendUint64(dst, uint64(unixNano(f.Captured)))
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(f.Payload)))
		dst = append(dst, f.Payload...)
	}
	return dst, nil
}

// EncodeBatch returns the encoding of frames as one batch; see AppendBatch.
func EncodeBatch(frames []*pipeline.Frame) ([]byte, error) {
	return AppendBatch(make([]byte, 0, BatchSize(frames)), frames)
}

// DecodeBatch decodes one batch. The frames' payloads alias b.
func DecodeBatch(b []byte) ([]Frame, error) {
	return DecodeBatchInto(nil, b)
}

// DecodeBatchInto decodes one batch into dst[:0], reusing its storage, and
// returns the frames. The frames' payloads alias b. On error it returns
// dst[:0] and an error wrapping ErrMalformed or ErrUnsupportedVersion.
func DecodeBatchInto(dst []Frame, b []byte) ([]Frame, error) {
	dst = dst[:0]
	if len(b) < HeaderSize {
		return dst, fmt.Errorf("wire: decode batch: %w: %d bytes is shorter than the %d-byte header",
			ErrMalformed, len(b), HeaderSize)
	}
	if b[0] != Magic[0] || b[1] != Magic[1] {
		return dst, fmt.Errorf("wire: decode batch: %w: magic %q, want %q", ErrMalformed, b[:2], Magic)
	}
	if b[2] != Version {
		return dst, fmt.Errorf("wire: decode batch: %w %d, want %d", ErrUnsupportedVersion, b[2], Version)
	}
	n := int(b[3])
	if n == 0 {
		return dst, fmt.Errorf("wire: decode batch: %w: frame count is 0", ErrMalformed)
	}

	rest := b[HeaderSize:]
	for i := range n {
		if len(rest) < FrameHeaderSize {
			return dst[:0], fmt.Errorf("wire: decode batch: %w: frame %d of %d: header needs %d bytes, %d remain",
				ErrMalformed, i+1, n, FrameHeaderSize, len(rest))
		}
		seq := binary.BigEndian.Uint64(rest[0:8])
		captured := int64(binary.BigEndian.Uint64(rest[8:16]))
		size := uint64(binary.BigEndian.Uint32(rest[16:20]))
		rest = rest[FrameHeaderSize:]
		if size > uint64(len(rest)) {
			return dst[:0], fmt.Errorf("wire: decode batch: %w: frame %d of %d declares %d payload bytes, %d remain",
				ErrMalformed, i+1, n, size, len(rest))
		}
		dst = append(dst, Frame{Seq: seq, Captured: fromUnixNano(captured), Payload: rest[:size:size]})
		rest = rest[size:]
	}
	if len(rest) != 0 {
		return dst[:0], fmt.Errorf("wire: decode batch: %w: %d bytes after the last of %d frames",
			ErrMalformed, len(rest), n)
	}
	return dst, nil
}

// unixNano encodes t, mapping the zero time (and times Unix nanoseconds
// cannot represent) to 0, which means "unknown".
func unixNano(t time.Time) int64 {
	if t.IsZero() || t.Before(minNano) || t.After(maxNano) {
		return 0
	}
	return t.UnixNano()
}

// The range of times an int64 of Unix nanoseconds holds (years 1677-2262).
var (
	minNano = time.Unix(0, math.MinInt64)
	maxNano = time.Unix(0, math.MaxInt64)
)

func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
