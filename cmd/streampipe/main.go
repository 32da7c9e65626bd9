// Command streampipe runs real-time frame streaming pipelines declared in
// HCL, validates and formats their files, and lists the stage kinds.
//
//	streampipe run FILE [-var name=value]... [-var-file FILE]... [-no-plugin-cache]
//	streampipe validate [-json] [-no-plugin-cache | -plugin-cache-only] FILE...
//	streampipe fmt [-check] FILE...
//	streampipe stages [-format text|markdown] [-no-plugin-cache | -plugin-cache-only] [FILE]
//	streampipe export grafana|prometheus-rules [-o PATH] FILE
//	streampipe version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/pipeline"
	"github.com/streampipe/streampipe/plugins"
	"github.com/streampipe/streampipe/stages"
)

// Exit codes shared by every command.
const (
	exitOK      = 0
	exitFailure = 1 // invalid configuration, failed pipeline
	exitUsage   = 2 // wrong command line
	exitFormat  = 3 // fmt -check found files to format
)

func main() {
	os.Exit(Main(context.Background(), os.Args, os.Stdout, os.Stderr, os.Environ()))
}

// exitError carries an exit code through urfave/cli. Its message, when not
// empty, is printed to stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// app holds what the commands share.
type app struct {
	stdout, stderr io.Writer
	environ        []string
	logger         *slog.Logger
	registry       func() *pipeline.Registry
}

// Main runs the command line and returns the process exit code. Every
// plugin process a command started is stopped before Main returns.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	defer plugins.CleanupAll()
	a := &app{stdout: stdout, stderr: stderr, environ: environ, registry: stages.Registry}
	var (
		unknownCommand string
		unknownParent  *cli.Command // the command whose subcommand it is not
	)
	root := &cli.Command{
		Name:                      "streampipe",
		Usage:                     "real-time frame streaming pipelines",
		Writer:                    stdout,
		ErrWriter:                 stderr,
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "lowest level logged: debug, info, warn or error"},
		},
		Before: func(ctx context.Context, cmd *cli.Command) (context.Context, error) {
			l, err := newLogger(stderr, cmd.String("log-format"), cmd.String("log-level"))
			if err != nil {
				return ctx, usageErrorf("%v", err)
			}
			a.logger = l
			return ctx, nil
		},
		Commands: []*cli.Command{
			a.runCommand(),
			a.validateCommand(),
			a.fmtCommand(),
			a.stagesCommand(),
			a.benchCommand(),
			a.exportCommand(),
			versionCommand(stdout),
		},
		OnUsageError: func(ctx context.Context, cmd *cli.Command, err error, isSubcommand bool) error {
			return usageErrorf("%v", err)
		},
		CommandNotFound: func(ctx context.Context, cmd *cli.Command, name string) {
			unknownCommand, unknownParent = name, cmd
		},
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
	// Every command, at every depth, shares the usage-error handling and
	// keeps -var values whole: urfave/cli reads the slice separator
	// setting from the command that owns the flag, and a value such as
	// -var 'args=["-re", "-i"]' must not be split at its commas.
	var configure func(cmds []*cli.Command)
	configure = func(cmds []*cli.Command) {
		for _, c := range cmds {
			c.OnUsageError = root.OnUsageError
			c.DisableSliceFlagSeparator = true
			c.CommandNotFound = root.CommandNotFound
			configure(c.Commands)
		}
	}
	configure(root.Commands)

	err := root.Run(ctx, args)
	if unknownCommand != "" {
		if unknownParent == nil || unknownParent == root {
			fmt.Fprintf(stderr, "streampipe: unknown command %q%s; run 'streampipe --help' for the list\n",
				unknownCommand, suggestCommand(unknownCommand, root))
		} else {
			fmt.Fprintf(stderr, "streampipe: %s\n", unknownSubcommandText(unknownCommand, unknownParent))
		}
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(stderr, "streampipe: %s\n", ee.msg)
		}
		return ee.code
	}
	// Errors urfave/cli reports itself (unknown flag, missing value) are
	// usage errors.
	msg := err.Error()
	fmt.Fprintf(stderr, "streampipe: %s\n", msg)
	if strings.Contains(msg, "flag") || strings.Contains(msg, "command") {
		return exitUsage
	}
	return exitFailure
}

// newLogger builds the process logger on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", format)
}

// subcommandNames lists the subcommands of cmd, such as "a, b or c" for
// the conjunction "or".
func subcommandNames(cmd *cli.Command, conj string) string {
	var names []string
	for _, c := range cmd.Commands {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	switch len(names) {
	case 0:
		return "none"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// unknownSubcommand is the usage error for a subcommand parent lacks.
func unknownSubcommand(name string, parent *cli.Command) error {
	return usageErrorf("%s", unknownSubcommandText(name, parent))
}

func unknownSubcommandText(name string, parent *cli.Command) string {
	return fmt.Sprintf("unknown command %q for %s%s; its subcommands are %s",
		name, parent.Name, suggestCommand(name, parent), subcommandNames(parent, "and"))
}

// noArgs is the Action of a command that takes no arguments.
func noArgs(cmd *cli.Command) error {
	if cmd.Args().Len() > 0 {
		return usageErrorf("%s takes no arguments; got %q", cmd.Name, cmd.Args().First())
	}
	return nil
}

// suggestCommand returns ` (did you mean "x"?)` when name is close to a
// command of root or of its subcommands, else "".
func suggestCommand(name string, root *cli.Command) string {
	best, bestDist := "", 3
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			if d := levenshtein.Distance(name, c.Name, nil); d < bestDist {
				best, bestDist = prefix+c.Name, d
			}
			walk(prefix+c.Name+" ", c.Commands)
		}
	}
	walk("", root.Commands)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
