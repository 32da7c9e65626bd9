package plugins

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins/internal/wire"
	pb "github.com/streampipe/streampipe/plugins/proto"
)

// Stage is a stage whose work is done by a supervised plugin process. It
// implements pipeline.Runner, pipeline.Starter and pipeline.Closer, and
// [Stage.PluginStats] reports what only a plugin stage has: restarts,
// whether the plugin is up, and round-trip times.
//
// Start starts the plugin process and configures it; a plugin that cannot
// start then fails the pipeline's start. Run sends the stage's input to the
// plugin in batches on one long-lived gRPC stream, keeping up to in_flight
// batches awaiting their answers, and emits the answers in input order. A
// plugin that crashes, exits, or leaves a batch unanswered for
// batch_timeout is killed; the frames it held are dropped with reason
// plugin_error, and a fresh process is started after an exponential
// backoff. Once the plugin has failed more than max_restarts times within
// restart_window, on_failure applies. Close stops the process.
type Stage struct {
	decl Decl
	prog program
	desc *pb.DescribeResponse
	cfg  *pipeline.Config
	env  pipeline.Env
	log  *slog.Logger
	req  *pb.ConfigureRequest

	mu   sync.Mutex
	sess *session // nil while the plugin is down

	// Supervision state, owned by the Run goroutine.
	failures    []time.Time
	consecutive int
	mode        Policy // "" while the plugin does the work
	lastReason  string // of the last failure, for the restart's log line
	tallies     [numWarnKinds]tally

	up       atomic.Bool
	restarts atomic.Uint64
	crashes  atomic.Uint64
	batches  atomic.Uint64
	pid      atomic.Int64
	degraded atomic.Pointer[string]
	rtt      rttHistogram
}

// Interface guards.
var (
	_ pipeline.Runner  = (*Stage)(nil)
	_ pipeline.Starter = (*Stage)(nil)
	_ pipeline.Closer  = (*Stage)(nil)
)

// newStage is the kind's factory. It touches nothing outside the process.
func newStage(d Decl, prog program, desc *pb.DescribeResponse, c *pipeline.Config, env pipeline.Env) (*Stage, error) {
	req, err := wire.ConfigToProto(c)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: encoding settings: %w", d.Name, err)
	}
	req.Pipeline, req.Stage = env.Pipeline, env.Stage
	req.Upstream = &pb.StreamInfo{Fps: env.Upstream.FPS, ContentType: env.Upstream.ContentType}
	for _, t := range env.Upstream.Tiers {
		req.Upstream.Tiers = append(req.Upstream.Tiers, t.Name)
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if env.Report == nil {
		env.Report = pipeline.NewStats(env.Pipeline, env.Stage, pipeline.FamilyStage, d.Name)
	}
	return &Stage{decl: d, prog: prog, desc: desc, cfg: c, env: env, log: log, req: req}, nil
}

// Start starts the plugin process and hands it its settings. Settings the
// plugin rejects come back as *pipeline.ConfigError values placed on the
// attribute concerned.
func (s *Stage) Start(ctx context.Context) error {
	sess, err := s.launch(ctx)
	if err != nil {
		return err
	}
	s.setSession(sess)
	s.log.Debug("plugin started", "pid", sess.proc.pid())
	return nil
}

// launch starts a process, configures it and opens its Process stream.
func (s *Stage) launch(ctx context.Context) (*session, error) {
	proc, err := startProcess(s.prog, s.decl.StartTimeout, s.decl.MaxMessageSize, s.log)
	if err != nil {
		return nil, err
	}
	callCtx, cancel := proc.startContext(ctx)
	defer cancel()
	resp, err := proc.conn.Stage.Configure(callCtx, s.req)
	if err != nil {
		return nil, &StartError{Plugin: s.decl.Name, Kind: ErrStart, Err: err,
			Detail: proc.callFailed(ctx, "Configure", s.decl.StartTimeout, err)}
	}
	if diags := resp.GetDiagnostics(); len(diags) > 0 {
		proc.stop()
		return nil, s.configErrors(diags)
	}
	sess, err := openSession(proc, s.decl.InFlight)
	if err != nil {
		proc.kill()
		return nil, fmt.Errorf("plugin %q: opening the frame stream: %w", s.decl.Name, err)
	}
	return sess, nil
}

