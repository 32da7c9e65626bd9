// Package discard provides the discard sink, which accepts every message
// and does nothing with it. It exists for benchmarks and for trying a
// pipeline out: the runtime still counts what reaches it. With a delay it
// simulates a slow sink.
package discard

import (
	"context"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/delay"
)

// Kind is the discard sink kind, declared in HCL as `sink "discard" {}`.
var Kind = pipeline.Kind{
	Family:    pipeline.FamilySink,
	Name:      "discard",
	Summary:   "Drop every frame (for benchmarks and trials)",
	Stability: pipeline.StabilityStable,
	Doc: "Accepts every message and throws it away, at no cost. The " +
		"pipeline's statistics still count the frames that reach it, which " +
		"makes it the sink for measuring the stages in front of it. With a " +
		"delay it takes that long over each message, simulating a slow sink " +
		"whose input queue fills and holds the pipeline back.",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{{
		Name:    "delay",
		Type:    pipeline.TypeDuration,
		Default: time.Duration(0),
		Range:   "[0,3600]",
		Doc: "How long each message is held before it is thrown away; 0 " +
			"(the default) costs nothing. A delay longer than the interval " +
			"between messages fills the sink's input queue.",
	}}},
	New: func(c *pipeline.Config, env pipeline.Env) (any, error) {
		return New(Options{Delay: c.Duration("delay")}, env), nil
	},
}

// Options configure a discard sink.
type Options struct {
	// Delay is how long Consume holds each message.
	Delay time.Duration
}

// Sink is the discard sink. It implements [pipeline.Sink].
type Sink struct {
	delay time.Duration
}

// New returns a discard sink.
func New(o Options, _ pipeline.Env) *Sink { return &Sink{delay: o.Delay} }

// Consume implements [pipeline.Sink]: it waits the delay, if any, and
// does nothing else. It returns ctx's error when the pipeline is aborted
// while it waits.
func (s *Sink) Consume(ctx context.Context, _ pipeline.Message) error {
	if s.delay <= 0 {
		return nil
	}
	return delay.Sleep(ctx, s.delay)
}

// Interface guards.
var _ pipeline.Sink = (*Sink)(nil)
