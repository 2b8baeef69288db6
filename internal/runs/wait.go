package runs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// pollEvery is how often Wait asks a running workflow for its progress.
const pollEvery = 300 * time.Millisecond

// Wait blocks until the run finishes and returns its final status. With a
// progress writer it prints each step's transitions as they happen and
// pending approvals with the command that decides them.
func Wait(ctx context.Context, c client.Client, id string, progress io.Writer) (*workflows.RunStatus, error) {
	done := make(chan struct{})
	var final *workflows.RunStatus
	var finalErr error
	go func() {
		defer close(done)
		final, finalErr = Result(ctx, c, id)
	}()
	seen := map[string]string{}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			if progress != nil && final != nil {
				report(progress, id, final, seen)
			}
			return final, finalErr
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
			if progress == nil {
				continue
			}
			if st, err := Query(ctx, c, id); err == nil {
				report(progress, id, st, seen)
			}
		}
	}
}

// report prints what changed since the last report.
func report(w io.Writer, id string, st *workflows.RunStatus, seen map[string]string) {
	for _, s := range st.Steps {
		if seen[s.ID] == string(s.Status) || s.Status == playbook.StatusPending {
			continue
		}
		seen[s.ID] = string(s.Status)
		fmt.Fprintf(w, "  %-22s %s%s\n", s.ID, s.Status, stepNote(s))
	}
	for _, p := range st.PendingApprovals {
		key := "approval:" + p.Step
		if seen[key] != "" {
			continue
		}
		seen[key] = "shown"
		fmt.Fprintf(w, "  approval needed: %s\n", p.Message)
		if len(p.Targets) > 0 {
			fmt.Fprintf(w, "    targets of %s: %s\n", p.ForStep, joinMax(p.Targets, 10))
		}
		if line := workflows.ConnectionsLine(p); line != "" {
			fmt.Fprintf(w, "    %s\n", line)
		}
		fmt.Fprintf(w, "    decide: %s\n", workflows.DecideHint(id, p))
	}
}

// Query asks a run for its progress (the status query).
func Query(ctx context.Context, c client.Client, id string) (*workflows.RunStatus, error) {
	v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
	if err != nil {
		return nil, err
	}
	var st workflows.RunStatus
	if err := v.Get(&st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Result waits for a run's result. Failed and rejected runs carry their
// status in the failure's details; a cancelled or terminated run gets a
// status from the last progress query.
func Result(ctx context.Context, c client.Client, id string) (*workflows.RunStatus, error) {
	st, err := awaitResult(ctx, c, id)
	if err == nil {
		return &st, nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() && app.Details(&st) == nil {
		return &st, nil
	}
	if temporal.IsCanceledError(err) {
		return statusAfter(ctx, c, id, workflows.RunCancelled, "cancelled"), nil
	}
	var term *temporal.TerminatedError
	if errors.As(err, &term) {
		return statusAfter(ctx, c, id, workflows.RunTerminated, "terminated: "+terminateReason(ctx, c, id)), nil
	}
	var to *temporal.TimeoutError
	if errors.As(err, &to) {
		return statusAfter(ctx, c, id, workflows.RunTimedOut, "timed out: "+err.Error()), nil
	}
	return nil, err
}

// terminateReason reads why a run was terminated from its closing event:
// an operator's reason, or the server's when a limit ended the run
// (history size or event count exceeded).
func terminateReason(ctx context.Context, c client.Client, id string) string {
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			break
		}
		if a := ev.GetWorkflowExecutionTerminatedEventAttributes(); a != nil {
			reason := a.GetReason()
			if a.GetIdentity() != "" {
				reason += " (by " + a.GetIdentity() + ")"
			}
			return reason
		}
	}
	return "no reason recorded"
}

func statusAfter(ctx context.Context, c client.Client, id string, status workflows.RunState, why string) *workflows.RunStatus {
	st, err := Query(ctx, c, id)
	if err != nil {
		st = &workflows.RunStatus{WorkflowID: id}
	}
	st.Status, st.Error = status, why
	return st
}

// Status returns a run's status whether it is running or finished.
func Status(ctx context.Context, c client.Client, id string) (*workflows.RunStatus, error) {
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return nil, err
	}
	info := d.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		st, err := Query(ctx, c, id)
		if err == nil && st.Status == workflows.RunRunning && len(st.PendingApprovals) > 0 {
			// As cordon list and CordonState say: the run waits for a
			// person, it is not working.
			st.Status = workflows.StateWaitingApproval
		}
		return st, err
	}
	if info.GetType().GetName() == workflows.UndoWorkflowName && info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		return Query(ctx, c, id) // its result is the undo action's output; its status is the query's
	}
	return Result(ctx, c, id)
}

func joinMax(items []string, n int) string {
	s := ""
	for i, it := range items {
		if i == n {
			return s + fmt.Sprintf(", ... (%d more)", len(items)-n)
		}
		if i > 0 {
			s += ", "
		}
		s += it
	}
	return s
}
