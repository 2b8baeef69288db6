package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
)

func graphCommand() cli.Command {
	return cli.Command{
		Name:    "graph",
		Summary: "print a playbook's steps as a Mermaid flowchart",
		Usage:   "PLAYBOOK [--playbooks DIR]",
		Help: "PLAYBOOK is a file or the name of a playbook in the library. Paste the output into\n" +
			"a Markdown file or https://mermaid.live. An invalid playbook prints its errors (exit 2).",
		MinArgs: 1, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			library := fs.String("playbooks", envOr("CORDON_PLAYBOOKS", runs.DefaultLibrary), "playbook library `DIR`")
			return func(_ context.Context, args []string, stdio cli.Stdio) error {
				path, err := playbook.Resolve(args[0], *library)
				if err != nil {
					return cli.Exit(cli.ExitUsage, err)
				}
				pb, err := playbook.LoadFile(path, playbook.Options{Registry: action.Okta(), Library: playbook.DirLibrary(*library)})
				var list playbook.ErrorList
				if errors.As(err, &list) {
					_ = list.Format(stdio.Err, false)
					return cli.Exit(cli.ExitUsage, nil)
				}
				if err != nil {
					return cli.Exit(cli.ExitUsage, err)
				}
				_, err = fmt.Fprint(stdio.Out, playbook.Mermaid(pb))
				return err
			}
		},
	}
}
