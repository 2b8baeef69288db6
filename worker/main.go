// Command worker is the Cordon worker process: it polls the `cordon` task
// queue and runs playbook workflows and Okta activities.
//
//	go run ./worker --dev     # embedded Temporal + Web UI on this machine
//	go run ./worker           # join the cluster named by TEMPORAL_ADDRESS etc.
//
// main only parses flags and wires parts; the steps are in run.go, and what
// the worker executes is registered in register.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/logging"
)

// config holds the worker's flags. Defaults are the documented interface in
// DESIGN.md ("The CLI and process interfaces"); scripts depend on them.
type config struct {
	dev          bool
	temporalPort int
	uiPort       int
	simAddr      string
	dataDir      string
	// devPostgres, with --dev, keeps Temporal's data in PostgreSQL
	// (a postgres:// URL) instead of SQLite under dataDir.
	devPostgres  string
	httpAddr     string
	logFormat    string
	logLevel     string
	guardrails   string
	insecureOkta bool
	playbooks    string
	demo         string
	demoAlert    string
	// demoConnection is the connection the demo run acts on ("" the
	// playbook's own, i.e. default: acme's org).
	demoConnection string
	// intake starts the Okta System Log intake workflow (okta_event
	// triggers); healthInterval > 0 creates or updates the health-check
	// schedule.
	intake         bool
	intakeInterval time.Duration
	healthInterval time.Duration
	healthPlaybook string
	// approvalsURL is the approvals page waiting runs link to.
	approvalsURL string
	// notify lists outgoing webhooks told when an approval waits.
	notify string
	// connectionsFile is the connections file (--connections, else
	// $CORDON_CONNECTIONS); connections narrows what the worker serves to
	// these names (--connection, repeatable).
	connectionsFile string
	connections     names
	// servePort, with --dev, serves the approvals and Run a playbook
	// pages on 127.0.0.1 (devserve.go); 0 turns them off.
	servePort int
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	logger, err := logging.New(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "worker: %v\n", err)
		return 2
	}
	// The first SIGINT/SIGTERM starts a clean shutdown; a second one kills
	// the process the default way, for when shutdown itself hangs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }()

	if err := run(ctx, cfg, logger, stdout); err != nil {
		fmt.Fprintf(stderr, "worker: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&cfg.dev, "dev", false, "start an embedded Temporal server, Web UI and simulated Okta org in this process")
	fs.IntVar(&cfg.temporalPort, "temporal-port", 7233, "with --dev: Temporal frontend port on 127.0.0.1")
	fs.IntVar(&cfg.uiPort, "ui-port", devserver.DefaultUIPort, "with --dev: Temporal Web UI port (0 disables the UI)")
	fs.StringVar(&cfg.simAddr, "sim-addr", "127.0.0.1:8089", "with --dev: address of the simulator hosting the Okta orgs acme (SSWS token from CORDON_SIM_TOKEN) and globex (OAuth service app, DPoP) under /orgs/NAME; skipped when OKTA_ORG_URL is set")
	fs.StringVar(&cfg.connectionsFile, "connections", os.Getenv(connections.EnvFile), "connections `FILE`: the Okta orgs this worker serves, one engine and task queue each, beside the OKTA_* environment's default connection (or "+connections.EnvFile+")")
	fs.Var(&cfg.connections, "connection", "serve only this connection `NAME` of the file or environment (repeatable; default all)")
	fs.StringVar(&cfg.guardrails, "guardrails", "", "guardrail `FILE`: protected users, groups, networks, zones and the default max_targets (default $CORDON_GUARDRAILS)")
	fs.BoolVar(&cfg.insecureOkta, "insecure-okta-url", false, "allow a plain-http OKTA_ORG_URL on a non-loopback host (a test proxy; never a real org) (or OKTA_INSECURE=true)")
	fs.StringVar(&cfg.playbooks, "playbooks", "playbooks", "playbook library `DIR`")
	fs.StringVar(&cfg.demo, "demo", "", "with --dev: once polling, start this `PLAYBOOK` and follow it (make run)")
	fs.StringVar(&cfg.demoAlert, "demo-alert", "", "with --demo: the alert JSON `FILE` for the demo run")
	fs.StringVar(&cfg.demoConnection, "demo-connection", "", "with --demo: run the demo on this connection `NAME` (acme, globex; default: the playbook's, i.e. the default connection, acme's org)")
	fs.BoolVar(&cfg.intake, "intake", false, "start each served connection's Okta System Log intake (okta_event triggers over the --playbooks library) unless it runs")
	fs.DurationVar(&cfg.intakeInterval, "intake-interval", time.Minute, "with --intake: System Log poll interval")
	fs.DurationVar(&cfg.healthInterval, "health-interval", 0, "create or update each served connection's health-check schedule with this interval, unless the connection sets its own health_interval (0 leaves them alone)")
	fs.StringVar(&cfg.healthPlaybook, "health-playbook", "", "with --health-interval: playbook `NAME` to start after 3 failed checks in a row")
	fs.StringVar(&cfg.approvalsURL, "approvals-url", envOr("CORDON_APPROVALS_URL", "http://127.0.0.1:8080/approvals"), "approvals page (cordon serve's /approvals) that waiting runs link to in the Temporal UI; empty: no link (or CORDON_APPROVALS_URL)")
	fs.StringVar(&cfg.notify, "notify", os.Getenv("CORDON_NOTIFY"), "outgoing webhooks told when an approval waits, comma-separated `slack:URL` or json:URL (or CORDON_NOTIFY)")
	fs.IntVar(&cfg.servePort, "serve-port", DefaultDevServePort, "with --dev: port of the approvals and Run a playbook pages on 127.0.0.1 (0 turns them off)")
	fs.StringVar(&cfg.dataDir, "data-dir", ".cordon", "with --dev: directory for the SQLite databases (temporal.db, temporal-visibility.db)")
	fs.StringVar(&cfg.devPostgres, "dev-postgres", "", "with --dev: keep Temporal's data in PostgreSQL at `URL` postgres://USER[:PASSWORD]@HOST:PORT[/DATABASE] instead of SQLite (password also from PGPASSWORD)")
	fs.StringVar(&cfg.httpAddr, "http-addr", "127.0.0.1:9464", "address serving GET /healthz (empty disables)")
	fs.StringVar(&cfg.logFormat, "log-format", logging.FormatText, "log format: text or json")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn or error (debug includes the Temporal server's logs)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: worker [--dev] [flags]\n\n"+
			"Without --dev the worker joins the cluster named by TEMPORAL_ADDRESS,\n"+
			"TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and TEMPORAL_TLS_* (default 127.0.0.1:7233).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.dev && cfg.servePort != 0 && os.Getenv("CORDON_APPROVALS_URL") == "" && !flagSet(fs, "approvals-url") {
		// The Web UI's link goes to the pages this worker serves.
		cfg.approvalsURL = devPagesURL(cfg.servePort) + "/approvals"
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "worker: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return cfg, errors.New("unexpected argument")
	}
	return cfg, nil
}

// flagSet says whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}
