// Package discard provides the discard sink, which accepts every message
// and does nothing with it. It exists for benchmarks and for trying a
// pipeline out: the runtime still counts what reaches it.
package discard

import (
	"context"

	"github.com/streampipe/streampipe/pipeline"
)

// Kind is the discard sink kind, declared in HCL as `sink "discard" {}`.
var Kind = pipeline.Kind{
	Family:    pipeline.FamilySink,
	Name:      "discard",
	Summary:   "Drop every frame (for benchmarks and trials)",
	Stability: pipeline.StabilityStable,
	Doc: "Accepts every message and throws it away, at no cost. The " +
		"pipeline's statistics still count the frames that reach it, which " +
		"makes it the sink for measuring the stages in front of it.",
	New: func(_ *pipeline.Config, env pipeline.Env) (any, error) {
		return New(Options{}, env), nil
	},
}

// Options configure a discard sink; there is nothing to configure.
type Options struct{}

// Sink is the discard sink. It implements [pipeline.Sink].
type Sink struct{}

// New returns a discard sink.
func New(Options, pipeline.Env) *Sink { return &Sink{} }

// Consume implements [pipeline.Sink]: it does nothing.
func (*Sink) Consume(context.Context, pipeline.Message) error { return nil }

// Interface guards.
var _ pipeline.Sink = (*Sink)(nil)
