package buffer

import "github.com/streampipe/streampipe/pipeline"

// Kind is the buffer stage kind, declared in HCL as `buffer { ... }`.
var Kind = pipeline.Kind{
	Family:    pipeline.FamilyBuffer,
	Summary:   "Bounded frame queue with a drop policy",
	Stability: pipeline.StabilityBeta,
	Doc: "A bounded FIFO of frames between a fast or bursty upstream and a " +
		"slower downstream. It reads its input as fast as it arrives and " +
		"hands frames on in order, one per message, keeping their tier. " +
		"When full it evicts the oldest frames (drop_oldest, the default: " +
		"viewers see the freshest picture), discards the incoming ones " +
		"(drop_newest), or stops reading (block: backpressure up to the " +
		"capture). Dropped frames are counted as buffer_full.",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{
		{
			Name: "capacity",
			Type: pipeline.TypeInt,
			Doc: "Most frames held. Each costs its payload in memory; more " +
				"capacity absorbs longer stalls but adds that many frame " +
				"intervals of latency when the buffer runs full.",
			Default: DefaultCapacity,
			Range:   "[1,100000]",
		},
		{
			Name: "on_full",
			Type: pipeline.TypeString,
			Doc: "What a full buffer does with the next frame: drop_oldest " +
				"evicts the oldest queued frame, drop_newest discards the " +
				"incoming one, block stops reading until there is room.",
			Default: string(DropOldest),
			OneOf:   []string{string(DropOldest), string(DropNewest), string(Block)},
		},
	}},
	New: newFromConfig,
}

// newFromConfig is the Kind's factory.
func newFromConfig(c *pipeline.Config, env pipeline.Env) (any, error) {
	// The decoder has checked ranges and allowed values already; these
	// checks keep a hand-built Config from reaching New's zero defaults.
	if n := c.Int("capacity"); n < 1 || n > MaxCapacity {
		return nil, c.Errorf("capacity", "Capacity out of range",
			"capacity is %d; it must be between 1 and %d frames.", n, MaxCapacity)
	}
	opts := Options{
		Capacity: c.Int("capacity"),
		OnFull:   Policy(c.String("on_full")),
	}
	b, err := New(opts, env)
	if err != nil {
		return nil, c.Errorf("on_full", "Invalid buffer settings", "%v.", err)
	}
	return b, nil
}
