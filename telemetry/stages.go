package telemetry

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/streampipe/streampipe/pipeline"
)

// attached is one pipeline t reports.
type attached struct {
	p      *pipeline.Pipeline
	stages []*stageObserver
}

func newAttached(t *Telemetry, p *pipeline.Pipeline) *attached {
	a := &attached{p: p}
	for _, n := range p.Nodes() {
		a.stages = append(a.stages, newStageObserver(t, p.Name(), n))
	}
	return a
}

// KindLabel returns the value of the kind label for a stage: the family,
// or "family.name" for families with several kinds ("capture.exec").
func KindLabel(f pipeline.Family, kind string) string {
	if kind == "" {
		return string(f)
	}
	return string(f) + "." + kind
}

// stageObserver is installed as the Observer of one stage's Stats. It
// records the histograms the runtime feeds it and holds the stage's
// precomputed attribute sets, so recording allocates nothing.
type stageObserver struct {
	// Padding: lastCapture is written per frame by the capture's
	// goroutine; other stages' observers must not share its cache line.
	_        [cacheLine]byte
	node     *pipeline.Node
	pipeline string
	kind     string

	attrs      attribute.Set
	stateAttrs [pipeline.HealthStopped + 1]metric.ObserveOption

	meter   metric.Meter
	hists   *histRegistry
	process recorder
	// locals are the recorders accumulating in this stage's goroutine,
	// published by Finished.
	locals []*localHistogram
	// single is set when the stage is known to emit from its own
	// goroutine only, so its emit measurements may accumulate locally.
	single bool

	// Capture stages: the previous frame's capture time, touched only by
	// the source's goroutine, and the nominal interval (0: unknown).
	interval, jitter recorder
	lastCapture      time.Time
	nominal          time.Duration
	log              *slog.Logger
	lastLogged       time.Time

	// Batch stages: batch size per tier, found by a linear search (a
	// handful of tiers).
	batchSizes []tierRecorder
	_          [cacheLine]byte
}

// tierRecorder is one tier's series of a histogram.
type tierRecorder struct {
	tier string
	rec  recorder
}

func newStageObserver(t *Telemetry, pipelineName string, n *pipeline.Node) *stageObserver {
	s := &stageObserver{node: n, pipeline: pipelineName, kind: KindLabel(n.Family, n.Kind)}
	s.attrs = attribute.NewSet(
		attribute.String(LabelPipeline, pipelineName),
		attribute.String(LabelStage, n.Name),
		attribute.String(LabelKind, s.kind),
	)
	for h := range s.stateAttrs {
		kv := append(s.attrs.ToSlice(), attribute.String(LabelState, pipeline.Health(h).String()))
		s.stateAttrs[h] = metric.WithAttributeSet(attribute.NewSet(kv...))
	}
	s.meter, s.hists = t.meter, &t.hists
	s.single = singleEmitter(n)
	// The runtime calls Processed for a Processor or Sink from the stage's
	// goroutine only, so that processing time accumulates locally. A
	// Source or Runner reports its own, perhaps from goroutines of its
	// own (the quality stage's workers), so it is recorded with atomic
	// adds. Its Stats sum the time already; the histogram takes its sum
	// from there.
	s.process = s.local(t.hists.getWithSum(StageProcessDuration, s.attrs,
		func() float64 { return n.Stats.Snapshot().ProcessTime.Seconds() }), runtimeDriven(n))

	switch n.Family {
	case pipeline.FamilyCapture:
		s.log = t.log.With("pipeline", pipelineName, "stage", n.Name)
		s.interval = s.local(t.hists.get(CaptureInterval, s.attrs), s.single)
		s.jitter = s.local(t.hists.get(CaptureJitter, s.attrs), s.single)
		if n.Info.FPS > 0 {
			s.nominal = time.Duration(float64(time.Second) / n.Info.FPS)
		}
	case pipeline.FamilyBatch:
		for _, tier := range n.Info.Tiers {
			s.batchSizes = append(s.batchSizes, s.newBatchSize(tier.Name))
		}
	}
	return s
}

func (s *stageObserver) newBatchSize(tier string) tierRecorder {
	h := s.hists.get(BatchSize, tierSet(s.pipeline, s.node.Name, tier))
	return tierRecorder{tier: tier, rec: s.local(h, s.single)}
}

// local returns h itself, or a local accumulator of it published by
// Finished when the measurements come from the stage's goroutine only.
func (s *stageObserver) local(h *atomicHistogram, single bool) recorder {
	if !single {
		return h
	}
	l := newLocalHistogram(h)
	s.locals = append(s.locals, l)
	return l
}

// singleEmitter reports whether the stage's emits are serialized, so that
// measurements of them may accumulate in plain fields. A source's are: its
// sequence numbers must strictly increase in emit order, and the runtime
// closes its output when Run returns, so whatever goroutine emits does so
// in turn, ordered by the source's own synchronization, before Run
// returns and Finished runs. The built-in batcher emits from its Run
// goroutine. Other stages may emit concurrently; their emits (none are
// measured today) would be recorded with atomic adds.
func singleEmitter(n *pipeline.Node) bool {
	switch n.Family {
	case pipeline.FamilyCapture:
		return true
	case pipeline.FamilyBatch:
		return n.Kind == ""
	}
	return false
}

// runtimeDriven reports whether the runtime calls the stage per message
// (Process or Consume) rather than handing it its loop (Run).
func runtimeDriven(n *pipeline.Node) bool {
	switch n.Stage.(type) {
	case pipeline.Source, pipeline.Runner:
		return false
	}
	return true
}

