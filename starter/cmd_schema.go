package main

import (
	"context"
	"flag"

	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
)

func schemaCommand() cli.Command {
	return cli.Command{
		Name:    "schema",
		Summary: "print the playbook JSON Schema (for YAML editors), or PlaybookWorkflow's input schema",
		Usage:   "[--run-input]",
		Help: "The schema (draft 2020-12) is generated from the playbook format and the action\n" +
			"registry; docs/playbook.schema.json is the committed copy. Point yaml-language-server\n" +
			"at it with a first line such as:\n" +
			"  # yaml-language-server: $schema=../docs/playbook.schema.json\n" +
			"With --run-input it prints the schema of PlaybookWorkflow's input, approve update and\n" +
			"status query for other Temporal clients (docs/run-input.schema.json, docs/integrations.md).",
		Setup: func(fs *flag.FlagSet) cli.Action {
			runInput := fs.Bool("run-input", false, "print the schema of PlaybookWorkflow's input instead")
			return func(_ context.Context, _ []string, stdio cli.Stdio) error {
				out := playbook.Schema(spec.Okta())
				if *runInput {
					out = runs.InputSchema()
				}
				_, err := stdio.Out.Write(out)
				return err
			}
		},
	}
}
