package main

import (
	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/hcl"
)

// The plugin cache flags. validate, stages and run read a file's plugin
// blocks by starting each plugin program once to ask for its settings,
// unless the plugin cache holds them.
const (
	flagNoPluginCache   = "no-plugin-cache"
	flagPluginCacheOnly = "plugin-cache-only"
)

// pluginCacheFlags returns the flags that steer the plugin cache; with
// cacheOnly, the flag that forbids starting plugin programs too (not for
// run, which starts them anyway).
func pluginCacheFlags(cacheOnly bool) []cli.Flag {
	flags := []cli.Flag{&cli.BoolFlag{Name: flagNoPluginCache,
		Usage: "start every plugin program to read its settings, ignoring the plugin cache"}}
	if cacheOnly {
		flags = append(flags, &cli.BoolFlag{Name: flagPluginCacheOnly,
			Usage: "start no plugin program: use the settings in the plugin cache, and warn that " +
				"the stages of plugins not in it are not checked"})
	}
	return flags
}

// applyPluginCacheFlags sets the options the flags of pluginCacheFlags ask
// for.
func applyPluginCacheFlags(cmd *cli.Command, opts *hcl.Options) error {
	opts.NoPluginCache = cmd.Bool(flagNoPluginCache)
	opts.PluginCacheOnly = cmd.Bool(flagPluginCacheOnly)
	if opts.NoPluginCache && opts.PluginCacheOnly {
		return usageErrorf("-%s and -%s exclude each other", flagNoPluginCache, flagPluginCacheOnly)
	}
	return nil
}