// Finished implements pipeline.Finisher: it publishes what the stage's
// goroutine accumulated.
func (s *stageObserver) Finished(*pipeline.Stats) {
	for _, l := range s.locals {
		l.publish()
	}
}

// tierSet is the label set of a per-tier series.
func tierSet(pipelineName, stage, tier string) attribute.Set {
	return attribute.NewSet(
		attribute.String(LabelPipeline, pipelineName),
		attribute.String(LabelStage, stage),
		attribute.String(LabelTier, tier),
	)
}

// observer returns what to install on the stage's Stats: s itself for
// stages whose emits are measured (captures, batchers), else a view of s
// without Emitted, so the runtime makes no call per emit for them.
func (s *stageObserver) observer() pipeline.Observer {
	if s.interval != nil || s.node.Family == pipeline.FamilyBatch {
		return s
	}
	return (*plainObserver)(s)
}

// plainObserver is a stageObserver without Emitted, so it does not
// implement pipeline.EmitObserver; converting costs nothing.
type plainObserver stageObserver

// Processed implements pipeline.Observer.
func (p *plainObserver) Processed(_ *pipeline.Stats, _ int, d time.Duration) {
	p.process.record(d.Seconds())
}

// Dropped implements pipeline.Observer.
func (p *plainObserver) Dropped(*pipeline.Stats, string, int) {}

// Finished implements pipeline.Finisher.
func (p *plainObserver) Finished(st *pipeline.Stats) { (*stageObserver)(p).Finished(st) }

// Processed implements pipeline.Observer.
func (s *stageObserver) Processed(_ *pipeline.Stats, _ int, d time.Duration) {
	s.process.record(d.Seconds())
}

// Dropped implements pipeline.Observer. Drops are read from the Stats when
// metrics are collected and logged per interval, so nothing happens here.
func (s *stageObserver) Dropped(*pipeline.Stats, string, int) {}

// Emitted implements pipeline.EmitObserver: capture intervals and jitter
// from a source's frames, batch sizes from a batcher's messages.
func (s *stageObserver) Emitted(_ *pipeline.Stats, m pipeline.Message) {
	switch {
	case s.interval != nil:
		for _, f := range m.Frames {
			if !s.lastCapture.IsZero() {
				d := f.Captured.Sub(s.lastCapture)
				s.interval.record(d.Seconds())
				if s.nominal > 0 {
					s.jitter.record((d - s.nominal).Abs().Seconds())
				}
				s.logCaptureTiming(f, d)
			}
			s.lastCapture = f.Captured
		}
	case s.node.Family == pipeline.FamilyBatch:
		s.batchSize(m.Tier).record(float64(len(m.Frames)))
	}
}

// batchSize returns the batch size recorder of a tier. Tiers come from
// the stream description, so a tier missing from it is unexpected; it is
// recorded under its name all the same (still bounded by the
// configuration).
func (s *stageObserver) batchSize(tier string) recorder {
	for i := range s.batchSizes {
		if s.batchSizes[i].tier == tier {
			return s.batchSizes[i].rec
		}
	}
	// Only the batcher's goroutine emits, so appending is safe.
	tr := s.newBatchSize(tier)
	s.batchSizes = append(s.batchSizes, tr)
	return tr.rec
}

// registerStageCallbacks creates the observable instruments read from
// every attached stage's Stats and registers the one callback that reads
// them.
func (t *Telemetry) registerStageCallbacks() error {
	m := t.meter
	in, err1 := int64ObservableCounter(m, StageFramesIn)
	out, err2 := int64ObservableCounter(m, StageFramesOut)
	dropped, err3 := int64ObservableCounter(m, StageFramesDropped)
	skipped, err4 := int64ObservableCounter(m, StageFramesSkipped)
	qlen, err5 := int64ObservableGauge(m, StageQueueLength)
	qcap, err6 := int64ObservableGauge(m, StageQueueCapacity)
	blocked, err7 := float64ObservableCounter(m, StageBlockedTime)
	errs, err8 := int64ObservableCounter(m, StageErrors)
	state, err9 := int64ObservableGauge(m, StageState)
	if err := firstError(err1, err2, err3, err4, err5, err6, err7, err8, err9); err != nil {
		return err
	}
	pluginInsts, err := newPluginObservables(m)
	if err != nil {
		return err
	}

	insts := []metric.Observable{in, out, dropped, skipped, qlen, qcap, blocked, errs, state}
	insts = append(insts, pluginInsts.list()...)
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, a := range t.attachedPipelines() {
			for _, s := range a.stages {
				snap := s.node.Stats.Snapshot()
				opt := metric.WithAttributeSet(s.attrs)
				o.ObserveInt64(in, int64(snap.FramesIn), opt)
				o.ObserveInt64(out, int64(snap.FramesOut), opt)
				o.ObserveInt64(skipped, int64(snap.Skipped), opt)
				o.ObserveInt64(errs, int64(snap.Errors), opt)
				o.ObserveFloat64(blocked, snap.Blocked.Seconds(), opt)
				if snap.QueueCap > 0 {
					o.ObserveInt64(qlen, int64(snap.QueueLen), opt)
					o.ObserveInt64(qcap, int64(snap.QueueCap), opt)
				}
				for _, reason := range snap.DropReasons() {
					kv := append(s.attrs.ToSlice(), attribute.String(LabelReason, reason))
					o.ObserveInt64(dropped, int64(snap.Drops[reason]), metric.WithAttributes(kv...))
				}
				for h, stateOpt := range s.stateAttrs {
					v := int64(0)
					if pipeline.Health(h) == snap.Health {
						v = 1
					}
					o.ObserveInt64(state, v, stateOpt)
				}
				pluginInsts.observe(o, s)
			}
		}
		return nil
	}, insts...)
	return err
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
