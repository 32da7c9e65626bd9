package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/alerting/export"
	"github.com/streampipe/streampipe/hcl"
)

func (a *app) exportCommand() *cli.Command {
	outFlag := &cli.StringFlag{Name: "output", Aliases: []string{"o"},
		Usage: "write to `PATH` instead of standard output"}
	scrapeFlag := &cli.DurationFlag{Name: "scrape-interval", Value: export.DefaultScrapeInterval,
		Usage: "how often Prometheus scrapes streampipe: windows shorter than 4 scrapes are " +
			"widened to that, and a shorter evaluation interval raised to it"}
	return &cli.Command{
		Name:  "export",
		Usage: "write monitoring files for the pipelines of a configuration file",
		Description: "grafana writes a Grafana dashboard (JSON) for the file's pipelines, with the\n" +
			"alert thresholds drawn on their panels; prometheus-rules writes the file's alert\n" +
			"rules (its alert blocks, or the default rule set) as Prometheus alerting rules.\n" +
			"Windows shorter than four -scrape-interval are widened to that, with a warning.\n" +
			"See docs/alerts.md.",
		// Only an unknown subcommand, or none, gets here.
		Action: func(_ context.Context, cmd *cli.Command) error {
			if name := cmd.Args().First(); name != "" {
				return unknownSubcommand(name, cmd)
			}
			return usageErrorf("export needs a subcommand: %s; run 'streampipe export --help'",
				subcommandNames(cmd, "or"))
		},
		Commands: []*cli.Command{
			{
				Name:      "grafana",
				Usage:     "write a Grafana dashboard for the pipelines of FILE",
				ArgsUsage: "FILE",
				Flags:     append(varFlags(), outFlag, scrapeFlag),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return a.export(ctx, cmd, func(w io.Writer, path string, cfg *hcl.Config) error {
						d := export.Dashboard{Source: filepath.Base(path), Pipelines: cfg.Pipelines,
							Alerts: cfg.Alerts, Registry: cfg.Registry(),
							ScrapeInterval: cmd.Duration("scrape-interval")}
						if cfg.Telemetry != nil {
							d.Disks = len(cfg.Telemetry.Disks) > 0
						}
						return export.WriteGrafana(w, d)
					})
				},
			},
			{
				Name:      "prometheus-rules",
				Usage:     "write the alert rules of FILE as Prometheus alerting rules (YAML)",
				ArgsUsage: "FILE",
				Flags:     append(varFlags(), outFlag, scrapeFlag),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return a.export(ctx, cmd, func(w io.Writer, path string, cfg *hcl.Config) error {
						return export.WritePrometheusRules(w, filepath.Base(path), cfg.Alerts,
							export.RulesOptions{ScrapeInterval: cmd.Duration("scrape-interval"), Warn: a.warn})
					})
				},
			},
		},
	}
}

// export loads the one configuration file of cmd and writes what write
// makes of it to -output or standard output. Nothing is written when the
// file is invalid or write fails.
func (a *app) export(ctx context.Context, cmd *cli.Command,
	write func(w io.Writer, path string, cfg *hcl.Config) error) error {
	if cmd.NArg() != 1 {
		return usageErrorf("export %s takes exactly one configuration file, got %d", cmd.Name, cmd.NArg())
	}
	if d := cmd.Duration("scrape-interval"); d <= 0 {
		return usageErrorf("-scrape-interval %s: want a positive duration, such as 15s", d)
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

	var buf bytes.Buffer
	if err := write(&buf, path, cfg); err != nil {
		return &exitError{code: exitFailure, msg: err.Error()}
	}
	out := cmd.String("output")
	if out == "" {
		_, err := a.stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return &exitError{code: exitFailure, msg: fmt.Sprintf("export: %v", err)}
	}
	return nil
}

// warn prints a warning line on stderr.
func (a *app) warn(line string) {
	fmt.Fprintf(a.stderr, "streampipe: warning: %s\n", line)
}
