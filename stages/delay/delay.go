// Package delay provides the delay stage, which holds every message for a
// fixed time before passing it on. It simulates a slow processing stage:
// to see how a pipeline, its queues and its alerts behave when one stage
// cannot keep up, without writing a plugin.
package delay

import (
	"context"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Kind is the delay stage kind, declared in HCL as
// `stage "delay" "NAME" { delay = "150ms" }`.
var Kind = pipeline.Kind{
	Family:    pipeline.FamilyStage,
	Name:      "delay",
	Summary:   "Hold every message for a fixed time (simulates a slow stage)",
	Stability: pipeline.StabilityAlpha,
	Doc: "Holds each message for delay, then passes it on unchanged, one message " +
		"at a time, like a stage whose processing takes that long. It passes at " +
		"most one message per delay, so a delay longer than the interval between " +
		"messages fills its input queue and holds back the stages before it (or " +
		"makes a buffer in front of it drop). Every frame it passes arrives at the " +
		"sinks at least delay after its capture. Meant for trying out queues, " +
		"latency and alert rules.",
	Spec: pipeline.Spec{Attrs: []pipeline.Attr{{
		Name:     "delay",
		Type:     pipeline.TypeDuration,
		Required: true,
		Range:    "[0,3600]",
		Doc:      "How long each message is held.",
	}}},
	New: func(c *pipeline.Config, env pipeline.Env) (any, error) {
		return New(c.Duration("delay"), env.Report), nil
	},
}

// Stage is the delay stage. It implements [pipeline.Processor].
type Stage struct {
	delay  time.Duration
	report pipeline.Reporter
}

// New returns a stage that holds each message for d. report, when not
// nil, counts the frames held when the pipeline is aborted.
func New(d time.Duration, report pipeline.Reporter) *Stage { return &Stage{delay: d, report: report} }

// Process implements [pipeline.Processor]: it waits d, then emits m. When
// the pipeline is aborted meanwhile it counts m's frames as dropped for
// shutdown and returns ctx's error.
func (s *Stage) Process(ctx context.Context, m pipeline.Message, out pipeline.Output) error {
	if err := Sleep(ctx, s.delay); err != nil {
		if s.report != nil {
			s.report.Drop(pipeline.DropShutdown, len(m.Frames))
		}
		return err
	}
	return out.Emit(ctx, m)
}

// Sleep waits d or until ctx ends, whichever comes first, and returns
// ctx's error in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Interface guards.
var _ pipeline.Processor = (*Stage)(nil)
