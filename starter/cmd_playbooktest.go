package main

import (
	"context"
	"flag"
	"regexp"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/pbtest"
	"github.com/cordonsec/cordon/internal/runs"
)

func testCommand() cli.Command {
	return cli.Command{
		Name:    "test",
		Summary: "run playbook tests (*.test.yaml) against a simulated org",
		Usage:   "[PATH...] [--run REGEX] [--json] [--playbooks DIR]",
		Help: "Each case of each test file runs its playbook in-process, with the real workflows and\n" +
			"activities, against a fresh simulated Okta org built from the case's fixture, gives the\n" +
			"case's approval decisions, injects its faults, and checks its expectations\n" +
			"(docs/testing.md). PATH is a test file or a directory searched for *.test.yaml\n" +
			"(default: the playbook library). --run selects cases whose \"file/case name\" matches.\n" +
			"Prints ok or FAIL per case with what differed; exit 0 when all pass, 1 when a case fails\n" +
			"or a test file has errors (file:line:col), 2 on usage errors.",
		MinArgs: 0, MaxArgs: -1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			match := fs.String("run", "", "run only cases whose `REGEX` matches \"file/case name\"")
			jsonOut := fs.Bool("json", false, "print one JSON report instead of text")
			library := fs.String("playbooks", "", "playbook library `DIR` (default: each test file's directory)")
			return func(_ context.Context, args []string, stdio cli.Stdio) error {
				opts := pbtest.Options{Library: *library}
				if *match != "" {
					re, err := regexp.Compile(*match)
					if err != nil {
						return cli.UsageErrorf("--run: %v", err)
					}
					opts.Match = re
				}
				if len(args) == 0 {
					args = []string{envOr("CORDON_PLAYBOOKS", runs.DefaultLibrary)}
				}
				files, err := pbtest.Files(args)
				if err != nil {
					return cli.UsageErrorf("%v", err)
				}
				if len(files) == 0 {
					return cli.UsageErrorf("no test files (*%s) in %v", pbtest.Suffix, args)
				}
				var progress func(pbtest.Result)
				if !*jsonOut {
					progress = func(r pbtest.Result) { pbtest.WriteResult(stdio.Out, r) }
				}
				rep := pbtest.Run(files, opts, progress)
				if *jsonOut {
					if err := pbtest.WriteJSON(stdio.Out, rep); err != nil {
						return err
					}
				} else {
					pbtest.WriteSummary(stdio.Out, rep)
				}
				if !rep.OK() {
					return cli.Exit(cli.ExitFailed, nil)
				}
				return nil
			}
		},
	}
}
