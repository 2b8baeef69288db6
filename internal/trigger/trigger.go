// Package trigger matches alerts and Okta System Log events against the
// `on:` triggers of the playbook library and starts the runs they ask for.
// The webhook server (package serve) and the System Log intake (package
// intake) share it, so both sources start runs the same way: one run per
// playbook per alert, with a workflow ID derived from the alert, started
// with Temporal's reject-duplicate policy so that a re-sent alert or a
// re-polled event never starts a second run.
package trigger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
)

// Starter starts one run. ClientStarter is the real one; tests use fakes.
type Starter interface {
	Start(ctx context.Context, req runs.Request) (runs.Started, error)
}

// ClientStarter starts runs on a Temporal cluster with runs.Start.
type ClientStarter struct {
	Client client.Client
	// Signer, when set, signs the starts of requests that bring no
	// signer of their own (service identities: the System Log intake,
	// the health check, the webhook).
	Signer *signing.Signer
}

// Start implements Starter.
func (s ClientStarter) Start(ctx context.Context, req runs.Request) (runs.Started, error) {
	if req.Signer == nil {
		req.Signer = s.Signer
	}
	return runs.Start(ctx, s.Client, req)
}

// LoadLibrary loads every playbook of dir, sorted by name. Invalid files
// come back as errors and are left out; the valid ones are still returned,
// so one broken file never stops the others from triggering.
func LoadLibrary(dir string, reg *action.Registry) ([]*playbook.Playbook, playbook.ErrorList) {
	byName, errs := playbook.LoadDir(dir, playbook.Options{Registry: reg})
	out := make([]*playbook.Playbook, 0, len(byName))
	for _, pb := range byName {
		out = append(out, pb)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errs
}

// Match is one playbook whose trigger matched an alert.
type Match struct {
	Playbook *playbook.Playbook
	Inputs   map[string]any // the trigger's with:, evaluated
}

// MatchError is a trigger that could not be evaluated against an alert
// (for example an if: that did not give a boolean). It starts nothing.
type MatchError struct {
	Playbook string
	Err      error
}

func (e *MatchError) Error() string { return e.Playbook + ": " + e.Err.Error() }
func (e *MatchError) Unwrap() error { return e.Err }

// Matching returns, for each playbook in order, its first trigger of kind
// that accepts alert: keep (nil: every trigger) and then the trigger's if:.
// An okta_event trigger sees the event as both `event` and `alert`.
// A playbook starts at most once per alert, so later triggers of the same
// playbook are not evaluated after one matched.
func Matching(pbs []*playbook.Playbook, kind playbook.TriggerKind, alert map[string]any, keep func(*playbook.Trigger) bool) ([]Match, []error) {
	env := &playbook.Env{Alert: alert}
	if kind == playbook.TriggerOktaEvent {
		env.Event = alert
	}
	var out []Match
	var errs []error
	for _, pb := range pbs {
		for _, t := range pb.On {
			if t.Kind != kind || (keep != nil && !keep(t)) {
				continue
			}
			ok, err := playbook.EvalBool(t.If, env)
			if err != nil {
				errs = append(errs, &MatchError{Playbook: pb.Name, Err: err})
				continue
			}
			if !ok {
				continue
			}
			inputs, err := evalWith(t, env)
			if err != nil {
				errs = append(errs, &MatchError{Playbook: pb.Name, Err: err})
				continue
			}
			out = append(out, Match{Playbook: pb, Inputs: inputs})
			break
		}
	}
	return out, errs
}

func evalWith(t *playbook.Trigger, env *playbook.Env) (map[string]any, error) {
	keys := make([]string, 0, len(t.With))
	for k := range t.With {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	inputs := make(map[string]any, len(keys))
	for _, k := range keys {
		v, err := t.With[k].Eval(env)
		if err != nil {
			return nil, fmt.Errorf("with.%s: %w", k, err)
		}
		inputs[k] = v
	}
	return inputs, nil
}

// Key is the part of an alert's run IDs that names the alert: its id
// field, else "sha256-" and the first 20 hex digits of the SHA-256 of the
// alert's canonical JSON (keys sorted, no spaces), so that a re-sent alert
// without an id still maps to the same runs.
func Key(alert map[string]any) string {
	if id := runs.AlertID(alert); id != "" {
		return id
	}
	b, _ := json.Marshal(alert) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return "sha256-" + hex.EncodeToString(sum[:])[:20]
}

// RunID is the workflow ID of playbook name's run for the alert key:
// <playbook>-<key>, with characters Temporal IDs should not hold replaced
// as runs.DefaultID does.
func RunID(name, key string) string {
	return runs.DefaultID(name, map[string]any{"id": key})
}

// Run is what happened to one match.
type Run struct {
	Playbook   string `json:"playbook"`
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
	// Duplicate: a run with this workflow ID already existed, and it was
	// not started again.
	Duplicate bool   `json:"duplicate"`
	Error     string `json:"error,omitempty"`
}

// Source says where a batch of starts came from.
type Source struct {
	Library   runs.Library // for pinning playbook: children
	StartedBy string       // recorded on the run, e.g. "webhook"
	// Connection, when set, is the runs' connection (runs.Request): the
	// webhook's ?connection=, or the connection whose System Log the
	// intake read.
	Connection string
}

// StartAll starts a run for each match, in order. Input problems (a with:
// value of the wrong type) are reported on that run and the others go on.
// Any other failure (Temporal unreachable) stops the batch and is returned
// with the runs handled so far: starting again is safe, because the IDs
// are the same.
func StartAll(ctx context.Context, st Starter, src Source, alert map[string]any, key string, matches []Match) ([]Run, error) {
	out := make([]Run, 0, len(matches))
	for _, m := range matches {
		id := RunID(m.Playbook.Name, key)
		started, err := st.Start(ctx, runs.Request{Playbook: m.Playbook, Library: src.Library, Inputs: m.Inputs,
			Alert: alert, ID: id, StartedBy: src.StartedBy, Connection: src.Connection})
		var inErr *runs.InputError
		switch {
		case errors.As(err, &inErr):
			out = append(out, Run{Playbook: m.Playbook.Name, WorkflowID: id, Error: err.Error()})
			continue
		case err != nil:
			return out, err
		}
		out = append(out, Run{Playbook: m.Playbook.Name, WorkflowID: started.WorkflowID, RunID: started.RunID, Duplicate: started.Duplicate})
	}
	return out, nil
}
