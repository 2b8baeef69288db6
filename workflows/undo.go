package workflows

import (
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// UndoWorkflowName reverses a containment step after a delay (undo_after):
// reactivate deactivated users, unblock blocked IPs, remove added members.
// It runs as an abandoned child, so it outlives the run that scheduled it,
// and `cordon cancel <its id>` keeps the containment in place.
const UndoWorkflowName = "UndoWorkflow"

// UndoInput is UndoWorkflow's input.
type UndoInput struct {
	Step    string         `json:"step"`
	Action  string         `json:"action"` // the undo action
	Params  map[string]any `json:"params"`
	After   time.Duration  `json:"after"`
	Targets []string       `json:"targets"`
	// RetryFor is how long the undo step retries 5xx and connection
	// errors (429s never count: the activity waits them out). 0, in
	// undos scheduled before issue 25, keeps the action's own policy.
	RetryFor time.Duration `json:"retry_for,omitempty"`
	// Connection is the connection of the step undone: the undo acts on
	// the org the step acted on. "" (undos scheduled before connections)
	// is the default connection.
	Connection string `json:"connection,omitempty"`
}

// DefaultUndoRetryFor is how long an undo step keeps retrying by default:
// long enough to outlast an Okta incident, short enough that a person
// hears about containment that stayed in place the same day.
const DefaultUndoRetryFor = 6 * time.Hour

// undoMaxInterval caps the backoff between an undo's attempts.
const undoMaxInterval = 5 * time.Minute

// Undo end state and failure type: the undo gave up with targets still
// changed (versionUndoFailed).
const (
	RunUndoFailed RunState = "undo_failed"
	ErrUndoFailed          = action.ErrUndoFailed
)

func (in *Interpreter) undoRetryFor() time.Duration {
	if in.UndoRetryFor > 0 {
		return in.UndoRetryFor
	}
	return DefaultUndoRetryFor
}

// undoOptions are the undo step's activity options: the action's, with
// the undo's long retry budget when it has one, on the queue of the
// connection of the step undone. An undo gets no schedule-to-start bound:
// a connection's workers that are down for a while (a deploy) must not
// leave containment in place; the retry budget bounds the wait, and a
// connection never served ends the undo undo_failed after it.
func undoOptions(a *action.Action, s *playbook.Step, u UndoInput) workflow.ActivityOptions {
	opts := activityOptions(a, s, s.ID)
	if u.RetryFor > 0 {
		opts.ScheduleToCloseTimeout = u.RetryFor
		opts.RetryPolicy.MaximumAttempts = 0 // bounded by ScheduleToCloseTimeout
		opts.RetryPolicy.MaximumInterval = undoMaxInterval
	}
	routeTo(&opts, u.Connection, true)
	return opts
}

// Undo is the body of UndoWorkflow; the interpreter's registry supplies the
// undo action's retry policy and timeout. Its status query answers a
// RunStatus with the one undo step, so `cordon status` shows an undo as it
// shows a run.
func (in *Interpreter) Undo(ctx workflow.Context, u UndoInput) (any, error) {
	st := undoStatus(ctx, u)
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (*RunStatus, error) { return st, nil }); err != nil {
		return nil, err
	}
	if err := childOnly(ctx, UndoWorkflowName); err != nil {
		return nil, err
	}
	if !in.isUndoAction(u.Action) {
		return nil, temporal.NewNonRetryableApplicationError(
			UndoWorkflowName+" reverses containment steps only; "+u.Action+" is no action's undo", ErrInvalidRunInput, nil)
	}
	err := workflow.Sleep(ctx, u.After)
	var out any
	if err == nil {
		a, ok := in.Registry.Lookup(u.Action)
		if !ok {
			return nil, temporal.NewNonRetryableApplicationError("unknown undo action "+u.Action, ErrInvalidPlaybook, nil)
		}
		s := &playbook.Step{ID: u.Step + "-undo", Action: u.Action}
		now := workflow.Now(ctx)
		st.Steps[0].Status, st.Steps[0].StartedAt = playbook.StatusRunning, &now
		out, _, err = execute(ctx, undoOptions(a, s, u), u.Connection, a, action.Request{Params: u.Params, Step: s.ID})
	}
	stays := undoLeft(u, out, err)
	if len(stays) > 0 && !temporal.IsCanceledError(err) && gated(ctx, versionUndoFailed) {
		return in.undoFailed(ctx, st, u, out, err, stays)
	}
	now := workflow.Now(ctx)
	st.FinishedAt, st.Steps[0].FinishedAt = &now, &now
	switch {
	case err == nil:
		st.Status, st.Steps[0].Status, st.Steps[0].Output = RunSucceeded, bulkStatusOr(out), summarize(out)
	case temporal.IsCanceledError(err):
		st.Status, st.Steps[0].Status, st.Error = RunCancelled, playbook.StatusSkipped, "cancelled: the containment stays in place"
	default:
		st.Status, st.Steps[0].Status, st.Steps[0].Error, st.Error = RunFailed, playbook.StatusFailed, stepError(err), err.Error()
	}
	count(ctx, MetricUndoDone, map[string]string{"action": u.Action, "status": string(st.Status)})
	return out, err
}

