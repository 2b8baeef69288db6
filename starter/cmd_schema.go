package main

import (
	"context"
	"flag"

	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/playbook"
)

func schemaCommand() cli.Command {
	return cli.Command{
		Name:    "schema",
		Summary: "print the playbook JSON Schema (for YAML editors)",
		Help: "The schema (draft 2020-12) is generated from the playbook format and the action\n" +
			"registry; docs/playbook.schema.json is the committed copy. Point yaml-language-server\n" +
			"at it with a first line such as:\n" +
			"  # yaml-language-server: $schema=../docs/playbook.schema.json",
		Setup: func(*flag.FlagSet) cli.Action {
			return func(_ context.Context, _ []string, stdio cli.Stdio) error {
				_, err := stdio.Out.Write(playbook.Schema(spec.Okta()))
				return err
			}
		},
	}
}
