package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// The run contract: what PlaybookWorkflow checks of its own input before
// its first step, whoever started it (cordon run, the webhook, the System
// Log intake, or another Temporal client in any language). The Temporal
// frontend is reachable by more than Cordon's own starters, so the
// workflow, not the starter, is the trust boundary.
//
// A run that breaks the contract fails before any activity with a
// non-retryable ApplicationError of type ErrInvalidRunInput whose details
// hold the run's status.

// versionRunContract gates the contract checks: histories recorded before
// them replay unchanged (DefaultVersion), every new run is checked.
const versionRunContract = "run-contract"

// ErrInvalidRunInput is the error type of a run refused by its contract.
const ErrInvalidRunInput = action.ErrInvalidRunInput

// StartedByHelp says what options.started_by holds, for refusals.
const StartedByHelp = "set options.started_by to who starts the run: a person's login for a run started by hand, " +
	"webhook:<auth> for the webhook, okta-event:<uuid> for the System Log intake"

// admit checks a run's input against its pinned playbook and returns the
// input with the playbook's input declarations applied (defaults, types,
// required, allowed values). library holds the parsed pinned library.
func admit(ctx workflow.Context, pb *playbook.Playbook, library map[string]*playbook.Playbook, input RunInput) (RunInput, error) {
	if err := checkPin("playbook", input.Playbook, pb); err != nil {
		return input, err
	}
	for _, name := range sortedKeys(input.Library) {
		p := input.Library[name]
		if p.Name != name {
			return input, fmt.Errorf("library entry %q pins playbook %q; the key must be the playbook's name", name, p.Name)
		}
		if err := checkPin("library playbook "+name, p, library[name]); err != nil {
			return input, err
		}
	}
	if strings.TrimSpace(input.Options.StartedBy) == "" {
		return input, fmt.Errorf("options.started_by is required: %s", StartedByHelp)
	}
	if (len(input.Chain) > 0 || input.MaxDepth != 0) && workflow.GetInfo(ctx).ParentWorkflowExecution == nil {
		// A root run that claims parents could lift its own child depth cap.
		return input, fmt.Errorf("chain and max_depth are set by a parent run for its children; a run started on its own must leave them out")
	}
	if (input.RunTargets != 0 || input.MaxRunTargets != 0) && workflow.GetInfo(ctx).ParentWorkflowExecution == nil {
		// A root run that claims a parent's count could set its own limit.
		// No recorded history has these fields, so no gate is needed.
		return input, fmt.Errorf("run_targets and max_run_targets are set by a parent run for its children; a run started on its own must leave them out")
	}
	if err := checkConnections(ctx, input); err != nil {
		return input, err
	}
	if input.RunTargets < 0 || input.MaxRunTargets < 0 {
		return input, fmt.Errorf("run_targets and max_run_targets may not be negative")
	}
	if input.Resume != nil && workflow.GetInfo(ctx).ContinuedExecutionRunID == "" {
		return input, fmt.Errorf("resume is only accepted from continue-as-new, and this run was started fresh: start it without resume")
	}
	if err := checkOrigin(ctx, input.Resume); err != nil {
		return input, err
	}
	inputs, err := pb.InputsWithDefaults(input.Inputs)
	if err != nil {
		return input, fmt.Errorf("inputs of playbook %s: %w", pb.Name, err)
	}
	input.Inputs = inputs
	return input, nil
}

// checkPin verifies that a pinned source is what the pin says: its sha256
// and the name and version the source itself declares.
func checkPin(what string, p Pinned, pb *playbook.Playbook) error {
	sum := sha256.Sum256([]byte(p.Source))
	if got := hex.EncodeToString(sum[:]); !strings.EqualFold(p.SHA256, got) {
		return fmt.Errorf("%s %s: pinned sha256 %q does not match its source (sha256 %s)", what, p.Name, p.SHA256, got)
	}
	if pb == nil {
		return fmt.Errorf("%s %s is pinned but was not parsed", what, p.Name)
	}
	if p.Name != pb.Name || p.Version != pb.Version {
		return fmt.Errorf("%s: pinned as %s v%d, but its source declares %s v%d", what, p.Name, p.Version, pb.Name, pb.Version)
	}
	return nil
}