func undoStatus(ctx workflow.Context, u UndoInput) *RunStatus {
	info := workflow.GetInfo(ctx)
	started := workflow.Now(ctx)
	return &RunStatus{
		WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		Playbook: "undo of " + u.Step, Status: RunRunning, StartedAt: started,
		Outputs: undoOutputs(started.Add(u.After), u),
		Steps:   []*StepStatus{{ID: u.Step + "-undo", Kind: string(playbook.KindAction), Action: u.Action, Status: playbook.StatusPending}},
	}
}

// undoOutputs are what an undo's status shows before it runs: when, on
// which targets, and on which connection when not the default.
func undoOutputs(at time.Time, u UndoInput) map[string]any {
	out := map[string]any{"runs_at": at, "targets": toAny(u.Targets)}
	if u.Connection != "" {
		out["connection"] = u.Connection
	}
	return out
}

// bulkStatusOr is a finished undo step's status.
func bulkStatusOr(out any) playbook.StepState {
	b, _ := action.DecodeBulk(out)
	if s := bulkStatus(b); s != "" {
		return s
	}
	return playbook.StatusSucceeded
}

// scheduleUndo starts the undo of what the step actually changed (outcome
// done: targets already in the wanted state before the run are left alone)
// and records it in the step's output.
func (r *run) scheduleUndo(ctx workflow.Context, s *playbook.Step, a *action.Action, params map[string]any, out *outcome) {
	b := out.bulk
	if b == nil {
		return
	}
	var changed []string
	for _, res := range b.Results {
		if res.Outcome == action.OutcomeDone {
			changed = append(changed, res.ID)
		}
	}
	if len(changed) == 0 {
		return
	}
	id := r.info.ID + "/undo-" + s.ID
	at := workflow.Now(ctx).Add(s.UndoAfter)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        id,
		ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:     "undo " + s.ID + " (" + a.Undo + ") after " + s.UndoAfter.String(),
	})
	f := workflow.ExecuteChildWorkflow(cctx, UndoWorkflowName, UndoInput{
		Step: s.ID, Action: a.Undo, Params: a.UndoParams(params, changed), After: s.UndoAfter, Targets: changed,
		RetryFor: r.undoRetryFor, Connection: r.undoConnection(s),
	})
	// Wait for the start only: the undo runs on its own schedule.
	var exec workflow.Execution
	if err := f.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		b.Undo = &action.UndoScheduled{Error: err.Error()}
		return
	}
	b.Undo = &action.UndoScheduled{WorkflowID: id, Action: a.Undo, At: &at, Targets: changed}
	count(ctx, MetricUndoScheduled, map[string]string{"action": a.Undo})
}

// isUndoAction says whether some action of the registry names this one as
// its undo: UndoWorkflow runs nothing else.
func (in *Interpreter) isUndoAction(name string) bool {
	for _, a := range in.Registry.All() {
		if a.Undo != "" && a.Undo == name {
			return true
		}
	}
	return false
}
