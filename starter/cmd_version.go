package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/version"
)

func versionCommand() cli.Command {
	return cli.Command{
		Name:    "version",
		Summary: "print the cordon version",
		Setup: func(fs *flag.FlagSet) cli.Action {
			return func(_ context.Context, _ []string, stdio cli.Stdio) error {
				_, err := fmt.Fprintf(stdio.Out, "cordon %s\n", version.String())
				return err
			}
		},
	}
}
