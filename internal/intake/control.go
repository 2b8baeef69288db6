package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/workflows"
)

// StartOptions configure `cordon intake start` and the worker's --intake.
type StartOptions struct {
	// Interval between polls; default workflows.DefaultIntakeInterval.
	Interval time.Duration
	// Since replays events from this time on the first poll (at most 180
	// days back); default now.
	Since time.Time
}

// StartResult says what Start did.
type StartResult struct {
	RunID string
	// Running: the intake was already running and was left as it is.
	Running bool
}

// Start starts the intake workflow (ID cordon-intake) unless it runs.
func Start(ctx context.Context, c client.Client, opts StartOptions) (StartResult, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.IntakeWorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Fail instead of returning the running intake, so callers can
		// say it was already running.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            "Okta System Log intake",
	}, workflows.IntakeWorkflowName, workflows.IntakeInput{Interval: opts.Interval, Since: opts.Since})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return StartResult{RunID: started.RunId, Running: true}, nil
	}
	if err != nil {
		return StartResult{}, fmt.Errorf("starting the intake: %w", err)
	}
	return StartResult{RunID: run.GetRunID()}, nil
}

// Status queries the running intake.
func Status(ctx context.Context, c client.Client) (workflows.IntakeStatus, error) {
	var st workflows.IntakeStatus
	v, err := c.QueryWorkflow(ctx, workflows.IntakeWorkflowID, "", workflows.IntakeStatusQuery)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return st, fmt.Errorf("no intake workflow %s: start one with `cordon intake start` or the worker's --intake", workflows.IntakeWorkflowID)
	}
	if err != nil {
		return st, fmt.Errorf("querying the intake: %w", err)
	}
	return st, v.Get(&st)
}

// Stop cancels the intake; its cursor is lost, and the next start begins
// at its own start time (or --since).
func Stop(ctx context.Context, c client.Client) error {
	return c.CancelWorkflow(ctx, workflows.IntakeWorkflowID, "")
}