// configErrors places the plugin's diagnostics on the attributes they name.
func (s *Stage) configErrors(diags []*pb.Diagnostic) error {
	errs := make([]error, 0, len(diags))
	for _, d := range diags {
		attr := d.GetAttribute()
		if _, ok := s.cfg.Spec.Attr(attr); !ok {
			attr = ""
		}
		errs = append(errs, s.cfg.Errorf(attr, d.GetSummary(), "%s", d.GetDetail()))
	}
	return errors.Join(errs...)
}

func (s *Stage) setSession(sess *session) {
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
	if sess != nil {
		s.pid.Store(int64(sess.proc.pid()))
	}
	s.up.Store(sess != nil)
}

func (s *Stage) session() *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess
}

// closeTimeout bounds the plugin's Close, within the context Close is
// given.
const closeTimeout = 5 * time.Second

// msgCloseFailed is logged when the plugin did not close cleanly.
const msgCloseFailed = "plugin did not close cleanly and was stopped"

// Close stops the plugin process: it tells the plugin to close, lets
// go-plugin shut it down, and kills it when ctx expires first. A plugin
// whose Close hangs past closeTimeout, or that dies while closing, is
// killed with a warning: the frames it returned are delivered, so the
// stage has not failed. An error the plugin's Close returns is returned.
func (s *Stage) Close(ctx context.Context) error {
	s.mu.Lock()
	sess := s.sess
	s.sess = nil
	s.mu.Unlock()
	s.up.Store(false)
	if sess == nil {
		return nil
	}
	sess.closeSend()
	callCtx, cancel := context.WithTimeout(ctx, closeTimeout)
	_, err := sess.proc.conn.Stage.Close(callCtx, &pb.CloseRequest{})
	cancel()
	if err != nil && status.Code(err) != codes.Unknown {
		sess.proc.kill()
	} else {
		sess.proc.stopCtx(ctx)
	}
	sess.end()

	switch {
	case err == nil:
		return nil
	case status.Code(err) == codes.Unknown:
		// The plugin's own Close returned it.
		return fmt.Errorf("plugin %q: close: %s", s.decl.Name, status.Convert(err).Message())
	case status.Code(err) == codes.DeadlineExceeded:
		s.log.Warn(msgCloseFailed, "reason", reasonTimeout, "duration", closeTimeout,
			"error", fmt.Errorf("its Close did not return in time: %w", err))
	default:
		end := sess.proc.ending()
		reason := end.reason
		if reason == "" {
			reason = reasonStream
		}
		s.log.Warn(msgCloseFailed, "reason", reason, "error",
			fmt.Errorf("its Close failed (%w): %s%s", err, end.what, tailText(sess.proc.logs.Tail())))
	}
	return nil
}

// Stats is what a plugin stage reports besides the standard stage
// accounting, for telemetry.
type Stats struct {
	// Plugin is the declared plugin name.
	Plugin string
	// Up tells whether a plugin process is running and answering.
	Up bool
	// PID is the current (or last) plugin process id.
	PID int
	// Restarts counts processes started to replace a failed one; Failures
	// counts crashes, exits, timeouts and failed starts.
	Restarts uint64
	Failures uint64
	// Batches counts answered batches.
	Batches uint64
	// Degraded is the on_failure policy in force after the restart budget
	// was spent ("pass" or "drop"), or "".
	Degraded string
	// RoundTrip holds the time from sending a batch to receiving its
	// answer.
	RoundTrip RoundTrip
}

// PluginStats returns a snapshot of the plugin-specific facts. It is safe
// to call from any goroutine.
func (s *Stage) PluginStats() Stats {
	st := Stats{
		Plugin:    s.decl.Name,
		Up:        s.up.Load(),
		PID:       int(s.pid.Load()),
		Restarts:  s.restarts.Load(),
		Failures:  s.crashes.Load(),
		Batches:   s.batches.Load(),
		RoundTrip: s.rtt.snapshot(),
	}
	if d := s.degraded.Load(); d != nil {
		st.Degraded = *d
	}
	return st
}
