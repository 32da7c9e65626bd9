package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"
	"golang.org/x/sync/errgroup"

	"github.com/streampipe/streampipe/hcl"
	"github.com/streampipe/streampipe/plugins"
)

// varFlags are the flags that set variables, shared by run and validate.
func varFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "var", Usage: "set a variable: -var name=value (repeatable)"},
		&cli.StringSliceFlag{Name: "var-file", Usage: "read variables from an HCL file (repeatable)"},
	}
}

func (a *app) runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run the pipelines of a configuration file until interrupted",
		ArgsUsage: "FILE",
		Flags:     varFlags(),
		Description: "The first SIGINT or SIGTERM stops capture and lets frames in flight drain\n" +
			"to the sinks within each pipeline's drain_timeout; a second one forces exit.",
		Action: a.run,
	}
}

func (a *app) run(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() != 1 {
		return usageErrorf("run takes exactly one configuration file, got %d", cmd.NArg())
	}
	path := cmd.Args().First()
	cfg, diags := hcl.Load(path, hcl.Options{
		Registry: a.registry(),
		Vars:     cmd.StringSlice("var"),
		VarFiles: cmd.StringSlice("var-file"),
		Environ:  a.environ,
		Logger:   a.logger,
		Context:  ctx,
	})
	if len(diags) > 0 {
		_ = hcl.WriteDiagnostics(a.stderr, diags, cfg.Files(), 100, false)
	}
	if diags.HasErrors() {
		return &exitError{code: exitFailure, msg: path + ": configuration is invalid"}
	}

	ctx, stop := a.handleSignals(ctx)
	defer stop()

	// Every pipeline runs until stopped; when one fails the others are
	// stopped too, so the process exits with the failure.
	g, gctx := errgroup.WithContext(ctx)
	for _, p := range cfg.Pipelines {
		g.Go(func() error {
			a.logger.Info("pipeline started", "pipeline", p.Name(), "stages", len(p.Nodes()))
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

// handleSignals cancels the returned context on the first SIGINT or
// SIGTERM, so pipelines drain, and exits at once on the second.
func (a *app) handleSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			a.logger.Info("stopping: draining frames in flight", "signal", s.String())
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			a.logger.Warn("second signal: forcing exit", "signal", s.String())
			// Deferred calls do not run on os.Exit: stop the plugins
			// here. (On Linux they die with this process anyway.)
			plugins.CleanupAll()
			os.Exit(exitFailure)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
