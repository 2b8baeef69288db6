// Package activities implements Cordon's Okta actions as Temporal
// activities: one per command in the action registry (package action),
// registered under the registry's names.
//
// It owns parameter validation against the registry (params.go), the
// rich per-item results of list actions (bulk.go), idempotency (a repeated
// write reports "already done", never a failure) and the one function that
// turns errors into retryable or non-retryable Temporal errors (errors.go).
// Okta's HTTP protocol lives in the client (package okta); retry policies
// and timeouts are declared per action in the registry.
//
// The workflow canonicalises and guards a destructive step's targets with
// package action (ParseList, ParseIPEntry, CanonicalID) and the cordon.resolve
// activity (resolve.go) before the action runs, so the action acts on
// exactly the targets that were checked. The activities trust no caller
// for that: they run only inside Cordon's workflows (origin.go) and ask
// the guard again right before each write (writeguard.go,
// writeguard_zone.go).
package activities

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// Activities holds the dependencies of every Okta activity. One value is
// registered per worker; its client is shared by all activities so that
// rate-limit pacing sees all of the worker's Okta traffic.
type Activities struct {
	Okta     *okta.Client
	Registry *action.Registry
	// Logger is used outside an activity context (registration); inside
	// activities the SDK's activity.GetLogger is used.
	Logger *slog.Logger
	// Now is the clock for relative times such as "-24h". Default time.Now.
	Now func() time.Time
	// BulkConcurrency is how many items of a list action run at once; the
	// client's pacing and in-flight cap still apply. Default 8.
	BulkConcurrency int
	// MaxOutputBytes, when > 0, fails any result larger than this at once
	// and non-retryably (outsize.go). Set it to Temporal's payload limit
	// (DefaultMaxOutputBytes) when no payload store is configured; leave it
	// 0 with a store, which takes results of any size. Default 0.
	MaxOutputBytes int
	// Callers are the workflows allowed to run these activities (origin.go);
	// the engine sets Cordon's. Default none: every call is refused.
	Callers Callers
	// Guard re-checks a write's targets against the guardrails right
	// before the write (writeguard.go); the engine sets the worker's.
	// Default nil: every destructive action is refused.
	Guard WriteGuard

	// Connection names the connection (internal/connections) the client
	// reaches, for messages; "" is the default connection.
	Connection string

	// LogDelay is how long a step waits for the System Log to show the
	// event of a write whose reply was lost (attribution.go). Default
	// DefaultLogDelay.
	LogDelay time.Duration

	zoneMu sync.Map // zone id -> *sync.Mutex; see lockZone

	selfMu    sync.Mutex // guards self, selfKnown (attribution.go)
	self      string
	selfKnown bool
}

// New returns the activities over client and reg.
func New(client *okta.Client, reg *action.Registry, logger *slog.Logger) *Activities {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Activities{Okta: client, Registry: reg, Logger: logger, Now: time.Now, BulkConcurrency: 8}
}

// start looks up the action, validates the request's params, re-checks a
// destructive action's guarded values against the guardrails
// (writeguard.go) and logs the start. Invalid input and refusals come back
// already classified (non-retryable).
func (a *Activities) start(ctx context.Context, name string, req action.Request) (*action.Action, *Params, error) {
	act, ok := a.Registry.Lookup(name)
	if !ok {
		return nil, nil, classify(name, &InputError{Action: name, Msg: "action not in the registry"})
	}
	now := a.now()
	p, err := ParseParams(act, req.Params, now)
	if err != nil {
		return act, nil, classify(act.Title, err)
	}
	if err := p.check(act, now); err != nil {
		return act, nil, classify(act.Title, err)
	}
	if err := a.checkScopes(ctx, act); err != nil {
		return act, nil, err
	}
	if err := a.recheck(ctx, act, p); err != nil {
		return act, nil, err
	}
	activity.GetLogger(ctx).Info("okta action", "action", name, "step", req.Step)
	return act, p, nil
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// lockZone serialises read-modify-write of one zone within this worker:
// Okta has no ETag on zones, so two concurrent appends would lose one.
// Across workers and runs, ZoneWriteWorkflow serialises zone writes
// (workflows/zone.go: one open execution per cordon-zone-<id>).
func (a *Activities) lockZone(id string) func() {
	m, _ := a.zoneMu.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
