package batch

import (
	"errors"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Kind is the batch stage kind, declared in HCL as `batch { ... }`.
var Kind = pipeline.Kind{
	Family:    pipeline.FamilyBatch,
	Summary:   "Group frames of a tier into multi-frame messages",
	Stability: pipeline.StabilityBeta,
	Doc: "Groups consecutive frames of the same tier into messages of up to " +
		"max_size frames, never mixing tiers. With window 0 it batches only " +
		"frames already waiting (no added latency with min_size 1; up to " +
		"min_size-1 frame intervals of the tier otherwise). With window > 0 " +
		"a batch is held open at most window after its first frame, then " +
		"sent whatever its size. Everything pending is sent when the input " +
		"ends.",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{
			Name: "window",
			Type: pipeline.TypeDuration,
			Doc: "Longest a batch is held open for more frames, adding up to " +
				"that much latency. 0 batches only frames already waiting.",
			Default: time.Duration(0),
			Range:   "[0,10]",
		},
		{
			Name: "min_size",
			Type: pipeline.TypeInt,
			Doc: "With window 0, the fewest frames a batch waits for; each " +
				"frame beyond 1 can cost a frame interval of the tier. " +
				"Ignored when a window is set.",
			Default: 1,
			Range:   "[1,255]",
		},
		{
			Name:    "max_size",
			Type:    pipeline.TypeInt,
			Doc:     "Most frames in one message; at least min_size.",
			Default: DefaultMaxSize,
			Range:   "[1,255]",
		},
	}},
	Check: check,
	New:   newFromConfig,
}

// check is the Kind's Check. The decoder has checked each range; what
// remains is how they relate, plus values out of range that only a
// hand-built Config can hold.
func check(c *pipeline.Config) error {
	window, minSize, maxSize := c.Duration("window"), c.Int("min_size"), c.Int("max_size")
	var errs []error
	if window < 0 || window > MaxWindow {
		errs = append(errs, c.Errorf("window", "Window out of range",
			"window is %v; it must be between 0s and %v.", window, MaxWindow))
	}
	if minSize < 1 {
		errs = append(errs, c.Errorf("min_size", "Batch size out of range",
			"min_size is %d; it must be between 1 and %d.", minSize, MaxSize))
	} else if maxSize < minSize {
		errs = append(errs, c.Errorf("max_size", "Batch size below minimum",
			"max_size is %d but min_size is %d; a batch cannot hold fewer frames than it "+
				"waits for. Raise max_size to at least %d or lower min_size.",
			maxSize, minSize, minSize))
	}
	return errors.Join(errs...)
}

// newFromConfig is the Kind's factory.
func newFromConfig(c *pipeline.Config, env pipeline.Env) (any, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	opts := Options{
		Window:  c.Duration("window"),
		MinSize: c.Int("min_size"),
		MaxSize: c.Int("max_size"),
	}
	b, err := New(opts, env)
	if err != nil {
		return nil, c.Errorf("", "Invalid batch settings", "%v.", err)
	}
	return b, nil
}
