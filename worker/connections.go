package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/connections/usage"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/playbook"
)

// served is one connection this worker serves: the Okta org it reaches,
// its guardrails and its health-check interval (0: the worker's
// --health-interval).
type served struct {
	Name           string
	Okta           okta.Config
	Guard          guard.Config
	HealthInterval time.Duration
}

// names lists flag values of a repeatable flag (--connection).
type names []string

func (n *names) String() string { return strings.Join(*n, ",") }

func (n *names) Set(v string) error {
	if !connections.ValidName(v) {
		return fmt.Errorf("%q is not a connection name (lower-case letters, digits and -, starting with a letter)", v)
	}
	if !slices.Contains(*n, v) {
		*n = append(*n, v)
	}
	return nil
}

// pick returns the names --connection keeps of known (all of them when
// it names none), and fails on a name that is not known, so a typo does
// not start a worker that serves nothing.
func pick(known []string, only []string, file string) ([]string, error) {
	if len(only) == 0 {
		return known, nil
	}
	for _, name := range only {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("--connection %s: no such connection (known: %s)%s", name, strings.Join(known, ", "), fileHint(file))
		}
	}
	return only, nil
}

func fileHint(file string) string {
	if file == "" {
		return "; name a connections file with --connections or " + connections.EnvFile
	}
	return " in " + file + " or the OKTA_* environment"
}

func servedNames(all []served) []string {
	out := make([]string, 0, len(all))
	for _, s := range all {
		out = append(out, s.Name)
	}
	return out
}

// connWorker is one connection's engine on its own Temporal worker.
type connWorker struct {
	conn   served
	engine *engine.Engine
	worker worker.Worker
}

// startWorkers builds one engine per connection and starts each on its
// queue (workflows.ActivityQueue): all on the same client. It returns the
// workers started so far on error too, for the caller to stop. Readiness
// (/healthz) waits for every one of them.
func startWorkers(c client.Client, conns []served, build func(served) (engine.Config, error)) ([]connWorker, error) {
	var out []connWorker
	for _, s := range conns {
		cfg, err := build(s)
		if err != nil {
			return out, fmt.Errorf("connection %s: %w", s.Name, err)
		}
		e, err := engine.New(cfg)
		if err != nil {
			return out, fmt.Errorf("connection %s: %w", s.Name, err)
		}
		w := e.NewWorker(c)
		if err := w.Start(); err != nil {
			return out, fmt.Errorf("connection %s: starting the worker on task queue %s: %w", s.Name, e.Queue(), err)
		}
		out = append(out, connWorker{conn: s, engine: e, worker: w})
	}
	return out, nil
}

// stopWorkers stops the workers in reverse order of their start.
func stopWorkers(ws []connWorker) {
	for i := len(ws) - 1; i >= 0; i-- {
		ws[i].worker.Stop()
	}
}

// startConnectionTriggers starts, for every connection served, the System
// Log intake (--intake) and its health-check schedule (the connection's
// interval, else --health-interval). Both are idempotent, so every worker
// serving a connection may do it.
func startConnectionTriggers(ctx context.Context, c client.Client, cfg config, conns []served, logger *slog.Logger) error {
	var errs []error
	for _, s := range conns {
		if cfg.intake {
			res, err := intake.Start(ctx, c, intake.StartOptions{Interval: cfg.intakeInterval, Connection: s.Name})
			if err != nil {
				errs = append(errs, fmt.Errorf("connection %s: %w", s.Name, err))
				continue
			}
			logger.Info("System Log intake", "connection", s.Name, "workflow_id", intake.WorkflowID(s.Name),
				"already_running", res.Running, "interval", cfg.intakeInterval)
		}
		every := s.HealthInterval
		if every <= 0 {
			every = cfg.healthInterval
		}
		if every <= 0 {
			continue
		}
		if _, err := healthcheck.Enable(ctx, c, healthcheck.Options{Every: every, Playbook: cfg.healthPlaybook, Connection: s.Name}); err != nil {
			errs = append(errs, fmt.Errorf("connection %s: %w", s.Name, err))
			continue
		}
		logger.Info("health-check schedule", "connection", s.Name, "schedule_id", healthcheck.ScheduleID(s.Name), "every", every)
	}
	return errors.Join(errs...)
}

