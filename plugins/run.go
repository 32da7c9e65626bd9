package plugins

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// Restart backoff: the first restart waits backoffMin, each further
// consecutive failure doubles the wait, up to backoffMax.
const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
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
}

// Run implements pipeline.Runner.
func (s *Stage) Run(ctx context.Context, in <-chan pipeline.Message, out pipeline.Output) error {
	st := &runState{in: in, out: out}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()

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
			if err := s.sendBatch(sess, st, m); err != nil {
				return err
			}
			continue
		}

		// Arm the timeout for the oldest batch: the plugin must answer
		// within batch_timeout of receiving it or of its previous answer,
		// whichever is later, so queued batches do not count against it.
		if len(st.queue) > 0 {
			start := st.queue[0].sent
			if st.lastAnswer.After(start) {
				start = st.lastAnswer
			}
			resetTimer(timer, time.Until(start.Add(s.decl.BatchTimeout)))
		} else {
			resetTimer(timer, time.Hour)
		}

		select {
		case m, ok := <-input:
			if !ok {
				st.in = nil
				continue
			}
			if err := s.sendBatch(sess, st, m); err != nil {
				return err
			}

		case r := <-sess.results:
			if r.err != nil {
				s.fail(sess, st, "the plugin stopped answering", r.err)
				continue
			}
			if err := s.answer(ctx, sess, st, r); err != nil {
				return err
			}

		case <-timer.C:
			s.fail(sess, st, fmt.Sprintf("no answer within batch_timeout (%s)", s.decl.BatchTimeout), nil)

		case <-ctx.Done():
			s.dropQueue(st, pipeline.DropShutdown)
			return ctx.Err()
		}
	}
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
func (s *Stage) sendBatch(sess *session, st *runState, first pipeline.Message) error {
	limit := int(s.decl.MaxMessageSize) - 4096
	size := wire.MessageSize(first)
	if size > limit {
		s.env.Report.Drop(pipeline.DropPluginError, first.Len())
		s.log.Warn("frame larger than max_message_size dropped",
			"frames", first.Len(), "reason", fmt.Sprintf("%d bytes, limit %d; raise max_message_size", size, s.decl.MaxMessageSize))
		return nil
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
	return nil
}

// answer emits the plugin's answer to the oldest batch.
func (s *Stage) answer(ctx context.Context, sess *session, st *runState, r result) error {
	if len(st.queue) == 0 || r.batch.GetId() != st.queue[0].id {
		s.fail(sess, st, "the plugin answered out of order", fmt.Errorf("got batch %d", r.batch.GetId()))
		return nil
	}
	b := st.queue[0]
	st.queue = st.queue[1:]
	s.rtt.observe(r.at.Sub(b.sent))
	s.batches.Add(1)
	if s.consecutive > 0 {
		s.consecutive = 0
		s.env.Report.SetHealth(pipeline.HealthOK, "")
	}

	answers := r.batch.GetMessages()
	for i, m := range b.msgs {
		if i >= len(answers) {
			s.env.Report.Drop(pipeline.DropPluginError, m.Len())
			continue
		}
		a := answers[i]
		if a.GetError() != "" {
			s.env.Report.Drop(pipeline.DropPluginError, m.Len())
			s.log.Warn("plugin could not process frames", "frames", m.Len(), "error", a.GetError())
			continue
		}
		if len(a.GetFrames()) == 0 {
			continue
		}
		frames := make([]*pipeline.Frame, 0, len(a.GetFrames()))
		for _, f := range a.GetFrames() {
			if j := int(f.GetSameAs()); j > 0 {
				if j <= len(m.Frames) {
					frames = append(frames, m.Frames[j-1])
				}
				continue
			}
			frames = append(frames, wire.FrameFromProto(f))
		}
		if err := st.out.Emit(ctx, pipeline.Message{Tier: a.GetTier(), Frames: frames}); err != nil {
			return err
		}
	}
	st.lastAnswer = time.Now()
	return nil
}

// fail handles a plugin that crashed, exited or hung: it drops the frames
// in flight, kills the process and logs a crash report with the plugin's
// last stderr lines.
func (s *Stage) fail(sess *session, st *runState, reason string, err error) {
	frames := 0
	for _, b := range st.queue {
		frames += b.frames
	}
	s.dropQueue(st, pipeline.DropPluginError)
	s.setSession(nil)
	if err != nil {
		// The stream broke: the plugin is probably exiting. Give it a
		// moment, so the report shows its own exit status, not our kill.
		select {
		case <-sess.proc.conn.Exited:
		case <-time.After(500 * time.Millisecond):
		}
	}
	sess.teardown()
	s.crashes.Add(1)
	s.failures = append(s.failures, time.Now())
	s.consecutive++
	s.env.Report.SetHealth(pipeline.HealthDegraded, "plugin failed: "+reason)

	detail := reason
	if err != nil {
		detail += ": " + err.Error()
	}
	detail += "; " + sess.proc.exitStatus()
	report := errors.New(detail + tailText(sess.proc.logs.Tail()))
	if _, ok := sess.proc.outsideSignal(); ok {
		// Not the plugin's doing: say so rather than blame its author.
		s.log.Error(msgKilledFromOutside, "reason", reason, "frames", frames, "error", report)
		return
	}
	s.log.Error("plugin failed; this is a bug in the plugin, report it to its author with these lines",
		"reason", reason, "frames", frames, "error", report)
}

// msgKilledFromOutside is the crash report of a plugin that a signal
// streampipe did not send ended (see process.outsideSignal).
const msgKilledFromOutside = "plugin killed by a signal streampipe did not send; not a bug in the plugin: " +
	"find what sent it (the kernel's out-of-memory killer sends SIGKILL; see the system log)"

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

// recover restarts the plugin after a backoff, or applies on_failure once
// the restart budget is spent. Input arriving meanwhile is dropped with
// reason plugin_error. done reports that the input ended.
func (s *Stage) recover(ctx context.Context, st *runState) (done bool, err error) {
	for {
		// Nothing left to do once the input has ended: the frames the
		// failed plugin held are already counted.
		if st.in == nil {
			return true, nil
		}

		// Count failures within the window.
		cutoff := time.Now().Add(-s.decl.RestartWindow)
		kept := s.failures[:0]
		for _, t := range s.failures {
			if t.After(cutoff) {
				kept = append(kept, t)
			}
		}
		s.failures = kept
		if len(s.failures) > max(s.decl.MaxRestarts, 0) {
			return false, s.exhausted()
		}

		// Back off, exponentially in the consecutive failures.
		wait := backoffMin << min(s.consecutive-1, 10)
		wait = min(wait, backoffMax)
		if wait < 0 {
			wait = backoffMin
		}
		if done, err := s.dropFor(ctx, st, wait); done || err != nil {
			return done, err
		}

		sess, err := s.launch(ctx)
		if err != nil {
			s.crashes.Add(1)
			s.failures = append(s.failures, time.Now())
			s.consecutive++
			s.log.Error("plugin restart failed", "error", err)
			continue
		}
		s.setSession(sess)
		s.restarts.Add(1)
		s.log.Info("plugin restarted", "reason", fmt.Sprintf("pid %d, restart %d", sess.proc.pid(), s.restarts.Load()))
		return false, nil
	}
}

// dropFor drops input for d. It returns done when the input ends.
func (s *Stage) dropFor(ctx context.Context, st *runState, d time.Duration) (bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case m, ok := <-st.in:
			if !ok {
				st.in = nil
				return true, nil
			}
			s.env.Report.Drop(pipeline.DropPluginError, m.Len())
		case <-t.C:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// exhausted applies on_failure once the restart budget is spent.
func (s *Stage) exhausted() error {
	why := fmt.Sprintf("plugin failed %d times within %s (max_restarts = %d)",
		len(s.failures), s.decl.RestartWindow, max(s.decl.MaxRestarts, 0))
	switch s.decl.OnFailure {
	case PolicyPass, PolicyDrop:
		s.mode = s.decl.OnFailure
		mode := string(s.mode)
		s.degraded.Store(&mode)
		verb := map[Policy]string{PolicyPass: "passing frames through untouched", PolicyDrop: "dropping frames"}[s.mode]
		s.env.Report.SetHealth(pipeline.HealthDegraded, why+"; "+verb)
		s.log.Error("plugin given up, "+verb, "reason", why)
		return nil
	}
	return fmt.Errorf("plugin %q: %s; on_failure = \"stop\" stops the pipeline", s.decl.Name, why)
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

func (s *Stage) degradedOne(ctx context.Context, st *runState, m pipeline.Message) error {
	if s.mode == PolicyPass {
		return st.out.Emit(ctx, m)
	}
	s.env.Report.Drop(pipeline.DropPluginError, m.Len())
	return nil
}

func tailText(lines []string) string {
	if len(lines) == 0 {
		return " (the plugin wrote nothing to stderr)"
	}
	return "\nlast lines on the plugin's stderr:\n  " + strings.Join(lines, "\n  ")
}
