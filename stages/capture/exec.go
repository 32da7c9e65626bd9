package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/stages/mjpeg"
	"github.com/streampipe/streampipe/telemetry"
)

// OnExit says what an exec capture does when its command exits.
type OnExit string

// The choices of OnExit.
const (
	// OnExitRestart restarts the command after a backoff delay.
	OnExitRestart OnExit = "restart"
	// OnExitStop ends the stream: cleanly after exit status 0, with an
	// *ExitError otherwise.
	OnExitStop OnExit = "stop"
)

// Defaults of ExecOptions.
const (
	DefaultRestartBackoff = 500 * time.Millisecond
	DefaultMaxBackoff     = 10 * time.Second
	DefaultMaxFrameSize   = mjpeg.DefaultMaxFrame
	DefaultStderrLines    = 20
)

// FormatMJPEG is the only output format an exec capture reads: JPEG images
// back to back, as ffmpeg writes with -f mjpeg.
const FormatMJPEG = "mjpeg"

// killGrace is how long a command gets to end after SIGTERM before it is
// sent SIGKILL.
const killGrace = 3 * time.Second

// ExecOptions configure an exec capture. The attributes of [ExecKind]
// document each setting; a zero field takes the default.
type ExecOptions struct {
	// Command is the program and its arguments. Required.
	Command []string
	// Format of the command's output: FormatMJPEG, or "" for it.
	Format string
	// FPS is the nominal frame rate of the output; default DefaultFPS.
	FPS float64
	// Dir is the command's working directory; "" means streampipe's own.
	Dir string
	// OnExit is what to do when the command exits; default OnExitRestart.
	OnExit OnExit
	// RestartBackoff is the first delay before a restart, doubling up to
	// MaxBackoff; defaults DefaultRestartBackoff and DefaultMaxBackoff.
	RestartBackoff time.Duration
	MaxBackoff     time.Duration
	// MaxFrameSize bounds a frame, in bytes; default DefaultMaxFrameSize.
	MaxFrameSize int64
	// StderrLines is how many of the command's last lines of standard
	// error to keep for reports: DefaultStderrLines when 0, none when
	// negative.
	StderrLines int
}

// withDefaults fills in zero fields and checks the result.
func (o ExecOptions) withDefaults() (ExecOptions, error) {
	o.Command = append([]string(nil), o.Command...)
	o.Format = orDefault(o.Format, FormatMJPEG)
	o.FPS = orDefault(o.FPS, DefaultFPS)
	o.OnExit = orDefault(o.OnExit, OnExitRestart)
	o.RestartBackoff = orDefault(o.RestartBackoff, DefaultRestartBackoff)
	o.MaxBackoff = orDefault(o.MaxBackoff, DefaultMaxBackoff)
	o.MaxFrameSize = orDefault(o.MaxFrameSize, DefaultMaxFrameSize)
	o.StderrLines = orDefault(o.StderrLines, DefaultStderrLines)

	switch {
	case len(o.Command) == 0 || o.Command[0] == "":
		return o, badOption("command", "no command",
			`command needs the program and its arguments, such as `+
				`["ffmpeg", "-i", "input.mp4", "-f", "mjpeg", "pipe:1"]`)
	case o.Format != FormatMJPEG:
		return o, badOption("format", "unsupported format",
			"format is %q; the only format is %q", o.Format, FormatMJPEG)
	case o.OnExit != OnExitRestart && o.OnExit != OnExitStop:
		return o, badOption("on_exit", "unknown choice",
			"on_exit is %q; choose %q or %q", o.OnExit, OnExitRestart, OnExitStop)
	case o.RestartBackoff < 0:
		return o, badOption("restart_backoff", "negative delay",
			"give a positive duration such as \"500ms\"")
	case o.MaxBackoff < o.RestartBackoff:
		return o, badOption("max_backoff", "shorter than restart_backoff",
			"max_backoff (%s) must be at least restart_backoff (%s)", o.MaxBackoff, o.RestartBackoff)
	case o.MaxFrameSize < 1024 || o.MaxFrameSize > maxFrameSizeLimit:
		return o, badOption("max_frame_size", "out of range",
			"max_frame_size is %d bytes; give between 1KiB and 1GiB", o.MaxFrameSize)
	case o.StderrLines > maxStderrLines:
		return o, badOption("stderr_lines", "out of range",
			"stderr_lines is %d; keep at most %d lines", o.StderrLines, maxStderrLines)
	}
	return o, checkFPS(o.FPS)
}

