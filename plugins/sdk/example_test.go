package sdk_test

import (
	"context"
	"fmt"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/sdk"
	"github.com/streampipe/streampipe/plugins/sdk/sdktest"
)

// invert is a complete plugin stage: it inverts the payload bytes of one
// frame in every `every`, and passes the others on unchanged (which costs
// nothing: unchanged frames do not cross the process boundary again).
type invert struct{ every uint64 }

func (s *invert) Configure(_ context.Context, c *pipeline.Config, env sdk.Env) error {
	s.every = uint64(c.Int("every"))
	env.Logger.Info("configured", "every", s.every)
	return nil
}

func (s *invert) Process(_ context.Context, m pipeline.Message) ([]*pipeline.Frame, error) {
	out := make([]*pipeline.Frame, len(m.Frames))
	for i, f := range m.Frames {
		if f.Seq%s.every != 0 {
			out[i] = f
			continue
		}
		p := make([]byte, len(f.Payload))
		for j, b := range f.Payload {
			p[j] = ^b
		}
		out[i] = f.Derive(f.ContentType, p)
	}
	return out, nil
}

func (s *invert) Close(context.Context) error { return nil }

var Invert = sdk.Plugin{
	Name:    "invert",
	Version: "1.0.0",
	Summary: "Inverts every payload byte.",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{Name: "every", Type: pipeline.TypeInt, Default: 1, Range: "[1,]",
			Doc: "Invert one frame in this many."},
	}},
	New: func() sdk.Stage { return &invert{} },
}

// A plugin's main function is one call:
//
//	func main() { sdk.Serve(Invert) }
//
// Its unit tests run it in-process with sdktest.
func Example() {
	h, err := sdktest.Start(Invert, map[string]any{"every": 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()

	now := time.Now()
	m := pipeline.Message{Tier: "high", Frames: []*pipeline.Frame{
		pipeline.NewFrame(1, now, "application/octet-stream", []byte{0x00, 0x0f}),
		pipeline.NewFrame(2, now, "application/octet-stream", []byte{0x00, 0x0f}),
	}}
	out, err := h.Process(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range out {
		fmt.Printf("frame %d: % x (same frame as sent: %v)\n", f.Seq, f.Payload, f == m.Frames[f.Seq-1])
	}
	// Output:
	// frame 1: 00 0f (same frame as sent: true)
	// frame 2: ff f0 (same frame as sent: false)
}

// Settings are checked against the plugin's schema exactly as streampipe
// checks a stage block.
func Example_settings() {
	_, err := sdktest.Start(Invert, map[string]any{"every": 0})
	fmt.Println(err)
	_, err = sdktest.Start(Invert, map[string]any{"evrey": 2})
	fmt.Println(err)
	// Output:
	// sdktest: Value out of range: every must be at least 1.
	// sdktest: Unsupported argument: "evrey" is not declared by plugin invert
}
