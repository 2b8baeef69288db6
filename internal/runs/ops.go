package runs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/workflows"
)

// Approve sends a decision to a run's approve update and waits for it to be
// applied. A validator refusal (unknown approver, self-approval, nothing
// pending, ...) is returned as *RefusedError.
func Approve(ctx context.Context, c client.Client, id string, d workflows.Decision) (*workflows.ApprovalRecord, error) {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: workflows.UpdateApprove, Args: []any{d},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return nil, refused(err)
	}
	var rec workflows.ApprovalRecord
	if err := h.Get(ctx, &rec); err != nil {
		return nil, refused(err)
	}
	return &rec, nil
}

// RefusedError is a decision the run would not take.
type RefusedError struct {
	Reason string
	// Type is the refusal's application error type, when the run named
	// one (workflows.StepRequiredType); empty otherwise.
	Type string
}

func (e *RefusedError) Error() string { return "refused: " + e.Reason }

func refused(err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return &RefusedError{Reason: app.Message(), Type: app.Type()}
	}
	return err
}

// Cancel asks a run to stop; running activities are cancelled and the run
// ends with status cancelled.
func Cancel(ctx context.Context, c client.Client, id string) error {
	return c.CancelWorkflow(ctx, id, "")
}

// Summary is one line of `cordon list`.
type Summary struct {
	WorkflowID string             `json:"workflow_id"`
	RunID      string             `json:"run_id"`
	Playbook   string             `json:"playbook"`
	Status     workflows.RunState `json:"status"`
	AlertID    string             `json:"alert_id,omitempty"`
	Targets    []string           `json:"targets,omitempty"`
	DryRun     bool               `json:"dry_run,omitempty"`
	StartedAt  time.Time          `json:"started_at"`
	ClosedAt   *time.Time         `json:"closed_at,omitempty"`
	// StartedBy is who started the run and how that was verified
	// (workflows.StarterText, from the run's memo); "" for older runs.
	StartedBy string `json:"started_by,omitempty"`
	// Connection is the run's connection (CordonConnection); "" for runs
	// from before connections.
	Connection string `json:"connection,omitempty"`
}

// visibility maps run statuses to Temporal execution statuses. A rejected
// run is a failed workflow to Temporal, so it lists as failed.
var visibility = map[workflows.RunState]string{
	workflows.RunRunning: "Running", workflows.RunSucceeded: "Completed", workflows.RunFailed: "Failed",
	workflows.RunRejected: "Failed", workflows.RunCancelled: "Canceled",
	workflows.RunTerminated: "Terminated", workflows.RunTimedOut: "TimedOut",
}

// byState are the statuses only CordonState tells apart.
var byState = map[workflows.RunState]bool{workflows.StateWaitingApproval: true, workflows.StatePlanned: true}

// ListQuery builds the visibility query for `cordon list` by playbook,
// status and target; ListFilter also filters by alert and dry run.
func ListQuery(playbookName, status, target string) (string, error) {
	return ListFilter{Playbook: playbookName, Status: workflows.RunState(status), Target: target}.Query()
}

// ListFilter selects runs by Cordon's search attributes; empty fields
// match every run.
type ListFilter struct {
	// Playbook matches CordonPlaybook.
	Playbook string
	// Status is a run status (see Summary.Status); waiting_approval and
	// planned match CordonState, the others Temporal's execution status.
	Status workflows.RunState
	// Target matches one of CordonTarget's users and IPs.
	Target string
	// AlertID matches CordonAlertID.
	AlertID string
	// DryRun, when set, matches CordonDryRun.
	DryRun *bool
	// Connection matches CordonConnection, the run's connection.
	Connection string
}

// Query is the filter as a visibility query.
func (f ListFilter) Query() (string, error) {
	q := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.PlaybookWorkflowName)}
	if f.Playbook != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SearchPlaybook.GetName(), Quote(f.Playbook)))
	}
	if f.Target != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SearchTarget.GetName(), Quote(f.Target)))
	}
	if f.AlertID != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SearchAlertID.GetName(), Quote(f.AlertID)))
	}
	if f.Connection != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SearchConnection.GetName(), Quote(f.Connection)))
	}
	if f.DryRun != nil {
		q = append(q, fmt.Sprintf("%s = %t", workflows.SearchDryRun.GetName(), *f.DryRun))
	}
	switch v, ok := visibility[f.Status]; {
	case byState[f.Status]:
		// The workflow keeps CordonState (waiting_approval is a running
		// execution to Temporal; planned a completed one).
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.SearchState.GetName(), f.Status))
	case f.Status != "" && !ok:
		return "", fmt.Errorf("unknown status %q (want running, waiting_approval, succeeded, failed, rejected, cancelled, planned, terminated or timed_out)", f.Status)
	case f.Status != "":
		q = append(q, fmt.Sprintf("ExecutionStatus = '%s'", v))
	default:
		// A run that continued as new is listed once, as its latest execution.
		q = append(q, "ExecutionStatus != 'ContinuedAsNew'")
	}
	return strings.Join(q, " AND "), nil
}

// Quote escapes s for a single-quoted value of a visibility query. The
// server's query tokenizer takes a backslash as an escape character
// (github.com/temporalio/sqlparser token.go, scanString), so backslashes are
// escaped before quotes: otherwise a value ending in a backslash would
// escape the closing quote and let the rest of the value join the query.
func Quote(s string) string { return queryEscaper.Replace(s) }

var queryEscaper = strings.NewReplacer(`\`, `\\`, "'", `\'`)

// List returns runs matching the query, newest first, at most limit
// (limit <= 0: every matching run, page by page).
func List(ctx context.Context, c client.Client, query string, limit int) ([]Summary, error) {
	var out []Summary
	var token []byte
	pageSize := 1000
	if limit > 0 {
		pageSize = min(limit, pageSize)
	}
	for {
		resp, err := c.ListWorkflow(ctx, &workflowListRequest{Query: query, NextPageToken: token, PageSize: int32(pageSize)})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, summaryOf(e))
			if len(out) == limit {
				return out, nil
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}