// Limits of ExecOptions, matching the attributes' ranges.
const (
	maxFrameSizeLimit = 1 << 30
	maxStderrLines    = 1000
)

// Exec is the exec capture: it runs a command and splits its standard
// output into JPEG frames. Build it with NewExec.
type Exec struct {
	opts    ExecOptions
	log     *slog.Logger
	report  pipeline.Reporter
	metrics *telemetry.Capture // restarts; nil when telemetry is off

	path  string // the program, found by Start
	dir   string // the absolute working directory, found by Start
	grace time.Duration
	// noFrameWarn is how long output may flow without a frame before a
	// warning; tests shorten it.
	noFrameWarn time.Duration
	seq         pipeline.Sequencer
	split       *mjpeg.Splitter
	stderr      *lineRing

	// pid is the running command's process id, 0 between runs; for tests.
	pid atomic.Int64
	// restartLog rate-limits the restart lines; Run's goroutine only.
	restartLog restartLog
}

// NewExec returns an exec capture. It checks the options but does not look
// for the program; Start does.
func NewExec(opts ExecOptions, env pipeline.Env) (*Exec, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("capture exec: %w", err)
	}
	log, report := tools(env)
	return &Exec{
		opts:        opts,
		log:         log,
		report:      report,
		metrics:     telemetry.NewCapture(env),
		grace:       killGrace,
		noFrameWarn: noFrameWarnAfter,
		split:       mjpeg.NewSplitter(nil, int(opts.MaxFrameSize)),
		stderr:      newLineRing(opts.StderrLines),
	}, nil
}

