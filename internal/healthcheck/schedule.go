// Package healthcheck is the Okta connection health check seen from outside
// the workflow: the Temporal Schedule behind `cordon health` and the
// worker's --health-interval (which runs workflows.HealthCheck),
// the listing of recent checks, and the cordon.health_alert activity that
// starts a playbook when the org stays unreachable.
//
// Like package intake, it starts workflows from an activity, through
// package trigger, idempotently by workflow ID.
package healthcheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/workflows"
)

// Options configure the health-check schedule.
type Options struct {
	Every    time.Duration // required
	Failures int           // default workflows.DefaultHealthFailures
	Playbook string        // started after Failures failures in a row; "" none
	// Connection is the connection checked; "" is the default one.
	Connection string
}

// ScheduleID is the id of connection's health-check schedule:
// workflows.HealthScheduleID for the default connection, with the
// connection's name appended for another.
func ScheduleID(connection string) string {
	if connection == "" || connection == connections.Default {
		return workflows.HealthScheduleID
	}
	return workflows.HealthScheduleID + "-" + connection
}

// Enable creates the connection's health-check schedule (ScheduleID), or
// updates its interval and action when it exists. A new schedule checks
// once at once. The check runs on the connection's task queue
// (workflows.ActivityQueue), where only workers holding its credentials
// poll, so okta.test_connection reads that org.
func Enable(ctx context.Context, c client.Client, opts Options) (created bool, err error) {
	if opts.Every <= 0 {
		return false, fmt.Errorf("the health check interval must be positive, not %s", opts.Every)
	}
	id := ScheduleID(opts.Connection)
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: opts.Every}}}
	action := &client.ScheduleWorkflowAction{
		ID:        id + "-check",
		Workflow:  workflows.HealthCheckWorkflowName,
		Args:      []any{workflows.HealthInput{Failures: opts.Failures, Playbook: opts.Playbook}},
		TaskQueue: workflows.ActivityQueue(opts.Connection),
		// A check is one request; give up rather than pile up.
		WorkflowExecutionTimeout: 5 * time.Minute,
	}
	sc := c.ScheduleClient()
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: id, Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, TriggerImmediately: true,
		Note: "Okta Connection Health Check of connection " + connectionName(opts.Connection) + " (cordon health)"})
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return false, fmt.Errorf("creating schedule %s: %w", id, err)
	}
	err = sc.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &spec, action
			return &client.ScheduleUpdate{Schedule: &s}, nil
		}})
	if err != nil {
		return false, fmt.Errorf("updating schedule %s: %w", id, err)
	}
	return false, nil
}

// Disable deletes the connection's schedule; past results stay listed.
func Disable(ctx context.Context, c client.Client, connection string) error {
	return c.ScheduleClient().GetHandle(ctx, ScheduleID(connection)).Delete(ctx)
}

// connectionName is connection with "" spelled as the default.
func connectionName(connection string) string {
	if connection == "" {
		return connections.Default
	}
	return connection
}

// queueConnection is the connection whose checks run on task queue q, the
// inverse of workflows.ActivityQueue.
func queueConnection(q string) string {
	prefix := strings.TrimSuffix(workflows.ActivityQueue("x"), "x") // "cordon-okta-"
	if name, ok := strings.CutPrefix(q, prefix); ok {
		return name
	}
	return connections.Default
}

// CheckRun is one listed check.
type CheckRun struct {
	// Connection is the connection checked.
	Connection string                  `json:"connection"`
	WorkflowID string                  `json:"workflow_id"`
	RunID      string                  `json:"run_id"`
	Status     string                  `json:"status"` // completed, running, failed, ...
	Result     *workflows.HealthResult `json:"result,omitempty"`
}

// Recent lists the last n health checks, newest first: of connection, or
// of every connection when it is "". A connection's checks are the ones
// that ran on its queue.
func Recent(ctx context.Context, c client.Client, n int, connection string) ([]CheckRun, error) {
	query := "WorkflowType = '" + workflows.HealthCheckWorkflowName + "'"
	if connection != "" {
		if !connections.ValidName(connection) {
			return nil, fmt.Errorf("%q is not a connection name", connection)
		}
		query += " AND TaskQueue = '" + workflows.ActivityQueue(connection) + "'"
	}
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: int32(n), Query: query})
	if err != nil {
		return nil, fmt.Errorf("listing health checks: %w", err)
	}
	var out []CheckRun
	for _, ex := range resp.Executions {
		if len(out) == n {
			break
		}
		r := CheckRun{Connection: queueConnection(ex.TaskQueue), WorkflowID: ex.Execution.WorkflowId, RunID: ex.Execution.RunId, Status: statusName(ex.Status)}
		if ex.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			var res workflows.HealthResult
			if err := c.GetWorkflow(ctx, r.WorkflowID, r.RunID).Get(ctx, &res); err == nil {
				r.Result = &res
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func statusName(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "running"
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return "completed"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "timed_out"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "terminated"
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "cancelled"
	}
	return "failed"
}
