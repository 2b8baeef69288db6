package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
)

func schemaCommand() cli.Command {
	return cli.Command{
		Name:    "schema",
		Summary: "print the playbook JSON Schema (for YAML editors), or PlaybookWorkflow's input schema",
		Usage:   "[--run-input | --outputs]",
		Help: "The schema (draft 2020-12) is generated from the playbook format and the action\n" +
			"registry; docs/playbook.schema.json is the committed copy. Point yaml-language-server\n" +
			"at it with a first line such as:\n" +
			"  # yaml-language-server: $schema=../docs/playbook.schema.json\n" +
			"With --run-input it prints the schema of PlaybookWorkflow's input, approve update and\n" +
			"status query for other Temporal clients (docs/run-input.schema.json, docs/integrations.md).\n" +
			"With --outputs it prints each action's output shape (what steps.<id>.output holds, as\n" +
			"cordon validate checks it; docs/actions.md), then the Okta objects they hold.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			runInput := fs.Bool("run-input", false, "print the schema of PlaybookWorkflow's input instead")
			outputs := fs.Bool("outputs", false, "print each action's output shape instead")
			return func(_ context.Context, _ []string, stdio cli.Stdio) error {
				out := playbook.Schema(action.Okta())
				switch {
				case *runInput && *outputs:
					return cli.UsageErrorf("--run-input and --outputs are exclusive")
				case *runInput:
					out = runs.InputSchema()
				case *outputs:
					out = outputShapes(action.Okta())
				}
				_, err := stdio.Out.Write(out)
				return err
			}
		},
	}
}

// outputShapes lists each action's output shape, then the named shapes
// (Okta objects) in full.
func outputShapes(reg *action.Registry) []byte {
	var b strings.Builder
	for _, a := range reg.All() {
		fmt.Fprintf(&b, "%s: %s\n", a.Name, a.OutputShape)
	}
	b.WriteString("\n")
	for _, s := range reg.NamedShapes() {
		fmt.Fprintf(&b, "%s: %s\n", s.Name, s.Expand())
	}
	return []byte(b.String())
}
