package capture

import "github.com/streampipe/streampipe/pipeline"

// SyntheticKind is capture "synthetic": a generated test pattern.
var SyntheticKind = pipeline.Kind{
	Family: pipeline.FamilyCapture,
	Name:   "synthetic",
	Summary: "Generate a test pattern (colour bars, a moving block, frame number " +
		"and time); needs nothing installed.",
	Stability: pipeline.StabilityAlpha,
	Doc: `Draws frames in the process itself: colour bars over a grey ramp, a
block that moves every frame, and a caption with the frame's sequence
number and the time it was drawn, so a viewer can see at a glance that
frames flow, in order, and how late they arrive. It is the default capture
and the one to test a pipeline with.

Frames are paced on a clock aligned to the first frame; when encoding
cannot keep up, missed frame slots are skipped (and counted) rather than
sent in a burst. JPEG encoding is the cost: a few milliseconds of one core
per frame at 640x360, growing with the pixel count.

    capture "synthetic" {
      fps    = 30
      width  = 1280
      height = 720
    }`,
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{
			Name: "fps", Type: pipeline.TypeNumber, Default: DefaultFPS, Range: fpsRange,
			Doc: `Frames per second. Default 30. Encoding cost grows with it.`,
		},
		{
			Name: "width", Type: pipeline.TypeInt, Default: DefaultWidth, Range: "[16,7680]",
			Doc: `Frame width in pixels. Default 640. Encoding cost grows with the pixel count.`,
		},
		{
			Name: "height", Type: pipeline.TypeInt, Default: DefaultHeight, Range: "[16,4320]",
			Doc: `Frame height in pixels. Default 360. The caption scales with it.`,
		},
		{
			Name: "jpeg_quality", Type: pipeline.TypeInt, Default: DefaultJPEGQuality, Range: "[1,100]",
			Doc: `JPEG quality from 1 (smallest) to 100 (best). Default 75. Higher ` +
				`quality means larger frames and slightly slower encoding.`,
		},
		{
			Name: "frames", Type: pipeline.TypeInt, Default: 0, Range: "[0,]",
			Doc: `End the stream after this many frames, letting the pipeline drain ` +
				`and stop; for tests and benchmarks. Default 0: never end.`,
		},
	}},
	New: newSyntheticStage,
}

// newSyntheticStage is SyntheticKind's factory.
func newSyntheticStage(c *pipeline.Config, env pipeline.Env) (any, error) {
	if err := checkRanges(c); err != nil {
		return nil, err
	}
	s, err := NewSynthetic(SyntheticOptions{
		FPS:         c.Float("fps"),
		Width:       c.Int("width"),
		Height:      c.Int("height"),
		JPEGQuality: c.Int("jpeg_quality"),
		Frames:      c.Int("frames"),
	}, env)
	if err != nil {
		return nil, configError(c, err)
	}
	return s, nil
}
