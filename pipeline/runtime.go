package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Defaults for Options.
const (
	DefaultDrainTimeout = 5 * time.Second
	DefaultLinkCapacity = 16
)

// Node is one constructed stage, ready to be linked.
type Node struct {
	Name   string
	Family Family
	Kind   string
	// Stage implements Source (first node), Processor or Runner (middle
	// nodes) or Sink (the last nodes, which all receive the same stream).
	Stage any
	Stats *Stats
	// Info describes the stream the stage emits.
	Info StreamInfo
}

// Options tune how a pipeline runs.
type Options struct {
	// DrainTimeout bounds how long frames in flight may take to reach the
	// sinks once the pipeline is asked to stop. Default 5s.
	DrainTimeout time.Duration
	// LinkCapacity is the number of messages each link between two stages
	// holds before the sender blocks. Default 16. A queue in a link has no
	// drop policy: when a stage falls behind, the link in front of it adds
	// up to LinkCapacity frame intervals of latency before backpressure
	// reaches upstream. Where latency must stay bounded, put a buffer stage
	// in front of the slow stage: a buffer's output link holds a single
	// message (see Queuer), so its drop policy governs the frames waiting.
	LinkCapacity int
	Logger       *slog.Logger
}

// Pipeline is a linked chain of stages.
type Pipeline struct {
	name      string
	nodes     []*Node
	firstSink int
	opts      Options
	log       *slog.Logger
}

