package runs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// Request is one run to start.
type Request struct {
	Playbook *playbook.Playbook
	Library  Library
	Inputs   map[string]any // typed; defaults are applied here
	Alert    map[string]any
	ID       string // workflow ID; default <playbook>-<alert id>, else <playbook>-<random>
	DryRun   bool
	// Connection overrides the playbook's connection: for the run
	// (playbook.RunConnection); "" keeps it.
	Connection string
	// Connections, when not nil, are the names of the connections file:
	// a run that would act on any other is refused before it starts
	// (Library.CheckConnections). nil skips the check (no file at hand;
	// the worker then fails the step on an unserved connection).
	Connections []string
	// StartedBy is who starts the run (required; options.started_by):
	// a person's login from the CLI, webhook:<scheme>, okta-event:<uuid>.
	StartedBy string
	// Signer, when set, signs the start (workflows.SignStart) for
	// StartedBy, with the person's Login and Groups; a worker with
	// approvals.require_signed_starts refuses unsigned starts.
	Signer *signing.Signer
	Login  string
	Groups []string
}

// Started says what Start did.
type Started struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	// Duplicate is true when a run with this ID already existed: a
	// re-sent alert never starts a second run.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Start pins the playbook and starts its run. Input errors (missing
// required inputs, wrong types) come back before anything is started.
func Start(ctx context.Context, c client.Client, req Request) (Started, error) {
	if strings.TrimSpace(req.StartedBy) == "" {
		return Started{}, &InputError{Err: errors.New("who starts the run is required (started_by)")}
	}
	if err := req.CheckConnections(); err != nil {
		return Started{}, err
	}
	inputs, err := req.Playbook.InputsWithDefaults(req.Inputs)
	if err != nil {
		return Started{}, &InputError{Err: err}
	}
	pinned, lib, err := req.Library.Pin(req.Playbook)
	if err != nil {
		return Started{}, &InputError{Err: err}
	}
	id := req.ID
	if id == "" {
		id = DefaultID(req.Playbook.Name, req.Alert)
		if req.DryRun {
			// A plan must not take the ID the real run for this alert
			// will need, or the real run would be refused as a duplicate.
			id += "-plan-" + randomHex()
		}
	}
	alertID := AlertID(req.Alert)
	sa := []temporal.SearchAttributeUpdate{
		workflows.SearchPlaybook.ValueSet(req.Playbook.Name),
		workflows.SearchDryRun.ValueSet(req.DryRun),
		workflows.SearchState.ValueSet(string(workflows.RunRunning)),
		workflows.SearchConnection.ValueSet(playbook.RunConnection(req.Playbook, req.Connection, "")),
	}
	if alertID != "" {
		sa = append(sa, workflows.SearchAlertID.ValueSet(alertID))
	}
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Without this the SDK returns the existing run as if it had just
		// started it, and a re-sent alert could not be told apart.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(sa...),
		StaticSummary:                            summary(req),
		// A run started by a worker's own client (the System Log intake,
		// triggers, worker --dev's demo) gets its first workflow task in
		// the start's reply instead of through matching. Elsewhere (the
		// CLI, cordon serve) no local worker exists and the start is
		// unchanged.
		EnableEagerStart: true,
	}
	var alert any
	if req.Alert != nil {
		alert = req.Alert
	}
	in := workflows.RunInput{Playbook: pinned, Library: lib, Inputs: inputs, Alert: alert, Connection: req.Connection,
		Options: workflows.RunOptions{DryRun: req.DryRun, StartedBy: req.StartedBy}}
	if req.Signer != nil {
		if in, err = signedInput(id, in, req); err != nil {
			return Started{}, err
		}
	}
	run, err := c.ExecuteWorkflow(ctx, opts, workflows.PlaybookWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return Started{WorkflowID: id, RunID: started.RunId, Duplicate: true}, nil
	}
	if err != nil {
		return Started{}, fmt.Errorf("starting %s: %w", req.Playbook.Name, err)
	}
	return Started{WorkflowID: run.GetID(), RunID: run.GetRunID()}, nil
}

// signedInput signs in as the worker will read it: the input goes through
// its JSON encoding first, so the signed inputs and alert are exactly the
// values the workflow decodes.
func signedInput(id string, in workflows.RunInput, req Request) (workflows.RunInput, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return in, &InputError{Err: fmt.Errorf("encoding the run's input: %w", err)}
	}
	var wire workflows.RunInput
	if err := json.Unmarshal(b, &wire); err != nil {
		return in, &InputError{Err: fmt.Errorf("encoding the run's input: %w", err)}
	}
	return workflows.SignStart(req.Signer, id, randomHex()+randomHex(), req.Login, req.Groups, wire, time.Now())
}

func summary(req Request) string {
	s := req.Playbook.Name + " v" + fmt.Sprint(req.Playbook.Version)
	if req.DryRun {
		s += " (dry run)"
	}
	return s
}

// InputError is a problem with what the caller asked for; nothing was started.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9._:@-]+`)

// DefaultID is <playbook>-<alert id> when the alert has an id, so a
// repeated alert maps to the same run, else <playbook>-<random>. Characters
// a workflow ID should not hold become "_"; when any was changed, "~" and
// the first 8 hex digits of the SHA-256 of the original id are appended,
// so ids that differ only there ("coll a", "coll_a", "coll/a") name
// different runs. "~" is itself replaced in ids, so no alert can pick an
// id that takes another alert's run. ParseAlert refuses ids too long to
// fit.
func DefaultID(name string, alert map[string]any) string {
	if id := AlertID(alert); id != "" {
		safe := strings.Trim(unsafeID.ReplaceAllString(id, "_"), "_")
		if safe != id {
			sum := sha256.Sum256([]byte(id))
			safe += "~" + hex.EncodeToString(sum[:4])
		}
		return name + "-" + safe
	}
	return name + "-" + randomHex()
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
