package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/activities"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/notify"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/internal/version"
	"github.com/cordonsec/cordon/workflows"
)

// deps are the long-lived dependencies that workflows and activities are
// registered with. They live on a struct, not in globals, so tests build
// their own.
type deps struct {
	Logger *slog.Logger
	// Temporal and Playbooks let the System Log intake start runs of the
	// library's playbooks.
	Temporal  client.Client
	Playbooks string
	// StoreOn says a payload store takes large results; without one, an
	// activity result over Temporal's payload limit fails at once.
	StoreOn bool
	// ApprovalsURL is the approvals page waiting runs link to.
	ApprovalsURL string
	Approvals    workflows.ApprovalPolicy
	// Signer signs the runs the worker starts itself (startSigner).
	Signer   *signing.Signer
	Notifier *notify.Notifier
	Audit    *audit.Recorder
}

// engineConfig is the one place that says what this worker executes for
// connection s, acting through oc; the engine itself (engine.New) is
// shared with the end-to-end tests and cordon test.
func engineConfig(d *deps, oc *okta.Client, s served) (engine.Config, error) {
	cfg := engine.Config{Okta: oc, Guard: s.Guard, Logger: d.Logger, Connection: s.Name,
		Starter: trigger.ClientStarter{Client: d.Temporal, Signer: d.Signer}, Playbooks: d.Playbooks, Temporal: d.Temporal,
		ApprovalsURL: d.ApprovalsURL, Approvals: d.Approvals, Notifier: d.Notifier, Audit: d.Audit}
	if !d.StoreOn {
		cfg.MaxOutputBytes = activities.DefaultMaxOutputBytes
	}
	var err error
	if cfg.UndoRetryFor, err = envDuration("CORDON_UNDO_RETRY_FOR"); err != nil {
		return cfg, err
	}
	if cfg.LogDelay, err = envDuration("CORDON_LOG_DELAY"); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// oktaClient builds the Okta client from the environment (OKTA_ORG_URL,
// OKTA_API_TOKEN or OKTA_API_TOKEN_FILE, or the Okta SDK's names). The
// token stays in the worker's memory: it never enters workflow input or
// history, and the config redacts it when logged.
func oktaClient(cfg okta.Config, logger *slog.Logger, opts ...okta.Option) (*okta.Client, error) {
	cfg.UserAgent = "cordon/" + version.Version
	c, err := okta.NewClient(cfg, append([]okta.Option{okta.WithLogger(logger)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("okta: %w", err)
	}
	return c, nil
}

// guardConfig reads --guardrails FILE (or CORDON_GUARDRAILS); without one
// the defaults apply: 25 targets per step, loopback and private networks
// protected, the token's owner protected.
func guardConfig(path string) (guard.Config, error) {
	if path == "" {
		path = os.Getenv("CORDON_GUARDRAILS")
	}
	if path == "" {
		return guard.Config{}, nil
	}
	return guard.Load(path)
}

// approvalPolicy turns the guardrail file's approvals: section into what
// the approve update's validator checks. Signed decisions are required
// unless the file says otherwise or the worker runs with --dev. Without
// any key no decision can be taken, only timeouts decide: the worker still
// runs (playbooks without approvals work), and says so loudly.
func approvalPolicy(g guard.Config, dev bool, logger *slog.Logger) (workflows.ApprovalPolicy, error) {
	keys, err := g.Approvals.Keyring(g.Dir)
	if err != nil {
		return workflows.ApprovalPolicy{}, fmt.Errorf("guardrails: %w", err)
	}
	p := workflows.ApprovalPolicy{RequireSigned: g.Approvals.Required(dev), Keys: keys, MaxAge: g.Approvals.MaxAge,
		RequireSignedStarts: g.Approvals.StartsRequired(dev), Permissions: g.Permissions}
	switch {
	case p.RequireSigned && len(keys) == 0:
		logger.Error("approvals: signed decisions are required (approvals.require_signed, the default without --dev) but the guardrail file names no approvals.keys, so every decision will be refused; " +
			"add cordon serve's public key (cordon keygen) to approvals.keys")
	case !p.RequireSigned:
		logger.Warn("approvals: unsigned decisions are accepted; anyone who can reach Temporal can approve as anyone (approvals.require_signed: false or --dev)")
	}
	if p.RequireSignedStarts && len(keys) == 0 {
		logger.Error("approvals: signed starts are required (approvals.require_signed_starts, the default without --dev) but the guardrail file names no approvals.keys, so every run will be refused before its first step; " +
			"add cordon serve's public key (cordon keygen) to approvals.keys")
	}
	if !p.RequireSignedStarts {
		logger.Warn("approvals: unsigned starts are accepted; anyone who can reach Temporal can start any playbook as anyone (approvals.require_signed_starts: false or --dev)")
	}
	return p, nil
}

// envDuration reads a duration setting such as CORDON_UNDO_RETRY_FOR=12h;
// unset is 0 (the default applies).
func envDuration(name string) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 6h or 90s", name, v)
	}
	return d, nil
}
