package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities"
	"github.com/cordonsec/cordon/internal/approvals"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/temporalx"
	"github.com/cordonsec/cordon/workflows"
)

// runFlags are the flags run and plan share.
type runFlags struct {
	alert     *string
	inputs    cli.Strings
	inputFile *string
	id        *string
	wait      *bool
	output    *string
	dryRun    *bool
	library   *string
	uiAddr    *string
	startedBy *string
	serveURL  *string
	// connection overrides the playbook's connection:; connections is
	// the connections file the names are checked against.
	connection  *string
	connections *string
}

func declareRunFlags(fs *flag.FlagSet, plan bool) *runFlags {
	f := &runFlags{
		alert:       fs.String("alert", "", "alert JSON `FILE` (- for stdin)"),
		id:          fs.String("id", "", "workflow `ID` (default <playbook>-<alert id>, or a fresh one)"),
		output:      fs.String("output", "text", "result format: text or json"),
		library:     fs.String("playbooks", envOr("CORDON_PLAYBOOKS", runs.DefaultLibrary), "playbook library `DIR`"),
		uiAddr:      fs.String("ui", envOr("CORDON_UI_URL", "http://127.0.0.1:8233"), "Temporal Web UI `URL` for links"),
		startedBy:   fs.String("as", "", "start unsigned, as `NAME` (dev stacks; default: signed through cordon serve after cordon login, else the OS user, unsigned)"),
		serveURL:    fs.String("serve", envOr("CORDON_SERVE_URL", ""), "cordon serve `URL` signed starts go through (default: the one cordon login signed in to)"),
		connection:  fs.String("connection", "", "act on connection `NAME` (an Okta org of the connections file) instead of the playbook's connection:; a step's own connection: still wins"),
		connections: fs.String("connections", envOr(connections.EnvFile, ""), "connections `FILE` the run's connections are checked against before it starts (default $"+connections.EnvFile+"; none: the worker checks)"),
	}
	fs.Var(&f.inputs, "input", "set an input `KEY=VALUE` (repeatable); KEY=@FILE reads the value from FILE (a JSON list or one value per line)")
	f.inputFile = fs.String("inputs", "", "read input values from a JSON object in `FILE`; --input wins over it")
	if plan {
		t, d := true, true
		f.wait, f.dryRun = &t, &d
	} else {
		f.wait = fs.Bool("wait", false, "wait for the run to finish, showing progress on stderr")
		f.dryRun = fs.Bool("dry-run", false, "run reads for real, plan every destructive step instead of acting")
	}
	return f
}

func runCommand() cli.Command {
	return cli.Command{
		Name:    "run",
		Summary: "start a playbook run",
		Usage:   "PLAYBOOK [--alert FILE|-] [--input KEY=VALUE|KEY=@FILE]... [--inputs FILE.json] [--id ID] [--connection NAME] [--connections FILE] [--wait] [--output text|json] [--dry-run]",
		Help: "PLAYBOOK is a file or the name of a playbook in the library. The playbook is validated\n" +
			"first; nothing starts when it is invalid (exit 2). Exit 0 when the run completed (or\n" +
			"was started, without --wait), 1 when it failed, was rejected or cancelled.",
		MinArgs: 1, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			f := declareRunFlags(fs, false)
			return func(ctx context.Context, args []string, io cli.Stdio) error { return f.start(ctx, args[0], io, false) }
		},
	}
}

func planCommand() cli.Command {
	return cli.Command{
		Name:    "plan",
		Summary: "preview a run: reads run for real, destructive steps are only planned",
		Usage:   "PLAYBOOK [--alert FILE|-] [--input KEY=VALUE|KEY=@FILE]... [--inputs FILE.json] [--connection NAME] [--connections FILE] [--output text|json]",
		MinArgs: 1, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			f := declareRunFlags(fs, true)
			return func(ctx context.Context, args []string, io cli.Stdio) error { return f.start(ctx, args[0], io, true) }
		},
	}
}

