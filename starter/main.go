// Command starter builds the cordon CLI: it validates, plans, starts and
// follows playbook runs, and serves the alert webhook.
//
// main only assembles the command list; each command is a func returning
// cli.Command in a cmd_*.go file and is registered explicitly in
// commands() below.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cordonsec/cordon/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := newApp().Run(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}

func newApp() *cli.App {
	app := &cli.App{
		Name:    "cordon",
		Summary: "cordon runs Okta incident-response playbooks as durable Temporal workflows.",
		Footer: "Connection settings come from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,\n" +
			"TEMPORAL_API_KEY and TEMPORAL_TLS_* (default 127.0.0.1:7233, namespace default).",
	}
	app.Register(commands()...)
	return app
}

// commands lists every subcommand (`cordon help` sorts them by name).
// Each lives in cmd_<name>.go, except that plan sits beside run
// (cmd_run.go), and status, approve, login, cancel and list, the commands
// on existing runs, share cmd_runs.go. A new command is added here.
func commands() []cli.Command {
	return []cli.Command{
		versionCommand(),
		runCommand(),
		planCommand(),
		statusCommand(),
		approveCommand(),
		cancelCommand(),
		listCommand(),
		simCommand(),
		validateCommand(),
		connectionsCommand(),
		schemaCommand(),
		graphCommand(),
		serveCommand(),
		intakeCommand(),
		healthCommand(),
		keygenCommand(),
		loginCommand(),
		testCommand(),
	}
}