// queues lists the task queues the workers poll.
func queues(ws []connWorker) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.engine.Queue())
	}
	return out
}

// connectionsToServe lists the connections this worker serves: those of
// the connections file (--connections or CORDON_CONNECTIONS) and the
// default connection of the environment (OKTA_*; the file's own default
// wins), or with --dev the simulated orgs (dev) and the file's, narrowed
// to --connection's names. Only the connections served are opened: an
// MSSP's worker for one customer needs that customer's secrets alone.
func connectionsToServe(cfg config, dev []served, guardCfg guard.Config, logger *slog.Logger) ([]served, error) {
	f, err := openConnections(cfg, len(dev) > 0)
	if err != nil {
		return nil, err
	}
	known := servedNames(dev)
	for _, c := range f.Connections {
		if slices.Contains(known, c.Name) {
			return nil, fmt.Errorf("connection %s is defined twice: by %s and by the dev stack (%s)", c.Name, f.Path, strings.Join(known, ", "))
		}
		known = append(known, c.Name)
	}
	names, err := pick(known, cfg.connections, f.Path)
	if err != nil {
		return nil, err
	}
	var lib []*playbook.Playbook // the library's playbooks, read for OAuth scopes
	var out []served
	for _, name := range names {
		if i := slices.IndexFunc(dev, func(s served) bool { return s.Name == name }); i >= 0 {
			out = append(out, dev[i])
			continue
		}
		c, _ := f.Lookup(name)
		if c.Auth.Type == connections.AuthOAuth && lib == nil {
			lib = usage.Library(cfg.playbooks, action.Okta())
		}
		s, err := openConnection(c, usage.Needed(action.Okta(), lib, name), guardCfg)
		if err != nil {
			return nil, err
		}
		logger.Info("connection", "name", c.Name, "org", c.OrgURL, "auth", c.AuthLabel(), "file", f.Path)
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("no connection to serve")
	}
	return out, nil
}

// openConnections reads the connections file and, without --dev's orgs,
// the environment's default connection (connections.Open).
// --insecure-okta-url is OKTA_INSECURE=true for the environment's org.
func openConnections(cfg config, dev bool) (*connections.File, error) {
	if dev {
		if cfg.connectionsFile == "" {
			return &connections.File{}, nil
		}
		return connections.Load(cfg.connectionsFile)
	}
	getenv := os.Getenv
	if cfg.insecureOkta {
		getenv = func(k string) string {
			if k == okta.EnvInsecure {
				return "true"
			}
			return os.Getenv(k)
		}
	}
	f, err := connections.Open(cfg.connectionsFile, getenv)
	if errors.Is(err, okta.ErrNoCredentials) {
		return nil, fmt.Errorf("%w (or name a connections file with --connections, or run with --dev for the simulated orgs)", err)
	}
	return f, err
}

// openConnection reads a connection's secrets (connections.OktaConfig,
// requesting the scopes needed) and guardrails: its own guardrails file
// (none: the defaults), or for the environment's default connection the
// worker's --guardrails (envGuard), as before there were connections.
func openConnection(c connections.Connection, needed []string, envGuard guard.Config) (served, error) {
	oc, err := c.OktaConfig(needed)
	if err != nil {
		return served{}, err
	}
	s := served{Name: c.Name, Okta: oc, Guard: envGuard, HealthInterval: c.HealthInterval}
	if c.FromEnvironment() {
		return s, nil
	}
	s.Guard = guard.Config{}
	if c.Guardrails != "" {
		if s.Guard, err = guard.Load(c.Guardrails); err != nil {
			return served{}, fmt.Errorf("connection %s: guardrails: %w", c.Name, err)
		}
	}
	return s, nil
}
