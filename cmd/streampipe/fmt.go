package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/hcl"
)

func (a *app) fmtCommand() *cli.Command {
	return &cli.Command{
		Name:      "fmt",
		Usage:     "rewrite configuration files in the canonical format",
		ArgsUsage: "FILE...",
		Description: "Prints the name of each file it changes. With -check it changes nothing,\n" +
			"lists the files that are not formatted and exits 3 when there are any.\n" +
			"Exits 1 when a file has syntax errors.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "only report files that need formatting"},
		},
		Action: a.format,
	}
}

func (a *app) format(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() == 0 {
		return usageErrorf("fmt needs at least one configuration file")
	}
	var invalid, unformatted bool
	for _, path := range cmd.Args().Slice() {
		src, err := readConfig(path)
		if err != nil {
			fmt.Fprintf(a.stderr, "streampipe: %v\n", err)
			invalid = true
			continue
		}
		out, diags := hcl.Format(path, src)
		if diags.HasErrors() {
			_ = hcl.WriteDiagnostics(a.stderr, diags, hcl.FilesOf(path, src), 100, false)
			invalid = true
			continue
		}
		if bytes.Equal(out, src) {
			continue
		}
		unformatted = true
		fmt.Fprintln(a.stdout, path)
		if cmd.Bool("check") {
			continue
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			fmt.Fprintf(a.stderr, "streampipe: %v\n", err)
			invalid = true
		}
	}
	switch {
	case invalid:
		return &exitError{code: exitFailure}
	case unformatted && cmd.Bool("check"):
		return &exitError{code: exitFormat}
	}
	return nil
}

// readConfig reads a configuration file, refusing what cannot be one: a
// directory, a device or pipe, or more than hcl.MaxFileSize bytes (which
// Format then reports), so `fmt` never reads forever.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return io.ReadAll(io.LimitReader(f, hcl.MaxFileSize+1))
}
