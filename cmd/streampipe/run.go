package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"
	"golang.org/x/sync/errgroup"

	"github.com/streampipe/streampipe/alerting"
	"github.com/streampipe/streampipe/hcl"
	"github.com/streampipe/streampipe/plugins"
	"github.com/streampipe/streampipe/telemetry"
)

// varFlags are the flags that set variables, shared by run and validate.
func varFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "var", Usage: "set a variable: -var name=value (repeatable)"},
		&cli.StringSliceFlag{Name: "var-file", Usage: "read variables from an HCL file (repeatable)"},
	}
}

// alertStopTimeout bounds how long alert hooks may go on delivering once
// the pipelines have stopped.
const alertStopTimeout = 5 * time.Second

func (a *app) runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run the pipelines of a configuration file until interrupted",
		ArgsUsage: "FILE",
		Flags: append(append(varFlags(), pluginCacheFlags(false)...), &cli.StringFlag{Name: "telemetry-listen",
			Usage: "serve /metrics, /healthz, /readyz and /status on ADDR (host:port), or \"off\"; " +
				"overrides the telemetry block's listen"}),
		Description: "The first SIGINT, SIGTERM or SIGHUP stops capture and lets frames in flight drain\n" +
			"to the sinks within each pipeline's drain_timeout; a second one forces exit.\n" +
			"With a telemetry block (or -telemetry-listen) the telemetry server runs\n" +
			"beside the pipelines; see docs/metrics.md.",
		Action: a.run,
	}
}

func (a *app) run(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 1 {
		return usageErrorf("run takes exactly one configuration file, got %d", cmd.NArg())
	}
	path := cmd.Args().First()

	// Telemetry exists before the file is loaded: stages build their
	// instruments from its meter when their factories run.
	tel, err := telemetry.New(telemetry.Options{Logger: a.logger, Version: version})
	if err != nil {
		return &exitError{code: exitFailure, msg: err.Error()}
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(sctx); err != nil {
			a.logger.Warn("telemetry shutdown failed", "error", err)
		}
	}()

	opts := hcl.Options{
		Registry: a.registry(),
		Vars:     cmd.StringSlice("var"),
		VarFiles: cmd.StringSlice("var-file"),
		Environ:  a.environ,
		Logger:   a.logger,
		Context:  ctx,
		Meter:    tel.Meter(),
		Status:   tel.StatusHandler(),
		// A stage on the flag's address is a configuration error, not
		// a failure to bind after the telemetry server took the port.
		TelemetryListen: cmd.String("telemetry-listen"),
	}
	if err := applyPluginCacheFlags(cmd, &opts); err != nil {
		return err
	}
	cfg, diags := hcl.Load(path, opts)
	if len(diags) > 0 {
		_ = hcl.WriteDiagnostics(a.stderr, diags, cfg.Files(), 100, false)
	}
	if diags.HasErrors() {
		return &exitError{code: exitFailure, msg: path + ": configuration is invalid"}
	}

	// Without a telemetry block the server is off (metrics are still
	// recorded), so that several runs on one machine need no ports.
	tcfg := telemetry.Config{Listen: telemetry.ListenOff}
	if cfg.Telemetry != nil {
		tcfg = *cfg.Telemetry
	}
	if l := cmd.String("telemetry-listen"); l != "" {
		tcfg.Listen, tcfg.ListenFlag = l, "-telemetry-listen"
	}
	for _, p := range cfg.Pipelines {
		tel.Attach(p)
	}
	if err := tel.Start(ctx, tcfg); err != nil {
		return &exitError{code: exitFailure, msg: err.Error()}
	}

	// The alert engine reads the metrics telemetry collects; /status
	// shows its states. At exit its hooks get a short bound to deliver
	// what they hold (a resolution, a notification in flight).
	alerts, err := alerting.New(tel, cfg.Alerts, alerting.Options{Logger: a.logger, Meter: tel.Meter()})
	if err != nil {
		// A hook that cannot work, such as an exec hook whose program
		// is not found, is shown at its place in the file.
		if diags := hcl.StartDiagnostics(err); len(diags) > 0 {
			_ = hcl.WriteDiagnostics(a.stderr, diags, cfg.Files(), 100, false)
			return &exitError{code: exitFailure, msg: path + ": alert hooks cannot start"}
		}
		return &exitError{code: exitFailure, msg: err.Error()}
	}
	tel.SetAlerts(alerts)
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), alertStopTimeout)
		defer cancel()
		if err := alerts.Stop(sctx); err != nil {
			a.logger.Warn("alert hooks did not finish", "error", err)
		}
	}()

	ctx, stop := a.handleSignals(ctx)
	defer stop()

	// Every pipeline runs until stopped; when one fails the others are
	// stopped too, so the process exits with the failure.
	g, gctx := errgroup.WithContext(ctx)
	// Alerts are evaluated until the stop begins (a signal, or a
	// pipeline failing): queues emptying during the drain must not
	// resolve them. The hooks deliver until the deferred Stop.
	alerts.Start(gctx)
	for _, p := range cfg.Pipelines {
		g.Go(func() error {
			err := p.Run(gctx)
			if err == nil {
				a.logger.Info("pipeline stopped", "pipeline", p.Name())
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		a.logger.Error("pipeline failed", "error", err)
		// Settings a stage refused when it started (a plugin's Configure)
		// are shown at their place in the file, like validate's.
		if diags := hcl.StartDiagnostics(err); len(diags) > 0 {
			_ = hcl.WriteDiagnostics(a.stderr, diags, cfg.Files(), 100, false)
		}
		return &exitError{code: exitFailure}
	}
	return nil
}

// signalEcho is how soon after the first stop signal a second one is
// taken for a duplicate delivery rather than a request to force exit.
const signalEcho = 250 * time.Millisecond

// handleSignals cancels the returned context on the first SIGINT, SIGTERM
// or SIGHUP (a closed terminal), so pipelines drain, and exits at once on
// a second one (unless it follows within signalEcho).
func (a *app) handleSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		var first time.Time
		select {
		case s := <-sigs:
			a.logger.Info("stopping: draining frames in flight", "signal", s.String())
			first = time.Now()
			cancel()
		case <-done:
			return
		}
		for {
			var s os.Signal
			select {
			case s = <-sigs:
			case <-done:
				return
			}
			// One signal can arrive twice: `timeout` and some service
			// managers signal the process and then its group. A repeat
			// that close to the first is not a person insisting.
			if time.Since(first) < signalEcho {
				continue
			}
			a.logger.Warn("second signal: forcing exit", "signal", s.String())
			// Deferred calls do not run on os.Exit: stop the plugins
			// here. (On Linux they die with this process anyway.)
			plugins.CleanupAll()
			os.Exit(exitFailure)
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
