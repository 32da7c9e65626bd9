package buffer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/streampipe/streampipe/pipeline"
)

// Policy says what a full buffer does with the next frame.
type Policy string

// The policies a buffer can apply when it is full.
const (
	// DropOldest evicts the oldest queued frame to make room.
	DropOldest Policy = "drop_oldest"
	// DropNewest discards the incoming frame.
	DropNewest Policy = "drop_newest"
	// Block stops reading the input until a frame has been handed on.
	Block Policy = "block"
)

// Policies lists every policy, in the order the reference shows them.
var Policies = []Policy{DropOldest, DropNewest, Block}

// Limits and defaults of Options.
const (
	DefaultCapacity = 10
	MaxCapacity     = 100000
)

// Options configure a buffer.
type Options struct {
	// Capacity is the most frames the buffer holds, 1 to MaxCapacity; zero
	// means DefaultCapacity. Memory grows with use up to it, never beyond.
	Capacity int
	// OnFull is what happens when a frame arrives and the buffer is full;
	// empty means DropOldest.
	OnFull Policy
}

// Buffer is the buffer stage. It implements [pipeline.Runner] and
// [pipeline.Queuer]. Run may be called once.
type Buffer struct {
	capacity int
	policy   Policy
	report   pipeline.Reporter

	mu     sync.Mutex
	q      *ring
	closed bool // the input is closed: nothing more will be pushed

	// queued mirrors q.len() so QueueLen never waits for the lock.
	queued atomic.Int64

	// ready and room carry wake-ups between the reader and the writer.
	// Each holds at most one token; a stale token only costs a re-check.
	ready chan struct{}
	room  chan struct{}
}

// New returns a buffer. env.Report receives the drops; a nil env.Report
// is allowed, which suits tests.
func New(opts Options, env pipeline.Env) (*Buffer, error) {
	if opts.Capacity == 0 {
		opts.Capacity = DefaultCapacity
	}
	if opts.Capacity < 1 || opts.Capacity > MaxCapacity {
		return nil, fmt.Errorf("buffer: capacity %d: must be between 1 and %d", opts.Capacity, MaxCapacity)
	}
	if opts.OnFull == "" {
		opts.OnFull = DropOldest
	}
	switch opts.OnFull {
	case DropOldest, DropNewest, Block:
	default:
		return nil, fmt.Errorf("buffer: on_full %q: must be one of %v", opts.OnFull, Policies)
	}
	b := &Buffer{
		capacity: opts.Capacity,
		policy:   opts.OnFull,
		report:   env.Report,
		q:        newRing(opts.Capacity),
		ready:    make(chan struct{}, 1),
		room:     make(chan struct{}, 1),
	}
	if b.report == nil {
		b.report = pipeline.NopReporter{}
	}
	return b, nil
}

// QueueLen implements [pipeline.Queuer]: the frames queued (not counting
// the one being handed on) and the capacity. It is safe from any goroutine.
func (b *Buffer) QueueLen() (n, capacity int) {
	return int(b.queued.Load()), b.capacity
}

// Run implements [pipeline.Runner]. A goroutine of its own reads in and
// applies the policy, so a blocked downstream never stops the reading
// (except under Block); Run itself hands frames on. When in closes, Run
// emits everything left and returns nil. When ctx is cancelled, it counts
// what it still holds as [pipeline.DropShutdown] and returns ctx.Err().
func (b *Buffer) Run(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	// The reader has a context of its own so that a failed emit stops it
	// even when ctx lives on.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		b.read(readCtx, in)
	}()

	err := b.write(ctx, out)

	// On abort, stop the reader and wait for it, so that nothing is pushed
	// after the count.
	if err != nil {
		stopReading()
	}
	<-readerDone
	if err != nil {
		b.mu.Lock()
		held := b.q.len()
		for b.q.len() > 0 {
			b.q.pop()
		}
		b.queued.Store(0)
		b.mu.Unlock()
		b.report.Drop(pipeline.DropShutdown, held)
		return err
	}
	return nil
}

// write hands queued frames on until the input is closed and the queue is
// empty (nil) or until an emit fails because ctx was cancelled (its error).
func (b *Buffer) write(ctx context.Context, out pipeline.Output) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}

		b.mu.Lock()
		e, ok := b.q.pop()
		closed := b.closed
		if ok {
			b.queued.Add(-1)
		}
		b.mu.Unlock()

		if !ok {
			if closed {
				return nil
			}
			select {
			case <-b.ready:
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}

		signal(b.room)
		if err := out.Emit(ctx, pipeline.Single(e.tier, e.frame)); err != nil {
			return err
		}
	}
}

// read takes messages from in until it closes or ctx is cancelled,
// queueing their frames under the buffer's policy.
func (b *Buffer) read(ctx context.Context, in <-chan pipeline.Message) {
	defer func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		signal(b.ready)
	}()
	for ctx.Err() == nil {
		// Under Block, do not even take the next message while full: it
		// stays in the link, which is how the pushback reaches upstream.
		if b.policy == Block && !b.waitRoom(ctx) {
			return
		}
		var (
			m  pipeline.Message
			ok bool
		)
		select {
		case m, ok = <-in:
		case <-ctx.Done():
			return
		}
		if !ok {
			return
		}
		if !b.push(ctx, m) {
			return
		}
	}
}

// push queues m's frames. It returns false when ctx was cancelled while
// waiting for room; the frames not queued are then counted as dropped.
func (b *Buffer) push(ctx context.Context, m pipeline.Message) bool {
	dropped := 0
	for i, f := range m.Frames {
		if b.policy == Block && !b.waitRoom(ctx) {
			b.report.Drop(pipeline.DropShutdown, len(m.Frames)-i)
			return false
		}
		b.mu.Lock()
		if b.q.full() {
			if b.policy == DropNewest {
				b.mu.Unlock()
				dropped++
				continue
			}
			// DropOldest (Block never gets here: it waited for room).
			b.q.pop()
			b.queued.Add(-1)
			dropped++
		}
		b.q.push(entry{tier: m.Tier, frame: f})
		b.queued.Add(1)
		b.mu.Unlock()
		signal(b.ready)
	}
	// One report per message keeps the drop accounting off the per-frame
	// path when a burst overflows the buffer.
	if dropped > 0 {
		b.report.Drop(pipeline.DropBufferFull, dropped)
	}
	return true
}

// waitRoom waits until the queue has room for one frame. It returns false
// when ctx is cancelled first.
func (b *Buffer) waitRoom(ctx context.Context) bool {
	for {
		b.mu.Lock()
		full := b.q.full()
		b.mu.Unlock()
		if !full {
			return true
		}
		select {
		case <-b.room:
		case <-ctx.Done():
			return false
		}
	}
}

// signal leaves a wake-up token in ch unless one is already there.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Interface guards.
var (
	_ pipeline.Runner = (*Buffer)(nil)
	_ pipeline.Queuer = (*Buffer)(nil)
)
