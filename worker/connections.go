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

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/intake"
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

// pick keeps the connections --connection names (all of them when it
// names none) and fails on a name that is in neither the file nor the
// environment, so a typo does not start a worker that serves nothing.
func pick(all []served, only []string, file string) ([]served, error) {
	if len(only) == 0 {
		return all, nil
	}
	var out []served
	for _, name := range only {
		i := slices.IndexFunc(all, func(s served) bool { return s.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("--connection %s: no such connection (known: %s)%s", name, strings.Join(servedNames(all), ", "), fileHint(file))
		}
		out = append(out, all[i])
	}
	return out, nil
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

// withDefault adds the default connection configured by the environment
// (OKTA_ORG_URL etc., or the simulated org of --dev) unless the
// connections file names one itself: the file wins, and the worker says
// so rather than acting on two orgs under one name.
func withDefault(file []served, def *served, logger *slog.Logger) []served {
	if def == nil {
		return file
	}
	if slices.ContainsFunc(file, func(s served) bool { return s.Name == connections.Default }) {
		logger.Warn("the connections file names a default connection; the OKTA_* environment's org is not used", "org", def.Okta.OrgURL)
		return file
	}
	return append([]served{*def}, file...)
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
// default connection of the environment (OKTA_*), or with --dev the
// simulated orgs (dev), narrowed to --connection's names.
func connectionsToServe(cfg config, dev []served, guardCfg guard.Config, logger *slog.Logger) ([]served, error) {
	file, fromFile, err := loadConnections(cfg, guardCfg)
	if err != nil {
		return nil, err
	}
	var def *served
	switch {
	case len(dev) > 0:
		fromFile = append(dev, fromFile...)
	case envConfigures() || file == "":
		oc, err := oktaConfig(cfg)
		if err != nil {
			return nil, err
		}
		def = &served{Name: connections.Default, Okta: oc, Guard: guardCfg}
	}
	all := withDefault(fromFile, def, logger)
	if dup := duplicate(all); dup != "" {
		return nil, fmt.Errorf("connection %s is defined twice (the dev stack defines %s)", dup, strings.Join(servedNames(dev), ", "))
	}
	return pick(all, cfg.connections, file)
}

// envConfigures says whether the environment names a default org.
func envConfigures() bool {
	return os.Getenv(okta.EnvOrgURL) != "" || os.Getenv(okta.EnvSDKOrgURL) != ""
}

// duplicate returns a name two connections share, or "".
func duplicate(all []served) string {
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s.Name] {
			return s.Name
		}
		seen[s.Name] = true
	}
	return ""
}
