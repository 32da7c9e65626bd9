package hcl

import (
	"context"
	"errors"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// testRegistry returns stage kinds shaped like the built-in ones, with fake
// stages, so the loader's mechanics can be tested on their own: decoding,
// factory errors and stream descriptions.
func testRegistry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	fps := pipeline.Attr{Name: "fps", Type: pipeline.TypeNumber, Default: 30.0, Range: "(0,]", Doc: "Frames per second."}
	for _, k := range []pipeline.Kind{
		{
			Family: pipeline.FamilyCapture, Name: "exec", Summary: "Runs a command.", Stability: pipeline.StabilityBeta,
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				{Name: "command", Type: pipeline.TypeStringList, Required: true, Doc: "The command and its arguments."},
				{Name: "format", Type: pipeline.TypeString, Default: "mjpeg", OneOf: []string{"mjpeg"}},
				fps,
				{Name: "dir", Type: pipeline.TypePath, Default: "."},
				{Name: "on_exit", Type: pipeline.TypeString, Default: "restart", OneOf: []string{"restart", "stop"}},
				{Name: "restart_backoff", Type: pipeline.TypeDuration, Default: time.Second, Range: "(0,]"},
				{Name: "max_backoff", Type: pipeline.TypeDuration, Default: 30 * time.Second, Range: "(0,]"},
				{Name: "max_frame_size", Type: pipeline.TypeSize, Default: int64(16 << 20), Range: "[1024,]"},
				{Name: "stderr_lines", Type: pipeline.TypeInt, Default: 20, Range: "[0,]"},
			}},
			New: newFakeSource,
		},
		{
			Family: pipeline.FamilyCapture, Name: "synthetic", Stability: pipeline.StabilityStable,
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				fps,
				{Name: "width", Type: pipeline.TypeInt, Default: 640, Range: "[16,7680]"},
				{Name: "height", Type: pipeline.TypeInt, Default: 360, Range: "[16,4320]"},
				{Name: "jpeg_quality", Type: pipeline.TypeInt, Default: 80, Range: "[1,100]"},
				{Name: "frames", Type: pipeline.TypeInt, Default: 0, Range: "[0,]"},
			}},
			New: newFakeSource,
		},
		{
			Family: pipeline.FamilyCapture, Name: "files",
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				{Name: "path", Type: pipeline.TypePath, Required: true},
				fps,
				{Name: "loop", Type: pipeline.TypeBool, Default: false},
			}},
			New: newFakeSource,
		},
		{
			Family: pipeline.FamilyBuffer,
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				{Name: "capacity", Type: pipeline.TypeInt, Default: 10, Range: "[1,]"},
				{Name: "on_full", Type: pipeline.TypeString, Default: "drop_oldest",
					OneOf: []string{"drop_oldest", "drop_newest", "block"}},
			}},
			New: func(*pipeline.Config, pipeline.Env) (any, error) { return fakeRunner{}, nil },
		},
		{
			Family: pipeline.FamilyQuality,
			Spec: pipeline.Spec{
				Attrs: []pipeline.Attr{{Name: "default", Type: pipeline.TypeString}},
				Blocks: []pipeline.BlockSpec{{
					Name: "tier", Labels: []string{"name"},
					Spec: pipeline.Spec{Attrs: []pipeline.Attr{
						{Name: "fps", Type: pipeline.TypeNumber, Required: true, Range: "(0,]"},
						{Name: "scale", Type: pipeline.TypeNumber, Default: 1.0, Range: "(0,1]"},
						{Name: "jpeg_quality", Type: pipeline.TypeInt, Range: "[1,100]"},
					}},
				}},
			},
			New: newFakeQuality,
		},
		{
			Family: pipeline.FamilyBatch,
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				{Name: "window", Type: pipeline.TypeDuration, Default: time.Duration(0), Range: "[0,]"},
				{Name: "min_size", Type: pipeline.TypeInt, Default: 1, Range: "[1,]"},
				{Name: "max_size", Type: pipeline.TypeInt, Default: 5, Range: "[1,]"},
			}},
			New: newFakeBatch,
		},
		{
			Family: pipeline.FamilySink, Name: "websocket",
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				{Name: "listen", Type: pipeline.TypeString, Default: "127.0.0.1:8080"},
				{Name: "path", Type: pipeline.TypeString, Default: "/stream"},
				{Name: "allowed_origins", Type: pipeline.TypeStringList},
				{Name: "max_message_size", Type: pipeline.TypeSize, Default: int64(8 << 20)},
				{Name: "viewer", Type: pipeline.TypeBool, Default: true},
			}},
			New: newFakeSink,
		},
		{
			Family: pipeline.FamilySink, Name: "file",
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{
				{Name: "path", Type: pipeline.TypePath, Required: true},
				{Name: "format", Type: pipeline.TypeString, Default: "mjpeg", OneOf: []string{"mjpeg", "jpeg"}},
				{Name: "tier", Type: pipeline.TypeString},
			}},
			New: newFakeSink,
		},
		{Family: pipeline.FamilySink, Name: "discard", New: newFakeSink},
		{
			Family: pipeline.FamilyStage, Name: "tag",
			Spec: pipeline.Spec{Attrs: []pipeline.Attr{{Name: "settings", Type: pipeline.TypeAny}}},
			New:  func(*pipeline.Config, pipeline.Env) (any, error) { return fakeProcessor{}, nil },
		},
	} {
		r.MustRegister(k)
	}
	return r
}

