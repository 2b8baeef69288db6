package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/connections/usage"
	"github.com/cordonsec/cordon/internal/pbtest"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
)

func validateCommand() cli.Command {
	return cli.Command{
		Name:    "validate",
		Summary: "check playbooks without running them",
		Usage:   "FILE... [--output text|json] [--playbooks DIR] [--connections FILE]",
		Help: "Every error of every file is reported, as file:line:col: message [kind] with the\n" +
			"source line and a caret, or with --output json as one list of {file, line, col,\n" +
			"message, kind}. playbook: steps are checked against the library DIR, and chains of\n" +
			"playbook: steps that come back to themselves are errors (kind cycle).\n" +
			"With --connections (or $" + connections.EnvFile + "), a connection: that names no connection of\n" +
			"the file is an error (kind unknown-connection), and so is a step whose action needs an\n" +
			"OAuth scope its connection's scopes: list lacks (kind oauth-scope).\n" +
			"Exit 0 when all files are valid, 1 when any has errors, 2 on usage errors.",
		MinArgs: 1, MaxArgs: -1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			output := fs.String("output", "text", "error format: text or json")
			library := fs.String("playbooks", envOr("CORDON_PLAYBOOKS", runs.DefaultLibrary), "playbook library `DIR`")
			connFile := fs.String("connections", os.Getenv(connections.EnvFile), "check connection names and scopes against the connections `FILE`")
			return func(_ context.Context, args []string, stdio cli.Stdio) error {
				if *output != "text" && *output != "json" {
					return cli.UsageErrorf("--output must be text or json, got %q", *output)
				}
				reg := action.Okta()
				opts := playbook.Options{Registry: reg, Library: playbook.DirLibrary(*library), ChildInputs: playbook.DirChildInputs(*library, reg),
					Child: playbook.DirChild(*library, reg)}
				if *connFile != "" {
					f, err := connections.Open(*connFile, os.Getenv)
					if err != nil {
						fmt.Fprintln(stdio.Out, err)
						return cli.Exit(playbook.ExitInvalid, nil)
					}
					opts.Check = func(p *playbook.Playbook) playbook.ErrorList { return usage.Check(p, f, reg) }
				}
				// Test files (cordon test) sit beside the playbooks, so
				// validate playbooks/*.yaml checks them too, as tests.
				var books, tests []string
				for _, a := range args {
					if strings.HasSuffix(a, pbtest.Suffix) {
						tests = append(tests, a)
					} else {
						books = append(books, a)
					}
				}
				jsonOut := *output == "json"
				// With --output json, playbooks and test files make one list.
				var booksOut bytes.Buffer
				code := playbook.ExitValid
				if len(books) > 0 || len(tests) == 0 {
					code = playbook.Validate(books, opts, &booksOut, jsonOut)
				}
				all := playbook.ErrorList{}
				if jsonOut && booksOut.Len() > 0 && json.Unmarshal(booksOut.Bytes(), &all) != nil {
					all = nil // not a list (a usage message): passed on as it is
				}
				if !jsonOut || all == nil {
					_, _ = stdio.Out.Write(booksOut.Bytes())
				}
				if len(tests) > 0 {
					// A test file names a playbook beside it, unless
					// --playbooks says where the library is.
					testLib := ""
					fs.Visit(func(f *flag.Flag) {
						if f.Name == "playbooks" {
							testLib = *library
						}
					})
					var c int
					all, c = validateTests(tests, testLib, stdio, all, jsonOut)
					code = max(code, c)
				}
				if jsonOut && all != nil {
					b, _ := json.MarshalIndent(all, "", "  ")
					fmt.Fprintln(stdio.Out, string(b))
				}
				if code != playbook.ExitValid {
					return cli.Exit(code, nil)
				}
				return nil
			}
		},
	}
}

// validateTests checks test files as cordon test loads them (their
// playbook, steps, outputs and approvals): errors are printed, or with
// jsonOut added to all for one JSON list.
func validateTests(files []string, library string, stdio cli.Stdio, all playbook.ErrorList, jsonOut bool) (playbook.ErrorList, int) {
	code := playbook.ExitValid
	for _, f := range files {
		_, err := pbtest.Load(f, library)
		list, isList := err.(playbook.ErrorList)
		switch {
		case err == nil:
			if !jsonOut {
				fmt.Fprintf(stdio.Out, "%s: ok\n", f)
			}
		case isList:
			code = max(code, playbook.ExitInvalid)
			if jsonOut {
				all = append(all, list...)
			} else {
				_ = list.Format(stdio.Out, false)
			}
		default:
			fmt.Fprintf(stdio.Out, "validate: %v\n", err)
			code = playbook.ExitUsage
		}
	}
	if jsonOut && all == nil {
		all = playbook.ErrorList{}
	}
	return all, code
}
