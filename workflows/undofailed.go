package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// undoLeft lists the undo's targets that stay changed: the failed items
// of its result, or, when the step itself failed, every target its
// failure's result does not show as reversed.
func undoLeft(u UndoInput, out any, err error) []string {
	b, ok := action.DecodeBulk(out)
	if err != nil {
		b, ok = failureBulk(err)
		if !ok {
			return u.Targets
		}
	}
	if !ok || b == nil {
		return nil
	}
	if err == nil {
		return b.Failed
	}
	reversed := map[string]bool{}
	for _, id := range b.Succeeded {
		reversed[id] = true
	}
	var left []string
	for _, id := range u.Targets {
		if !reversed[id] {
			left = append(left, id)
		}
	}
	return left
}

// failureBulk reads the action.BulkResult an activity failure carries as its
// second detail (activities' finish), if any.
func failureBulk(err error) (*action.BulkResult, bool) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.HasDetails() {
		return nil, false
	}
	var d action.ErrorDetails
	var b action.BulkResult
	if app.Details(&d, &b) != nil || b.Status == "" {
		return nil, false
	}
	return &b, true
}

// undoFailed ends an undo that gave up: the status query answers
// undo_failed with what stays changed, CordonState says so, the
// notification hooks hear of it, and the workflow fails with the list.
func (in *Interpreter) undoFailed(ctx workflow.Context, st *RunStatus, u UndoInput, out any, err error, stays []string) (any, error) {
	msg := fmt.Sprintf("undo of step %s (%s) gave up: %d of %d targets stay changed: %s",
		u.Step, u.Action, len(stays), len(u.Targets), strings.Join(firstN(stays, 20), ", "))
	if len(stays) > 20 {
		msg += fmt.Sprintf(" and %d more", len(stays)-20)
	}
	if err != nil {
		msg += "; last error: " + err.Error()
	}
	now := workflow.Now(ctx)
	st.FinishedAt, st.Steps[0].FinishedAt = &now, &now
	st.Status, st.Steps[0].Status, st.Error = RunUndoFailed, playbook.StatusFailed, msg
	st.Steps[0].Output = summarize(out)
	st.Outputs["stays_changed"] = toAny(stays)
	if err != nil {
		st.Steps[0].Error = stepError(err)
	}
	count(ctx, MetricUndoDone, map[string]string{"action": u.Action, "status": string(st.Status)})
	_ = workflow.UpsertTypedSearchAttributes(ctx, SearchState.ValueSet(string(RunUndoFailed)))
	notifyUndoFailed(ctx, st, u, stays, msg)
	return nil, temporal.NewNonRetryableApplicationError(msg, ErrUndoFailed, nil, st)
}

func firstN(list []string, n int) []string {
	if len(list) > n {
		return list[:n]
	}
	return list
}

// notifyUndoFailed posts the failure through the notification hooks and
// waits for the delivery (bounded by its options), so the notice is sent
// before the workflow closes.
func notifyUndoFailed(ctx workflow.Context, st *RunStatus, u UndoInput, stays []string, msg string) {
	actx := workflow.WithActivityOptions(ctx, notifyOptions("notify undo failed "+u.Step))
	n := ApprovalNotice{Kind: NoticeUndoFailed, Run: st.WorkflowID, Playbook: st.Playbook, Step: u.Step + "-undo",
		Message: msg, TargetCount: len(stays), TargetLines: firstN(stays, 20), AskedAt: workflow.Now(ctx)}
	if err := workflow.ExecuteActivity(actx, NotifyActivity, n).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("undo_failed notification failed", "step", u.Step, "error", err)
	}
}