// fakeSource records the configuration its factory received.
type fakeSource struct {
	fps float64
	cfg *pipeline.Config
}

func (fakeSource) Run(context.Context, pipeline.Output) error { return nil }
func (s fakeSource) Describe(pipeline.StreamInfo) pipeline.StreamInfo {
	return pipeline.StreamInfo{FPS: s.fps, ContentType: pipeline.ContentTypeJPEG}
}

func newFakeSource(c *pipeline.Config, _ pipeline.Env) (any, error) {
	return fakeSource{fps: c.Float("fps"), cfg: c}, nil
}

type fakeRunner struct{}

func (fakeRunner) Run(context.Context, <-chan pipeline.Message, pipeline.Output) error { return nil }

type fakeProcessor struct{}

func (fakeProcessor) Process(context.Context, pipeline.Message, pipeline.Output) error { return nil }

type fakeQuality struct{ tiers []pipeline.TierInfo }

func (fakeQuality) Process(context.Context, pipeline.Message, pipeline.Output) error { return nil }
func (q fakeQuality) Describe(up pipeline.StreamInfo) pipeline.StreamInfo {
	up.Tiers = q.tiers
	return up
}

// newFakeQuality checks each tier against the capture's rate, like the real
// quality stage, so that factory errors placed on nested blocks are tested.
func newFakeQuality(c *pipeline.Config, env pipeline.Env) (any, error) {
	var q fakeQuality
	var errs []error
	for _, t := range c.Blocks("tier") {
		if env.Upstream.FPS > 0 && t.Float("fps") > env.Upstream.FPS {
			errs = append(errs, t.Errorf("fps", "Tier faster than capture",
				"Tier %q asks for %g fps but the capture makes %g; lower its fps.",
				t.Label(0), t.Float("fps"), env.Upstream.FPS))
		}
		q.tiers = append(q.tiers, pipeline.TierInfo{Name: t.Label(0), FPS: t.Float("fps"), Scale: t.Float("scale")})
	}
	if len(q.tiers) == 0 {
		q.tiers = []pipeline.TierInfo{{Name: "high", FPS: 30, Scale: 1}}
	}
	return q, errors.Join(errs...)
}

type fakeBatch struct{ info pipeline.BatchInfo }

func (fakeBatch) Run(context.Context, <-chan pipeline.Message, pipeline.Output) error { return nil }
func (b fakeBatch) Describe(up pipeline.StreamInfo) pipeline.StreamInfo {
	up.Batch = b.info
	return up
}

func newFakeBatch(c *pipeline.Config, _ pipeline.Env) (any, error) {
	if c.Int("max_size") < c.Int("min_size") {
		return nil, c.Errorf("max_size", "Invalid batch size",
			"max_size (%d) is smaller than min_size (%d); raise max_size.", c.Int("max_size"), c.Int("min_size"))
	}
	return fakeBatch{pipeline.BatchInfo{Window: c.Duration("window"), MinSize: c.Int("min_size"), MaxSize: c.Int("max_size")}}, nil
}

// fakeSink records what its factory saw.
type fakeSink struct {
	cfg *pipeline.Config
	env pipeline.Env
}

func (fakeSink) Consume(context.Context, pipeline.Message) error { return nil }

func newFakeSink(c *pipeline.Config, env pipeline.Env) (any, error) {
	return &fakeSink{cfg: c, env: env}, nil
}
