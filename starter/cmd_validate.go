package main

import (
	"context"
	"flag"

	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
)

func validateCommand() cli.Command {
	return cli.Command{
		Name:    "validate",
		Summary: "check playbooks without running them",
		Usage:   "FILE... [--output text|json] [--playbooks DIR]",
		Help: "Every error of every file is reported, as file:line:col: message [kind] with the\n" +
			"source line and a caret, or with --output json as one list of {file, line, col,\n" +
			"message, kind}. playbook: steps are checked against the library DIR, and chains of\n" +
			"playbook: steps that come back to themselves are errors (kind cycle).\n" +
			"Exit 0 when all files are valid, 1 when any has errors, 2 on usage errors.",
		MinArgs: 1, MaxArgs: -1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			output := fs.String("output", "text", "error format: text or json")
			library := fs.String("playbooks", envOr("CORDON_PLAYBOOKS", runs.DefaultLibrary), "playbook library `DIR`")
			return func(_ context.Context, args []string, stdio cli.Stdio) error {
				if *output != "text" && *output != "json" {
					return cli.UsageErrorf("--output must be text or json, got %q", *output)
				}
				reg := spec.Okta()
				opts := playbook.Options{Registry: reg, Library: playbook.DirLibrary(*library), ChildInputs: playbook.DirChildInputs(*library, reg),
					Child: playbook.DirChild(*library, reg)}
				if code := playbook.Validate(args, opts, stdio.Out, *output == "json"); code != playbook.ExitValid {
					return cli.Exit(code, nil)
				}
				return nil
			}
		},
	}
}
