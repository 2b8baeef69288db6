package engine

import (
	"go.temporal.io/sdk/client"
	"log/slog"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/internal/notify"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// Config is what an engine is built from. The worker binary fills it from
// its flags and environment; the end-to-end harnesses and cordon test fill
// it for their stacks, so every one of them runs the same wiring.
type Config struct {
	// Okta is the client every activity reads and writes through.
	// Required.
	Okta *okta.Client
	// Guard is the guardrail configuration; the zero value applies the
	// defaults (guard.Config).
	Guard guard.Config
	// Logger receives the activities' logs; nil discards them.
	Logger *slog.Logger
	// MaxOutputBytes caps an action's result when no payload store takes
	// large ones (activities.DefaultMaxOutputBytes); 0: no cap.
	MaxOutputBytes int
	// LogDelay is how long attribution waits for the System Log
	// (activities.Activities.LogDelay); 0: its default.
	LogDelay time.Duration
	// Starter starts the System Log intake's and the health alert's runs
	// of the playbooks in directory Playbooks; a nil Starter registers
	// neither activity.
	Starter   trigger.Starter
	Playbooks string
	// The rest is handed to Register as is (see Deps).
	ApprovalsURL     string
	Approvals        workflows.ApprovalPolicy
	Notifier         *notify.Notifier
	Audit            *audit.Recorder
	TrustedWorkflows []string
	UndoRetryFor     time.Duration
	// Temporal lets the start check look for an earlier run of a signed
	// start (Deps.Temporal).
	Temporal client.Client
	// Connection names the Okta connection (internal/connections) this
	// engine acts through; "" is the default connection. See
	// connection.go for what an engine of another connection registers.
	Connection string
}

// Engine is Cordon's workflows and activities, built once: the action
// registry, the guard, the activities, and the intake and health
// activities when the config can start runs.
type Engine struct {
	Registry   *action.Registry
	Guard      *guard.Guard
	Activities *activities.Activities
	deps       Deps
	connection string
}

// New builds the engine's parts from cfg.
func New(cfg Config) (*Engine, error) {
	reg := action.Okta()
	g, err := guard.New(cfg.Guard, Directory{Okta: cfg.Okta})
	if err != nil {
		return nil, err
	}
	acts := activities.New(cfg.Okta, reg, cfg.Logger)
	acts.MaxOutputBytes = cfg.MaxOutputBytes
	acts.LogDelay = cfg.LogDelay
	acts.Connection = connectionName(cfg.Connection)
	d := Deps{Registry: reg, Activities: acts, Guard: g, ApprovalsURL: cfg.ApprovalsURL, Approvals: cfg.Approvals,
		Notifier: cfg.Notifier, Audit: cfg.Audit, TrustedWorkflows: cfg.TrustedWorkflows, UndoRetryFor: cfg.UndoRetryFor, Temporal: cfg.Temporal,
		Connection: cfg.Connection}
	if cfg.Starter != nil {
		lib := runs.Library{Dir: cfg.Playbooks, Registry: reg}
		d.Intake = &intake.Poller{Okta: cfg.Okta, Starter: cfg.Starter, Library: lib, Connection: cfg.Connection}
		d.Health = &healthcheck.Alerter{Starter: cfg.Starter, Library: lib, Connection: cfg.Connection}
	}
	return &Engine{Registry: reg, Guard: g, Activities: acts, deps: d, connection: connectionName(cfg.Connection)}, nil
}

// Register adds every workflow and activity to r (see the package-level
// Register). A worker restarted in a test registers the same engine again.
func (e *Engine) Register(r worker.Registry) { Register(r, e.deps) }
