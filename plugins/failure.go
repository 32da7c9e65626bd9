package plugins

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/streampipe/streampipe/pipeline"
)

// Restart backoff: the first restart waits backoffMin, each further
// consecutive failure doubles the wait, up to backoffMax.
const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
)

// exitWait is how long a plugin whose connection broke is given to exit
// by itself, so that its report shows its own exit status and not the
// host's kill.
const exitWait = time.Second

// Reasons a plugin fails: the `reason` of its report, a fixed set.
const (
	reasonPanic    = "panic"    // it printed a Go panic or fatal error and died
	reasonExit     = "exit"     // it exited, or died of a signal of its own making
	reasonSignal   = "signal"   // a signal streampipe did not send ended it
	reasonStream   = "stream"   // its frame stream broke while it still ran
	reasonTimeout  = "timeout"  // it did not answer within batch_timeout
	reasonProtocol = "protocol" // it answered a batch out of order
)

// Messages of a plugin's failure report, by who is to look into it.
const (
	// msgCrashed: the plugin did something wrong.
	msgCrashed = "plugin failed; this is a bug in the plugin, report it to its author with these lines"
	// msgKilledFromOutside is the report of a plugin that a signal
	// streampipe did not send ended (see process.outsideSignal).
	msgKilledFromOutside = "plugin killed by a signal streampipe did not send; not a bug in the plugin: " +
		"find what sent it (the kernel's out-of-memory killer sends SIGKILL; see the system log)"
	// msgTimeout: the plugin may be hung, but it may as well be slow, or
	// the machine too busy to run it in time; streampipe cannot tell.
	msgTimeout = "plugin did not answer within batch_timeout and was stopped"
)

// failure is what the Run loop saw of a failing plugin.
type failure struct {
	reason string // reasonStream, reasonTimeout or reasonProtocol
	err    error  // what broke the stream, or the protocol breach
	// budget and frames are the timeout and the frames of the batch it
	// was for (reasonTimeout).
	budget time.Duration
	frames int
}

// ending is how a plugin process ended, once it has been stopped.
type ending struct {
	// reason is reasonPanic, reasonExit or reasonSignal, or "" when
	// streampipe killed the process or it did not start.
	reason string
	// what says it in a few words, such as "it exited with status 7".
	what string
}

// ending describes how the process ended. Call it once the process has
// been stopped, so that its stderr has been read to the end.
func (p *process) ending() ending {
	if line := p.logs.PanicLine(); line != "" {
		return ending{reasonPanic, "it crashed: " + line}
	}
	if sig, ok := p.outsideSignal(); ok {
		return ending{reasonSignal, fmt.Sprintf("it was ended by signal: %v, which streampipe did not send", sig)}
	}
	if p.runner == nil {
		return ending{"", "it did not start"}
	}
	ps, killed := p.runner.State()
	switch {
	case ps == nil:
		return ending{"", "it has not been seen to exit"}
	case killed:
		return ending{"", "streampipe killed it"}
	case ps.Exited():
		return ending{reasonExit, fmt.Sprintf("it exited with status %d", ps.ExitCode())}
	}
	return ending{reasonExit, "it died: " + ps.String()}
}

// fail handles a plugin that crashed, exited or hung: it drops the frames
// in flight, marks the stage degraded at once, kills the plugin's process
// group and logs a report with the plugin's last stderr lines.
func (s *Stage) fail(sess *session, st *runState, f failure) {
	frames := 0
	for _, b := range st.queue {
		frames += b.frames
	}
	s.dropQueue(st, pipeline.DropPluginError)
	s.setSession(nil)
	s.crashes.Add(1)
	s.failures = append(s.failures, time.Now())
	s.consecutive++
	s.env.Report.SetHealth(pipeline.HealthDegraded, "plugin failed: "+f.reason)

	// Stop the process. A broken stream usually means it is exiting:
	// give it a moment to.
	if f.reason == reasonStream {
		sess.proc.waitExit(exitWait)
	}
	sess.teardown()

	// Say what happened, and whose it is to look into.
	end := sess.proc.ending()
	reason, what := f.reason, ""
	switch f.reason {
	case reasonTimeout:
		what = fmt.Sprintf("it did not answer within batch_timeout (%s a frame: %s for the %d frame(s) of its "+
			"oldest batch); it may be hung, or too slow, or this machine too busy to run it in time: "+
			"raise batch_timeout if it is only slow", s.decl.BatchTimeout, f.budget, f.frames)
	case reasonProtocol:
		what = "it broke the plugin protocol: " + f.err.Error()
	default:
		if end.reason != "" {
			reason, what = end.reason, end.what
			break
		}
		what = fmt.Sprintf("its frame stream broke (%v) while it still ran", f.err)
	}
	if what != end.what {
		what += "; " + end.what
	}
	s.lastReason = reason
	s.env.Report.SetHealth(pipeline.HealthDegraded, "plugin failed: "+reason)
	report := errors.New(what + tailText(sess.proc.logs.Tail()))
	args := []any{"reason", reason, "frames", frames, "pid", sess.proc.pid(), "error", report}
	switch reason {
	case reasonSignal:
		s.log.Error(msgKilledFromOutside, args...)
	case reasonTimeout:
		s.log.Error(msgTimeout, args...)
	default:
		s.log.Error(msgCrashed, args...)
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
		s.log.Info("plugin restarted", "reason", s.lastReason, "pid", sess.proc.pid(),
			"restarts", s.restarts.Load())
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
	args := []any{"reason", s.lastReason, "failures", len(s.failures), "duration", s.decl.RestartWindow}
	switch s.decl.OnFailure {
	case PolicyPass:
		s.giveUp(why + "; passing frames through untouched")
		s.log.Error("plugin given up, passing frames through untouched", args...)
		return nil
	case PolicyDrop:
		s.giveUp(why + "; dropping frames")
		s.log.Error("plugin given up, dropping frames", args...)
		return nil
	}
	return fmt.Errorf("plugin %q: %s; on_failure = \"stop\" stops the pipeline", s.decl.Name, why)
}

// giveUp puts on_failure in force for the rest of the run.
func (s *Stage) giveUp(health string) {
	s.mode = s.decl.OnFailure
	mode := string(s.mode)
	s.degraded.Store(&mode)
	s.env.Report.SetHealth(pipeline.HealthDegraded, health)
}

func tailText(lines []string) string {
	if len(lines) == 0 {
		return " (the plugin wrote nothing to stderr)"
	}
	return "\nlast lines on the plugin's stderr:\n  " + strings.Join(lines, "\n  ")
}
