package main

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/streampipe/streampipe/hcl"
)

func (a *app) stagesCommand() *cli.Command {
	return &cli.Command{
		Name:  "stages",
		Usage: "list every stage kind with its attributes, types, defaults and docs",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text or markdown (the configuration reference)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f := cmd.String("format")
			if f != "text" && f != "markdown" {
				return usageErrorf("-format %q: want text or markdown", f)
			}
			return hcl.WriteReference(a.stdout, a.registry(), f)
		},
	}
}
