package quality

import (
	"context"
	"sync"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Run implements [pipeline.Runner]. When no tier re-encodes, frames are
// handled one by one as they arrive. Otherwise re-encoding, which costs
// milliseconds per frame, runs on Options.Workers goroutines, several
// frames at once, while frames still leave in capture order: a frame's
// messages are emitted only after those of every earlier frame.
func (s *Stage) Run(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	if s.reencodes && s.workers > 1 {
		return s.runParallel(ctx, in, out)
	}
	// Re-encoding is timed; deciding which tiers take a frame costs less
	// than timing it would, so it reports no processing time (as buffers).
	for m := range in {
		var start time.Time
		if s.reencodes {
			start = time.Now()
		}
		if err := s.Process(ctx, m, out); err != nil {
			return err
		}
		if s.reencodes {
			s.report.Processed(len(m.Frames), time.Since(start))
		}
	}
	return nil
}

// job is one frame on its way through a worker. done is closed once msgs
// holds the frame's messages.
type job struct {
	f    *pipeline.Frame
	msgs []pipeline.Message
	done chan struct{}
}

func (s *Stage) runParallel(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	// Jobs go to the workers and, in input order, to the emitter. The
	// order queue bounds the frames in flight to two per worker, so a slow
	// downstream holds back the reader (backpressure) instead of letting
	// work pile up.
	jobs := make(chan *job)
	order := make(chan *job, 2*s.workers)
	var workers sync.WaitGroup
	for range s.workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			w := s.newWorker()
			for j := range jobs {
				// Each worker reports its own rendering time; the
				// workers' times add up, and may pass the wall time.
				start := time.Now()
				j.msgs = append([]pipeline.Message(nil), w.render(j.f)...)
				s.report.Processed(1, time.Since(start))
				close(j.done)
			}
		}()
	}

	emitErr := make(chan error, 1)
	go func() {
		var err error
		for j := range order {
			<-j.done
			if err != nil {
				s.report.Drop(pipeline.DropShutdown, len(j.msgs))
				continue
			}
			for i, m := range j.msgs {
				if err = out.Emit(ctx, m); err != nil {
					s.report.Drop(pipeline.DropShutdown, len(j.msgs)-i-1)
					break
				}
			}
		}
		emitErr <- err
	}()

	// Read until the input closes, or until the emitter gives up (the
	// pipeline is aborting).
	var stopped bool
read:
	for {
		var m pipeline.Message
		var ok bool
		select {
		case m, ok = <-in:
		case <-ctx.Done():
			stopped = true
			break read
		}
		if !ok {
			break
		}
		for _, f := range m.Frames {
			j := &job{f: f, done: make(chan struct{})}
			select {
			case order <- j:
			case <-ctx.Done():
				stopped = true
				break read
			}
			jobs <- j
		}
	}
	close(jobs)
	close(order)
	workers.Wait()
	err := <-emitErr
	if stopped && err == nil {
		err = ctx.Err()
	}
	return err
}