// Start finds the program and checks the working directory, so that a
// missing program fails the pipeline before anything runs. A relative
// program path with a slash is taken relative to the working directory,
// as the command will see it; a bare name is looked up in PATH.
func (e *Exec) Start(context.Context) error {
	dir, err := filepath.Abs(orDefault(e.opts.Dir, "."))
	if err != nil {
		return fmt.Errorf("working directory %q: %w", e.opts.Dir, err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("working directory: %w; set dir to an existing directory", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("working directory %q is not a directory; set dir to a directory", dir)
	}

	name := e.opts.Command[0]
	lookup := name
	if !filepath.IsAbs(name) && strings.ContainsRune(name, filepath.Separator) {
		lookup = filepath.Join(dir, name)
	}
	path, err := exec.LookPath(lookup)
	if err != nil {
		return fmt.Errorf("command %q not found: %w; install it, "+
			"or give its full path as the first element of command", name, err)
	}
	e.path, e.dir = path, dir
	return nil
}

// Describe implements pipeline.Describer: the stream is JPEG at the
// configured nominal frame rate.
func (e *Exec) Describe(pipeline.StreamInfo) pipeline.StreamInfo { return describe(e.opts.FPS) }

// Run runs the command, restarting it as OnExit says, until ctx is
// cancelled. It returns nil when ctx is cancelled or, with OnExitStop,
// when the command exits with status 0; otherwise the error that ended
// the stream, such as an *ExitError. The command never outlives Run: a
// command that closes its output but keeps running is stopped after a
// grace period, like one that is cancelled.
func (e *Exec) Run(ctx context.Context, out pipeline.Output) error {
	if e.path == "" {
		if err := e.Start(ctx); err != nil {
			return err
		}
	}
	bo := backoff{base: e.opts.RestartBackoff, max: e.opts.MaxBackoff}
	rep := &splitReport{report: e.report, log: e.log}
	defer rep.flush(time.Now())

	for {
		res := e.runOnce(ctx, out, rep)
		if ctx.Err() != nil {
			return nil
		}

		// The command ended by itself.
		if e.opts.OnExit == OnExitStop {
			if res.err != nil {
				return res.err
			}
			e.log.Info("capture command finished, ending the stream",
				"frames", res.frames, "duration", res.ran)
			return nil
		}
		delay := bo.next(res.ran)
		e.logExit(res)
		e.report.SetHealth(pipeline.HealthDegraded, "capture command exited; restarting")

		// Wait out the backoff.
		e.log.Debug("restarting capture command after backoff", "duration", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		e.metrics.Restarted()
	}
}

// runResult is how one run of the command went.
type runResult struct {
	err    error // nil after exit status 0
	ran    time.Duration
	frames int64
	bytes  int64 // of output read
}

// runOnce runs the command once, emitting its frames, until it exits or
// ctx is cancelled.
func (e *Exec) runOnce(ctx context.Context, out pipeline.Output, rep *splitReport) runResult {
	if ctx.Err() != nil {
		return runResult{}
	}
	began := time.Now()
	e.stderr.Reset()
	c, err := startChild(ctx, e.path, e.opts.Command, e.dir, e.stderr, e.grace)
	if err != nil {
		return runResult{err: fmt.Errorf("start command %q: %w", e.opts.Command[0], err)}
	}
	e.pid.Store(int64(c.pid))
	defer e.pid.Store(0)
	e.log.Debug("capture command started")

	frames, bytes, readErr := e.pump(ctx, out, c.stdout, rep)
	waitErr := c.finish()
	res := runResult{ran: time.Since(began), frames: frames, bytes: bytes}

	var ee *exec.ExitError
	switch {
	case readErr != nil:
		res.err = readErr
	case errors.As(waitErr, &ee):
		res.err = &ExitError{
			Command: e.opts.Command[0],
			Code:    ee.ExitCode(),
			Status:  ee.ProcessState.String(),
			Stderr:  e.stderr.Lines(),
		}
	case waitErr != nil:
		res.err = fmt.Errorf("wait for command %q: %w", e.opts.Command[0], waitErr)
	}
	return res
}

// pump splits r into frames and emits them until r ends. Frames already
// complete when the command exits are emitted; a partial last one is
// counted as truncated. It returns the frames emitted and the bytes read.
func (e *Exec) pump(ctx context.Context, out pipeline.Output, r io.Reader,
	rep *splitReport) (frames, bytes int64, err error) {
	r, watch := watchOutput(r, e.log, e.report, e.noFrameWarn)
	defer watch.close()
	e.split.Reset(r)
	for {
		payload, err := e.split.Next()
		now := time.Now()
		rep.update(e.split.Stats(), now)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed):
			return frames, watch.bytes.Load(), nil
		case err != nil:
			return frames, watch.bytes.Load(), fmt.Errorf("read output of command %q: %w", e.opts.Command[0], err)
		}

		f := pipeline.NewFrame(e.seq.Next(), now, pipeline.ContentTypeJPEG, payload)
		if err := out.Emit(ctx, pipeline.Single("", f)); err != nil {
			if ctx.Err() != nil {
				return frames, watch.bytes.Load(), nil
			}
			return frames, watch.bytes.Load(), err
		}
		// Splitting cannot be timed apart from the read it waits on, so
		// what is timed is handing the frame on.
		e.report.Processed(1, time.Since(now))
		if frames == 0 {
			e.report.SetHealth(pipeline.HealthOK, "")
		}
		frames++
		watch.frame()
	}
}

// logExit logs, at warn, how the command ended before a restart, rate
// limited by e.restartLog: the line's restarts key counts the exits since
// the previous line, this one included.
func (e *Exec) logExit(res runResult) {
	ok, exits := e.restartLog.exited(time.Now())
	if !ok {
		return
	}
	attrs := []any{"frames", res.frames, "duration", res.ran.Round(time.Millisecond), "restarts", exits}
	var ee *ExitError
	switch {
	case errors.As(res.err, &ee):
		attrs = append(attrs, "code", ee.Code, "reason", ee.Status)
		if len(ee.Stderr) > 0 {
			attrs = append(attrs, "error", strings.Join(ee.Stderr, "\n"))
		}
	case res.err != nil:
		attrs = append(attrs, "error", res.err)
	default:
		attrs = append(attrs, "code", 0, "reason", "exit status 0")
	}
	if res.frames == 0 && res.bytes > 0 {
		// The output watch warns only after a while; a command that
		// exits sooner gets the hint here.
		attrs = append(attrs, "hint", fmt.Sprintf("%d bytes of output held no JPEG frame; check the "+
			"output format (ffmpeg needs -f mjpeg)", res.bytes))
	}
	e.log.Warn("capture command exited, restarting", attrs...)
}

// Interface guards.
var (
	_ pipeline.Source    = (*Exec)(nil)
	_ pipeline.Starter   = (*Exec)(nil)
	_ pipeline.Describer = (*Exec)(nil)
)