func (f *runFlags) start(ctx context.Context, arg string, io cli.Stdio, plan bool) error {
	if *f.output != "text" && *f.output != "json" {
		return cli.UsageErrorf("--output must be text or json, not %q", *f.output)
	}
	lib := runs.Library{Dir: *f.library, Registry: action.Okta()}
	pb, err := lib.Resolve(arg)
	if list, ok := runs.IsInvalid(err); ok {
		_ = list.Format(io.Err, false)
		return cli.Exit(cli.ExitUsage, nil)
	}
	if err != nil {
		return cli.Exit(cli.ExitUsage, err)
	}
	inputs, err := f.readInputs()
	if err != nil {
		return cli.Exit(cli.ExitUsage, err)
	}
	req := runs.Request{Playbook: pb, Library: lib, Inputs: inputs, ID: *f.id, DryRun: *f.dryRun, StartedBy: *f.startedBy,
		Connection: *f.connection}
	if req.Connections, err = knownConnections(*f.connections); err != nil {
		return cli.Exit(cli.ExitUsage, err)
	}
	if err := req.CheckConnections(); err != nil {
		return cli.Exit(cli.ExitUsage, err)
	}
	if *f.alert != "" {
		if req.Alert, err = runs.ReadAlert(*f.alert, io.In); err != nil {
			return cli.Exit(cli.ExitUsage, err)
		}
	}
	var viaServe *approvals.Token
	if req.StartedBy == "" {
		tok, err := approvals.LoadToken(*f.serveURL, time.Now())
		switch {
		case err == nil:
			viaServe = tok
		case errors.Is(err, approvals.ErrNotSignedIn):
			req.StartedBy = defaultUser() // a dev stack without cordon login, as before
		default:
			req.StartedBy = defaultUser()
			fmt.Fprintf(io.Err, "%v; starting unsigned as %s, which a worker that requires signed starts refuses\n", err, req.StartedBy)
		}
	}
	opts, err := temporalx.ClientOptions(nil)
	if err != nil {
		return err
	}
	if len(opts.ExternalStorage.Drivers) == 0 {
		// Without a store the server refuses large inputs with a bare
		// "Blob data size exceeds limit"; say why and what to do instead.
		if err := runs.CheckInputSize(inputs, activities.DefaultMaxOutputBytes); err != nil {
			return cli.Exit(cli.ExitUsage, err)
		}
	}
	c, err := temporalx.DialOptions(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	started, err := f.startVia(ctx, c, viaServe, req, io)
	if err != nil {
		return err
	}
	link := fmt.Sprintf("%s/namespaces/default/workflows/%s", *f.uiAddr, started.WorkflowID)
	if started.Duplicate {
		// Nothing was started, so exit 2 (README, docs/runs.md), also
		// with --wait: the existing run is someone else's to follow.
		fmt.Fprintf(io.Err, "a run for this alert already exists: %s (not started again; follow it with cordon status %s)\n", started.WorkflowID, started.WorkflowID)
		if *f.output == "json" {
			_ = runs.WriteJSON(io.Out, started)
		} else {
			fmt.Fprintln(io.Out, started.WorkflowID)
		}
		return cli.Exit(cli.ExitUsage, nil)
	}
	fmt.Fprintf(io.Err, "started %s\n  %s\n", started.WorkflowID, link)
	if !*f.wait {
		if *f.output == "json" {
			return runs.WriteJSON(io.Out, started)
		}
		fmt.Fprintln(io.Out, started.WorkflowID)
		return nil
	}
	var progress = io.Err
	st, err := runs.Wait(ctx, c, started.WorkflowID, progress)
	if err != nil {
		return err
	}
	return printFinal(io, st, *f.output, plan)
}

// knownConnections names the connections of the file at path (with the
// environment's default connection, as the worker reads them); nil, for
// no check, when no file is given.
func knownConnections(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := connections.Open(path, os.Getenv)
	if err != nil {
		return nil, err
	}
	return f.Names(), nil
}

// startVia starts the run: through cordon serve, which signs it for the
// signed-in person, when tok is set; else straight to Temporal, unsigned.
func (f *runFlags) startVia(ctx context.Context, c client.Client, tok *approvals.Token, req runs.Request, io cli.Stdio) (runs.Started, error) {
	if tok == nil {
		started, err := runs.Start(ctx, c, req)
		if _, bad := err.(*runs.InputError); bad {
			return started, cli.Exit(cli.ExitUsage, err)
		}
		return started, err
	}
	res, err := approvals.StartVia(ctx, tok, approvals.StartRequest{Playbook: req.Playbook.Name, Inputs: req.Inputs,
		Alert: req.Alert, DryRun: req.DryRun, ID: req.ID, Connection: req.Connection})
	var apiErr *approvals.APIError
	if errors.As(err, &apiErr) {
		return runs.Started{}, cli.Exit(cli.ExitUsage, fmt.Errorf("run refused by %s: %w", tok.Serve, err))
	}
	if err != nil {
		return runs.Started{}, err
	}
	fmt.Fprintf(io.Err, "started by %s (%s, signed by cordon serve, key %s)\n", res.Login, res.StartedBy, res.KeyID)
	return res.Started, nil
}

// readInputs merges --inputs FILE (typed JSON values) and --input pairs
// (strings, or file contents with KEY=@FILE); --input wins.
func (f *runFlags) readInputs() (map[string]any, error) {
	raw, err := f.inputs.KeyValues()
	if err != nil {
		return nil, err
	}
	given, err := runs.FileInputs(raw)
	if err != nil {
		return nil, err
	}
	if *f.inputFile == "" {
		return given, nil
	}
	inputs, err := runs.ReadInputsFile(*f.inputFile)
	if err != nil {
		return nil, err
	}
	for k, v := range given {
		inputs[k] = v
	}
	return inputs, nil
}

// printFinal prints a finished run and maps its status to the exit code.
func printFinal(io cli.Stdio, st *workflows.RunStatus, output string, plan bool) error {
	switch {
	case output == "json":
		if err := runs.WriteJSON(io.Out, st); err != nil {
			return err
		}
	case plan:
		runs.WritePlan(io.Out, st)
	default:
		runs.WriteText(io.Out, st)
	}
	switch st.Status {
	case workflows.RunSucceeded, workflows.RunRunning:
		return nil
	}
	return cli.Exit(cli.ExitFailed, nil)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// defaultUser names who starts runs: CORDON_USER, else the OS user.
func defaultUser() string {
	if v := os.Getenv("CORDON_USER"); v != "" {
		return v
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "cli"
}
