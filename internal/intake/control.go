package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/workflows"
)

// StartOptions configure `cordon intake start` and the worker's --intake.
type StartOptions struct {
	// Interval between polls; default workflows.DefaultIntakeInterval.
	Interval time.Duration
	// Since replays events from this time on the first poll (at most 180
	// days back); default now.
	Since time.Time
	// Connection is the connection whose System Log is read; "" is the
	// default one.
	Connection string
}

// WorkflowID is the id of connection's intake: workflows.IntakeWorkflowID
// for the default connection, with the connection's name appended for
// another. Each connection's intake keeps its own cursors.
func WorkflowID(connection string) string {
	if connection == "" || connection == connections.Default {
		return workflows.IntakeWorkflowID
	}
	return workflows.IntakeWorkflowID + "-" + connection
}

// StartResult says what Start did.
type StartResult struct {
	RunID string
	// Running: the intake was already running and was left as it is.
	Running bool
}

// Start starts the connection's intake workflow (WorkflowID) unless it
// runs. It runs on the connection's task queue (workflows.ActivityQueue),
// where only workers holding the connection's credentials poll, so its
// polls read that org's System Log.
func Start(ctx context.Context, c client.Client, opts StartOptions) (StartResult, error) {
	summary := "Okta System Log intake"
	if opts.Connection != "" && opts.Connection != connections.Default {
		summary += " of connection " + opts.Connection
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       WorkflowID(opts.Connection),
		TaskQueue:                workflows.ActivityQueue(opts.Connection),
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Fail instead of returning the running intake, so callers can
		// say it was already running.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            summary,
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

// Status queries the connection's running intake.
func Status(ctx context.Context, c client.Client, connection string) (workflows.IntakeStatus, error) {
	var st workflows.IntakeStatus
	id := WorkflowID(connection)
	v, err := c.QueryWorkflow(ctx, id, "", workflows.IntakeStatusQuery)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return st, fmt.Errorf("no intake workflow %s: start one with `cordon intake start` or the worker's --intake", id)
	}
	if err != nil {
		return st, fmt.Errorf("querying the intake: %w", err)
	}
	return st, v.Get(&st)
}

// Stop cancels the connection's intake; its cursor is lost, and the next
// start begins at its own start time (or --since).
func Stop(ctx context.Context, c client.Client, connection string) error {
	return c.CancelWorkflow(ctx, WorkflowID(connection), "")
}
