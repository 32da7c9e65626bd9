package main

import (
	"context"
	"fmt"

	hclv2 "github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/hcl"
)

func (a *app) validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check configuration files without running them",
		ArgsUsage: "FILE...",
		Description: "Reports every problem at once, each at its file:line:col. Exit status: 0 when\n" +
			"every file is valid, 1 when any is not, 2 on a usage error. With -json,\n" +
			"prints one JSON document (for CI annotations) instead of text.\n\n" +
			"Plugin stages are checked against the settings their plugin describes: each\n" +
			"declared plugin is started once to ask, unless the plugin cache (in the\n" +
			"user cache directory, keyed by the program's SHA-256) has the answer.",
		Flags: append(varFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print a JSON report on stdout"},
		),
		Action: a.validate,
	}
}

func (a *app) validate(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() == 0 {
		return usageErrorf("validate needs at least one configuration file")
	}
	report := hcl.NewValidateReport()
	for _, path := range cmd.Args().Slice() {
		cfg, diags := hcl.Load(path, hcl.Options{
			Registry: a.registry(),
			Vars:     cmd.StringSlice("var"),
			VarFiles: cmd.StringSlice("var-file"),
			Environ:  a.environ,
			Context:  ctx,
		})
		report.Add(diags, cfg.Files())
		if !cmd.Bool("json") {
			printDiagnostics(a, path, diags, cfg)
		}
	}
	if cmd.Bool("json") {
		if err := report.Write(a.stdout); err != nil {
			return err
		}
	}
	if !report.Valid {
		return &exitError{code: exitFailure}
	}
	return nil
}

func printDiagnostics(a *app, path string, diags hclv2.Diagnostics, cfg *hcl.Config) {
	if len(diags) > 0 {
		_ = hcl.WriteDiagnostics(a.stderr, diags, cfg.Files(), 100, false)
	}
	errs := 0
	for _, d := range diags {
		if d.Severity == hclv2.DiagError {
			errs++
		}
	}
	if errs == 0 {
		fmt.Fprintf(a.stdout, "%s: valid\n", path)
	} else {
		fmt.Fprintf(a.stdout, "%s: %d error(s)\n", path, errs)
	}
}
