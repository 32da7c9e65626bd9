package plugins

import (
	"context"
	"fmt"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// inflight is a batch sent and not yet answered.
type inflight struct {
	id     uint64
	msgs   []pipeline.Message
	frames int
	sent   time.Time
}

// runState is the Run loop's bookkeeping.
type runState struct {
	in         <-chan pipeline.Message
	out        pipeline.Output
	held       *pipeline.Message // read but not yet sent: did not fit
	queue      []*inflight
	nextID     uint64
	lastAnswer time.Time
	// lastSeq is the sequence number of the last frame emitted, per tier:
	// what comes next must be greater, whatever the plugin answers.
	lastSeq map[string]uint64
}

// Run implements pipeline.Runner.
func (s *Stage) Run(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	st := &runState{in: in, out: out, lastSeq: map[string]uint64{}}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	ticker := time.NewTicker(warnInterval)
	defer ticker.Stop()
	defer s.flushWarnings(true)

	for {
		if s.mode != "" {
			return s.runDegraded(ctx, st)
		}
		sess := s.session()
		if sess == nil {
			done, err := s.recover(ctx, st)
			if done || err != nil {
				return err
			}
			continue
		}

		// Finished: input closed and every answer emitted.
		if st.in == nil && st.held == nil && len(st.queue) == 0 {
			return nil
		}

		// Read input only while the window has room.
		var input <-chan pipeline.Message
		if len(st.queue) < s.decl.InFlight && st.in != nil && st.held == nil {
			input = st.in
		}
		if st.held != nil && len(st.queue) < s.decl.InFlight {
			m := *st.held
			st.held = nil
			s.sendBatch(sess, st, m)
			continue
		}

		// Arm the timeout for the oldest batch (see answerWithin).
		if len(st.queue) > 0 {
			oldest := st.queue[0]
			start := oldest.sent
			if st.lastAnswer.After(start) {
				start = st.lastAnswer
			}
			resetTimer(timer, time.Until(start.Add(s.answerWithin(oldest))))
		} else {
			resetTimer(timer, time.Hour)
		}

		select {
		case m, ok := <-input:
			if !ok {
				st.in = nil
				continue
			}
			s.sendBatch(sess, st, m)

		case r := <-sess.results:
			if r.err != nil {
				s.fail(sess, st, failure{reason: reasonStream, err: r.err})
				continue
			}
			if err := s.answer(ctx, sess, st, r); err != nil {
				return err
			}

		case <-timer.C:
			s.fail(sess, st, failure{reason: reasonTimeout, budget: s.answerWithin(st.queue[0]), frames: st.queue[0].frames})

		case <-ticker.C:
			s.flushWarnings(false)

		case <-ctx.Done():
			s.dropQueue(st, pipeline.DropShutdown)
			return ctx.Err()
		}
	}
}

// answerWithin is how long the plugin may take to answer batch b, counted
// from when b was sent or from the plugin's previous answer, whichever is
// later (so batches queued behind a slow one do not count against it):
// batch_timeout for each frame of b. The timeout is about progress: a
// plugin that takes 100 ms a frame is never deemed hung with a
// batch_timeout of 1s, however many frames a batch gathers.
func (s *Stage) answerWithin(b *inflight) time.Duration {
	return s.decl.BatchTimeout * time.Duration(max(b.frames, 1))
}

func resetTimer(t *time.Timer, d time.Duration) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	if d < 0 {
		d = 0
	}
	t.Reset(d)
}

// sendBatch gathers first and the messages already waiting into one batch
// and queues it for sending.
func (s *Stage) sendBatch(sess *session, st *runState, first pipeline.Message) {
	limit := int(s.decl.MaxMessageSize) - 4096
	size := wire.MessageSize(first)
	if size > limit {
		s.env.Report.Drop(pipeline.DropPluginError, first.Len())
		s.warn(warnTooLargeInput, first.Len(), "too_large",
			fmt.Sprintf("a message of %d bytes, over max_message_size (%d bytes); raise max_message_size",
				size, s.decl.MaxMessageSize))
		return
	}
	b := &inflight{msgs: []pipeline.Message{first}, frames: first.Len()}
gather:
	for b.frames < s.decl.MaxBatch && st.in != nil {
		select {
		case m, ok := <-st.in:
			if !ok {
				st.in = nil
				break gather
			}
			ms := wire.MessageSize(m)
			if size+ms > limit {
				st.held = &m
				break gather
			}
			size += ms
			b.msgs = append(b.msgs, m)
			b.frames += m.Len()
		default:
			break gather
		}
	}

	st.nextID++
	b.id = st.nextID
	pbb := &pb.Batch{Id: b.id, Messages: make([]*pb.Message, len(b.msgs))}
	for i, m := range b.msgs {
		pbb.Messages[i] = wire.MessageToProto(m)
	}
	b.sent = time.Now()
	st.queue = append(st.queue, b)
	// sendq has room for the whole window, so this never blocks.
	sess.sendq <- pbb
}

func (s *Stage) dropQueue(st *runState, reason string) {
	for _, b := range st.queue {
		s.env.Report.Drop(reason, b.frames)
	}
	st.queue = nil
	if st.held != nil {
		s.env.Report.Drop(reason, st.held.Len())
		st.held = nil
	}
}

// runDegraded serves the rest of the run under on_failure "pass" or
// "drop".
func (s *Stage) runDegraded(ctx context.Context, st *runState) error {
	if st.held != nil {
		m := *st.held
		st.held = nil
		if err := s.degradedOne(ctx, st, m); err != nil {
			return err
		}
	}
	for st.in != nil {
		select {
		case m, ok := <-st.in:
			if !ok {
				return nil
			}
			if err := s.degradedOne(ctx, st, m); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// degradedOne passes m on or drops it. Passed frames keep the promise of
// increasing sequence numbers too: frames at or below the last one the
// plugin emitted on their tier are dropped as invalid.
func (s *Stage) degradedOne(ctx context.Context, st *runState, m pipeline.Message) error {
	if s.mode != PolicyPass {
		s.env.Report.Drop(pipeline.DropPluginError, m.Len())
		return nil
	}
	last := st.lastSeq[m.Tier]
	frames := m.Frames
	for len(frames) > 0 && frames[0].Seq <= last {
		frames = frames[1:]
	}
	if n := m.Len() - len(frames); n > 0 {
		s.env.Report.Drop(pipeline.DropInvalid, n)
		s.warn(warnInvalidOutput, n, "sequence",
			fmt.Sprintf("frame %d is not after frame %d, the last the plugin emitted on tier %q",
				m.Frames[0].Seq, last, m.Tier))
	}
	if len(frames) == 0 {
		return nil
	}
	st.lastSeq[m.Tier] = frames[len(frames)-1].Seq
	if len(frames) != m.Len() {
		m = pipeline.Message{Tier: m.Tier, Frames: frames}
	}
	return st.out.Emit(ctx, m)
}