// New checks the shape of the chain and returns a pipeline ready to Run.
func New(name string, nodes []Node, opts Options) (*Pipeline, error) {
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.LinkCapacity <= 0 {
		opts.LinkCapacity = DefaultLinkCapacity
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{name: name, opts: opts, log: opts.Logger.With("pipeline", name)}
	if len(nodes) < 2 {
		return nil, fmt.Errorf("pipeline %q: needs a capture and at least one sink", name)
	}
	p.firstSink = len(nodes)
	for i := range nodes {
		n := &nodes[i]
		if n.Stats == nil {
			n.Stats = NewStats(name, n.Name, n.Family, n.Kind)
		}
		switch n.Stage.(type) {
		case Source:
			if i != 0 {
				return nil, fmt.Errorf("pipeline %q: stage %q is a source but is not first", name, n.Name)
			}
		case Processor, Runner:
			if i == 0 || p.firstSink < len(nodes) {
				return nil, fmt.Errorf("pipeline %q: stage %q must stand between the capture and the sinks", name, n.Name)
			}
		case Sink:
			if i == 0 {
				return nil, fmt.Errorf("pipeline %q: the first stage %q must be a source", name, n.Name)
			}
			if p.firstSink == len(nodes) {
				p.firstSink = i
			}
		default:
			return nil, fmt.Errorf("pipeline %q: stage %q (%T) implements none of Source, Processor, Runner or Sink", name, n.Name, n.Stage)
		}
		p.nodes = append(p.nodes, n)
	}
	if _, ok := p.nodes[0].Stage.(Source); !ok {
		return nil, fmt.Errorf("pipeline %q: the first stage %q must be a source", name, p.nodes[0].Name)
	}
	if p.firstSink == len(nodes) {
		return nil, fmt.Errorf("pipeline %q: needs at least one sink", name)
	}
	return p, nil
}

// Name returns the pipeline's name.
func (p *Pipeline) Name() string { return p.name }

// Nodes returns the pipeline's stages in order.
func (p *Pipeline) Nodes() []*Node { return p.nodes }

// Stats returns a snapshot of every stage's accounting, in order.
func (p *Pipeline) Stats() []Snapshot {
	out := make([]Snapshot, len(p.nodes))
	for i, n := range p.nodes {
		out[i] = n.Stats.Snapshot()
	}
	return out
}

// StageError is the error Run returns when a stage fails.
type StageError struct {
	Pipeline, Stage string
	Err             error
}

func (e *StageError) Error() string {
	return fmt.Sprintf("pipeline %q: stage %q: %v", e.Pipeline, e.Stage, e.Err)
}

func (e *StageError) Unwrap() error { return e.Err }

// Run starts every stage, runs the pipeline until ctx is cancelled, the
// source ends or a stage fails, drains frames in flight and closes every
// stage. It returns nil after a clean stop and a *StageError when a stage
// failed to start or failed while running.
func (p *Pipeline) Run(ctx context.Context) error {
	for _, n := range p.nodes {
		n.Stats.SetHealth(HealthStarting, "")
	}
	if err := p.start(ctx); err != nil {
		// Asked to stop while starting: nothing ran, so nothing failed.
		if ctx.Err() != nil {
			p.log.Info("pipeline stopped while starting", "reason", err.Error())
			return nil
		}
		return err
	}
	p.log.Info("pipeline started", "stages", len(p.nodes))

	// Link the stages. Every node but the source gets an input channel;
	// the last middle stage (or the source) feeds all sinks through a tee.
	inputs := make([]chan Message, len(p.nodes))
	for i := 1; i < len(p.nodes); i++ {
		upstream := p.nodes[min(i, p.firstSink)-1]
		capacity := p.opts.LinkCapacity
		if _, queues := upstream.Stage.(Queuer); queues {
			capacity = 1
		}
		ch := make(chan Message, capacity)
		inputs[i] = ch
		n := p.nodes[i]
		if q, ok := n.Stage.(Queuer); ok {
			n.Stats.setQueue(q.QueueLen)
		} else {
			n.Stats.setQueue(func() (int, int) { return len(ch), cap(ch) })
		}
	}
	outputs := make([]*output, p.firstSink)
	for i := 0; i < p.firstSink; i++ {
		o := &output{from: p.nodes[i].Stats}
		targets := []int{i + 1}
		if i+1 == p.firstSink {
			targets = targets[:0]
			for j := p.firstSink; j < len(p.nodes); j++ {
				targets = append(targets, j)
			}
		}
		for _, j := range targets {
			o.links = append(o.links, link{ch: inputs[j], to: p.nodes[j].Stats})
		}
		outputs[i] = o
	}

	// The source runs under its own context so that stopping it does not
	// stop the others: they keep draining until their input closes. runCtx
	// aborts everything, when a stage fails or the drain timeout expires.
	srcCtx, stopSource := context.WithCancel(context.WithoutCancel(ctx))
	runCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSource()
	defer abort()

	failures := make(chan *StageError, len(p.nodes))
	var wg sync.WaitGroup
	for i, n := range p.nodes {
		n.Stats.SetHealth(HealthOK, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out *output
			if i < p.firstSink {
				out = outputs[i]
				defer out.close()
			}
			err := p.runNode(srcCtx, runCtx, n, inputs[i], out)
			if f := n.Stats.finisher; f != nil {
				f.Finished(n.Stats)
			}
			if err != nil && !(errors.Is(err, context.Canceled) && runCtx.Err() != nil) {
				n.Stats.errs.Add(1)
				n.Stats.SetHealth(HealthFailed, err.Error())
				failures <- &StageError{Pipeline: p.name, Stage: n.Name, Err: err}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	cause, failure := p.supervise(ctx, done, failures, stopSource, abort)

	// Count what was left in the links as dropped for shutdown, then close
	// every stage (sinks last, so they can say goodbye to their clients).
	for i := 1; i < len(p.nodes); i++ {
		for n := len(inputs[i]); n > 0; n-- {
			m := <-inputs[i]
			p.nodes[i].Stats.Drop(DropShutdown, len(m.Frames))
		}
	}
	closeCtx, cancel := context.WithTimeout(WithCause(context.WithoutCancel(ctx), cause), p.opts.DrainTimeout)
	defer cancel()
	for _, n := range p.nodes {
		if c, ok := n.Stage.(Closer); ok {
			if err := safeCall(func() error { return c.Close(closeCtx) }); err != nil {
				p.log.Warn("stage close failed", "stage", n.Name, "error", err)
				if failure == nil {
					failure = &StageError{Pipeline: p.name, Stage: n.Name, Err: fmt.Errorf("close: %w", err)}
				}
			}
		}
		if h, _ := n.Stats.Health(); h != HealthFailed {
			n.Stats.SetHealth(HealthStopped, "")
		}
	}
	if failure != nil {
		return failure
	}
	return nil
}

// supervise waits for the pipeline to end and decides why it ended.
func (p *Pipeline) supervise(ctx context.Context, done <-chan struct{}, failures <-chan *StageError,
	stopSource, abort context.CancelFunc) (Cause, *StageError) {
	// abortGrace is how long stages get to return once runCtx is
	// cancelled; a stage that ignores its context is abandoned after it.
	const abortGrace = 2 * time.Second
	var (
		timer   <-chan time.Time
		failure *StageError
		aborted bool
		cause   = CauseEndOfStream
		ctxDone = ctx.Done()
	)
	for {
		select {
		case <-done:
			return cause, failure
		case <-ctxDone:
			// Stop the source and let the frames in flight drain.
			ctxDone = nil
			cause = CauseShutdown
			p.log.Info("pipeline draining", "timeout", p.opts.DrainTimeout)
			for _, n := range p.nodes {
				n.Stats.SetHealth(HealthStopping, "draining")
			}
			stopSource()
			timer = time.After(p.opts.DrainTimeout)
		case f := <-failures:
			if failure != nil {
				continue
			}
			failure, cause, aborted = f, CauseFailure, true
			p.log.Error("stage failed, stopping pipeline", "stage", f.Stage, "error", f.Err)
			stopSource()
			abort()
			timer = time.After(abortGrace)
		case <-timer:
			if aborted {
				p.log.Error("stages did not stop in time, abandoning them", "grace", abortGrace)
				return cause, failure
			}
			var inFlight int
			for _, n := range p.nodes {
				inFlight += n.Stats.Snapshot().QueueLen
			}
			p.log.Warn("drain timeout expired, dropping frames in flight",
				"timeout", p.opts.DrainTimeout, "frames", inFlight)
			aborted = true
			abort()
			timer = time.After(abortGrace)
		}
	}
}

// start calls Start on every Starter, sinks first. On failure it closes the
// stages already started.
func (p *Pipeline) start(ctx context.Context) error {
	var started []*Node
	for i := len(p.nodes) - 1; i >= 0; i-- {
		n := p.nodes[i]
		s, ok := n.Stage.(Starter)
		if !ok {
			continue
		}
		if err := safeCall(func() error { return s.Start(ctx) }); err != nil {
			n.Stats.SetHealth(HealthFailed, err.Error())
			closeCtx, cancel := context.WithTimeout(WithCause(context.WithoutCancel(ctx), CauseFailure), p.opts.DrainTimeout)
			for _, m := range started {
				if c, ok := m.Stage.(Closer); ok {
					_ = safeCall(func() error { return c.Close(closeCtx) })
				}
			}
			cancel()
			return &StageError{Pipeline: p.name, Stage: n.Name, Err: fmt.Errorf("start: %w", err)}
		}
		started = append(started, n)
	}
	return nil
}

// runNode drives one stage until its input closes or it returns.
func (p *Pipeline) runNode(srcCtx, runCtx context.Context, n *Node, in chan Message, out *output) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	switch s := n.Stage.(type) {
	case Source:
		err = s.Run(srcCtx, out)
		if err != nil && srcCtx.Err() != nil && errors.Is(err, context.Canceled) {
			err = nil
		}
		return err
	case Runner:
		return s.Run(runCtx, in, out)
	case Processor:
		for m := range in {
			start := time.Now()
			if err := s.Process(runCtx, m, out); err != nil {
				return err
			}
			n.Stats.processedOne(len(m.Frames), time.Since(start))
		}
		return nil
	case Sink:
		for m := range in {
			start := time.Now()
			if err := s.Consume(runCtx, m); err != nil {
				return err
			}
			n.Stats.processedOne(len(m.Frames), time.Since(start))
		}
		return nil
	}
	return fmt.Errorf("unsupported stage type %T", n.Stage)
}

func safeCall(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return f()
}

type link struct {
	ch chan Message
	to *Stats
}

// output implements Output for one stage.
type output struct {
	from  *Stats
	links []link
}

func (o *output) Emit(ctx context.Context, m Message) error {
	n := len(m.Frames)
	if n == 0 {
		return nil
	}
	for _, l := range o.links {
		// Try without blocking first so the common case costs no clock
		// reads; only a blocked send is timed.
		select {
		case l.ch <- m:
		default:
			start := time.Now()
			select {
			case l.ch <- m:
			case <-ctx.Done():
				o.from.Drop(DropShutdown, n)
				return ctx.Err()
			}
			o.from.blockedNanos.Add(int64(time.Since(start)))
		}
		l.to.in.Add(uint64(n))
	}
	o.from.out.Add(uint64(n))
	if o.from.emits != nil {
		o.from.emits.Emitted(o.from, m)
	}
	return nil
}

func (o *output) close() {
	for _, l := range o.links {
		close(l.ch)
	}
}
