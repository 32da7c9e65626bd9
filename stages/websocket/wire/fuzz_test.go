package wire_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/websocket/wire"
)

// FuzzDecodeBatch feeds arbitrary bytes to the decoder: it must never panic,
// and whatever it accepts must encode back to the same bytes.
func FuzzDecodeBatch(f *testing.F) {
	good, err := wire.EncodeBatch([]*pipeline.Frame{
		pipeline.NewFrame(1, time.Unix(1700000000, 5), pipeline.ContentTypeJPEG, []byte{0xff, 0xd8, 0xff, 0xd9}),
		pipeline.NewFrame(2, time.Time{}, pipeline.ContentTypeJPEG, nil),
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		good, good[:len(good)-1], append(bytes.Clone(good), 1),
		nil, []byte("SP"), []byte("SP\x01\x00"), []byte("SP\x01\x01"), []byte("SP\x02\x01"),
		[]byte("SP\x01\xff\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		frames, err := wire.DecodeBatch(b)
		if err != nil {
			if len(frames) != 0 {
				t.Fatalf("error %v came with %d frames", err, len(frames))
			}
			return
		}
		if len(frames) < 1 || len(frames) > wire.MaxFrames {
			t.Fatalf("accepted %d frames", len(frames))
		}
		in := make([]*pipeline.Frame, len(frames))
		for i, fr := range frames {
			in[i] = pipeline.NewFrame(fr.Seq, fr.Captured, pipeline.ContentTypeJPEG, fr.Payload)
		}
		again, err := wire.EncodeBatch(in)
		if err != nil {
			t.Fatalf("re-encoding an accepted batch: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted batch re-encodes differently:\n% x\n% x", b, again)
		}
	})
}
