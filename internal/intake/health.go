package intake

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// HealthAlert is the cordon.health_alert activity: it starts the playbook
// configured for a failing connection, once per streak of failures (the
// run ID holds the streak's start, so a retried activity starts it once).
// The run's alert describes the failure; the playbook gets no inputs, so
// its inputs need defaults.
func (p *Poller) HealthAlert(ctx context.Context, a workflows.HealthAlert) (string, error) {
	pb, err := p.Library.Resolve(a.Playbook)
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError("health alert playbook: "+err.Error(), spec.ErrInvalidInput, nil)
	}
	key := "okta-health-" + strconv.FormatInt(a.FailingSince.Unix(), 10)
	alert := map[string]any{"id": key, "type": "okta_connection_unhealthy", "failures": a.Failures,
		"failing_since": a.FailingSince.UTC().Format(time.RFC3339), "error": a.Error}
	started, err := p.Starter.Start(ctx, runs.Request{Playbook: pb, Library: p.Library, Alert: alert,
		ID: trigger.RunID(pb.Name, key), StartedBy: "okta-health"})
	var inErr *runs.InputError
	if errors.As(err, &inErr) {
		return "", temporal.NewNonRetryableApplicationError("health alert playbook: "+err.Error(), spec.ErrInvalidInput, nil)
	}
	if err != nil {
		return "", err
	}
	return started.WorkflowID, nil
}

// HealthOptions configure the health-check schedule.
type HealthOptions struct {
	Every    time.Duration // required
	Failures int           // default workflows.DefaultHealthFailures
	Playbook string        // started after Failures failures in a row; "" none
}

// EnableHealth creates the cordon-health schedule, or updates its interval
// and action when it exists. A new schedule checks once at once.
func EnableHealth(ctx context.Context, c client.Client, opts HealthOptions) (created bool, err error) {
	if opts.Every <= 0 {
		return false, fmt.Errorf("the health check interval must be positive, not %s", opts.Every)
	}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: opts.Every}}}
	action := &client.ScheduleWorkflowAction{
		ID:        workflows.HealthScheduleID + "-check",
		Workflow:  workflows.HealthCheckWorkflowName,
		Args:      []any{workflows.HealthInput{Failures: opts.Failures, Playbook: opts.Playbook}},
		TaskQueue: workflows.TaskQueue,
		// A check is one request; give up rather than pile up.
		WorkflowExecutionTimeout: 5 * time.Minute,
	}
	sc := c.ScheduleClient()
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: workflows.HealthScheduleID, Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, TriggerImmediately: true,
		Note: "Okta Connection Health Check (cordon health)"})
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return false, fmt.Errorf("creating schedule %s: %w", workflows.HealthScheduleID, err)
	}
	err = sc.GetHandle(ctx, workflows.HealthScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &spec, action
			return &client.ScheduleUpdate{Schedule: &s}, nil
		}})
	if err != nil {
		return false, fmt.Errorf("updating schedule %s: %w", workflows.HealthScheduleID, err)
	}
	return false, nil
}

// DisableHealth deletes the schedule; past results stay listed.
func DisableHealth(ctx context.Context, c client.Client) error {
	return c.ScheduleClient().GetHandle(ctx, workflows.HealthScheduleID).Delete(ctx)
}

// HealthCheckRun is one listed check.
type HealthCheckRun struct {
	WorkflowID string                  `json:"workflow_id"`
	RunID      string                  `json:"run_id"`
	Status     string                  `json:"status"` // completed, running, failed, ...
	Result     *workflows.HealthResult `json:"result,omitempty"`
}

// RecentHealth lists the last n health checks, newest first.
func RecentHealth(ctx context.Context, c client.Client, n int) ([]HealthCheckRun, error) {
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: int32(n),
		Query: "WorkflowType = '" + workflows.HealthCheckWorkflowName + "'"})
	if err != nil {
		return nil, fmt.Errorf("listing health checks: %w", err)
	}
	var out []HealthCheckRun
	for _, ex := range resp.Executions {
		if len(out) == n {
			break
		}
		r := HealthCheckRun{WorkflowID: ex.Execution.WorkflowId, RunID: ex.Execution.RunId, Status: statusName(ex.Status)}
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