// refuse fails a run that broke its contract; its status says why.
func (r *run) refuse(ctx workflow.Context, err error) error {
	now := workflow.Now(ctx)
	r.status.FinishedAt = &now
	r.status.Status = RunFailed
	r.status.Error = "run refused: " + err.Error()
	if err := r.showFinal(ctx); err != nil {
		return err
	}
	return temporal.NewNonRetryableApplicationError(r.status.Error, ErrInvalidRunInput, nil, r.status)
}

// sameActor says whether two identities (a starter, an approver, a name in
// approvers:) are the same person: case-insensitive, surrounding space
// ignored, so "Mallory " cannot approve what "mallory" started.
func sameActor(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// AlertID is the alert's id field as a string, "" when absent: what
// CordonAlertID holds and what default run IDs are named after.
func AlertID(alert any) string {
	m, _ := alert.(map[string]any)
	switch id := m["id"].(type) {
	case string:
		return id
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64)
	case int:
		return strconv.Itoa(id)
	}
	return ""
}

// upsertSearchAttributes makes CordonPlaybook, CordonAlertID and
// CordonDryRun say what the input says, so every run is findable however
// it was started, and a fresh run starts with no CordonTarget a caller
// made up. Only attributes that differ are written: a run started by
// cordon run needs no upsert.
func (r *run) upsertSearchAttributes(ctx workflow.Context, fresh bool) error {
	have := workflow.GetTypedSearchAttributes(ctx)
	var ups []temporal.SearchAttributeUpdate
	if v, ok := have.GetKeyword(SearchPlaybook); !ok || v != r.pb.Name {
		ups = append(ups, SearchPlaybook.ValueSet(r.pb.Name))
	}
	if v, ok := have.GetBool(SearchDryRun); !ok || v != r.input.Options.DryRun {
		ups = append(ups, SearchDryRun.ValueSet(r.input.Options.DryRun))
	}
	alertID := AlertID(r.input.Alert)
	v, ok := have.GetKeyword(SearchAlertID)
	switch {
	case alertID != "" && (!ok || v != alertID):
		ups = append(ups, SearchAlertID.ValueSet(alertID))
	case alertID == "" && ok:
		ups = append(ups, SearchAlertID.ValueUnset())
	}
	if r.routed {
		if v, ok := have.GetKeyword(SearchConnection); !ok || v != r.conn {
			ups = append(ups, SearchConnection.ValueSet(r.conn))
		}
	}
	if fresh && have.ContainsKey(SearchTarget) {
		ups = append(ups, SearchTarget.ValueUnset())
	}
	if len(ups) == 0 {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx, ups...)
}

// parseLibrary parses every pinned library playbook once, so the pins are
// checked before the first step and a child step finds its playbook parsed.
func (in *Interpreter) parseLibrary(lib map[string]Pinned) (map[string]*playbook.Playbook, error) {
	out := make(map[string]*playbook.Playbook, len(lib))
	for _, name := range sortedKeys(lib) {
		p := lib[name]
		pb, err := playbook.Load(p.File, []byte(p.Source), playbook.Options{Registry: in.Registry, Pinned: true})
		if err != nil {
			return nil, fmt.Errorf("pinned library playbook %s does not load: %w", name, err)
		}
		out[name] = pb
	}
	return out, nil
}

// childOnly refuses a start of a workflow that Cordon starts only as the
// child of a playbook run (ZoneWriteWorkflow, UndoWorkflow): started on
// their own they would act without the run's guardrails and approvals.
// A client that runs workers of its own could still start them as its
// own children; that is what Temporal's authorizer is for
// (docs/integrations.md).
func childOnly(ctx workflow.Context, name string) error {
	if workflow.GetInfo(ctx).ParentWorkflowExecution == nil {
		return temporal.NewNonRetryableApplicationError(
			name+" runs only as the child of a playbook run; start a PlaybookWorkflow instead", ErrInvalidRunInput, nil)
	}
	return nil
}
