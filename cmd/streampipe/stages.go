package main

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/hcl"
)

func (a *app) stagesCommand() *cli.Command {
	return &cli.Command{
		Name:      "stages",
		Usage:     "list every stage kind with its attributes, types, defaults and docs",
		ArgsUsage: "[FILE]",
		Description: "Prints the reference of the configuration language and of every built-in\n" +
			"stage kind (-format markdown prints docs/configuration.md). With FILE, the\n" +
			"stage kinds its plugin blocks declare are listed too, each marked with the\n" +
			"plugin that provides it. Only the file's variable and plugin blocks are\n" +
			"read; each plugin program is started once to ask for its settings, unless\n" +
			"the plugin cache has them (-plugin-cache-only starts none, and leaves out\n" +
			"the plugins not in the cache with a warning; -no-plugin-cache asks every\n" +
			"plugin afresh).",
		Flags: append(append(varFlags(), pluginCacheFlags(true)...),
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text or markdown (the configuration reference)"},
		),
		Action: a.stages,
	}
}

func (a *app) stages(ctx context.Context, cmd *cli.Command) error {
	f := cmd.String("format")
	if f != "text" && f != "markdown" {
		return usageErrorf("-format %q: want text or markdown", f)
	}
	if cmd.NArg() > 1 {
		return usageErrorf("stages takes at most one configuration file, got %d", cmd.NArg())
	}
	reg := a.registry()
	if cmd.NArg() == 1 {
		path := cmd.Args().First()
		opts := hcl.Options{
			Registry: reg,
			Vars:     cmd.StringSlice("var"),
			VarFiles: cmd.StringSlice("var-file"),
			Environ:  a.environ,
			Context:  ctx,
		}
		if err := applyPluginCacheFlags(cmd, &opts); err != nil {
			return err
		}
		cfg, diags := hcl.LoadPlugins(path, opts)
		if len(diags) > 0 {
			_ = hcl.WriteDiagnostics(a.stderr, diags, cfg.Files(), 100, false)
		}
		if diags.HasErrors() {
			return &exitError{code: exitFailure, msg: path + ": cannot list its plugin stages"}
		}
		reg = cfg.Registry()
	}
	return hcl.WriteReference(a.stdout, reg, f)
}
