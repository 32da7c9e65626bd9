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
		Usage:     "check configuration files without running their pipelines (plugin programs are started to read their settings)",
		ArgsUsage: "FILE...",
		Description: "Reports every problem at once, each at its file:line:col. Exit status: 0 when\n" +
			"every file is valid, 1 when any is not, 2 on a usage error. With -json,\n" +
			"prints one JSON document (for CI annotations) instead of text.\n\n" +
			"No pipeline runs, but the programs the plugin blocks name do: plugin stages\n" +
			"are checked against the settings their plugin describes, so each declared\n" +
			"plugin program is started once (in the file's directory) to ask, unless the\n" +
			"plugin cache (in the user cache directory, keyed by the program's SHA-256\n" +
			"and the files its command names) has the answer. -plugin-cache-only starts\n" +
			"none: plugins not in the cache get a warning and their stages are not\n" +
			"checked. -no-plugin-cache asks every plugin afresh.",
		Flags: append(append(varFlags(), pluginCacheFlags(true)...),
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
		opts := hcl.Options{
			Registry: a.registry(),
			Vars:     cmd.StringSlice("var"),
			VarFiles: cmd.StringSlice("var-file"),
			Environ:  a.environ,
			Context:  ctx,
		}
		if err := applyPluginCacheFlags(cmd, &opts); err != nil {
			return err
		}
		cfg, diags := hcl.Load(path, opts)
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
