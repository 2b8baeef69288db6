package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
)

// ZoneWriteWorkflowName runs one network-zone write. Okta's zone update is
// a read-modify-write of the whole zone with no ETag, so two runs blocking
// IPs in the same zone at once would lose each other's entries. Every zone
// write runs inside this workflow under the fixed ID cordon-zone-<zoneId>
// (cordon-zone-<connection>-<zoneId> on a connection other than default:
// another org's zone is another zone; zoneWorkflowID):
// Temporal admits one open execution per ID, so writes to one zone are
// serialised across all runs and workers, with no lock service.
const ZoneWriteWorkflowName = "ZoneWriteWorkflow"

// ZoneWriteInput is ZoneWriteWorkflow's input.
type ZoneWriteInput struct {
	Action  string         `json:"action"`
	Request action.Request `json:"request"`
	Options ZoneWriteOpts  `json:"options"`
}

// ZoneWriteOpts are the activity options the calling step resolved.
type ZoneWriteOpts struct {
	ActivityID string        `json:"activity_id"`
	Summary    string        `json:"summary"`
	Timeout    time.Duration `json:"timeout"`
	Retry      action.Retry  `json:"retry"`
	Heartbeat  time.Duration `json:"heartbeat"`
	// TaskQueue and ScheduleToStart route the write to its connection's
	// queue (connection.go); empty on the default connection.
	TaskQueue       string        `json:"task_queue,omitempty"`
	ScheduleToStart time.Duration `json:"schedule_to_start,omitempty"`
}

// ZoneWrite is the body of ZoneWriteWorkflow; it runs the actions the
// registry marks as zone writes (action.Action.ZoneWrite) and nothing else.
func (in *Interpreter) ZoneWrite(ctx workflow.Context, w ZoneWriteInput) (any, error) {
	if err := childOnly(ctx, ZoneWriteWorkflowName); err != nil {
		return nil, err
	}
	if a, ok := in.Registry.Lookup(w.Action); !ok || !a.ZoneWrite {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s runs zone writes only, not %s", ZoneWriteWorkflowName, w.Action), ErrInvalidRunInput, nil)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          w.Options.ActivityID,
		Summary:             w.Options.Summary,
		StartToCloseTimeout: w.Options.Timeout,
		HeartbeatTimeout:    w.Options.Heartbeat,
		RetryPolicy:         retryPolicy(w.Options.Retry),
		TaskQueue:           w.Options.TaskQueue,
		// The caller turns this timeout into "connection not served".
		ScheduleToStartTimeout: w.Options.ScheduleToStart,
	})
	var out any
	err := workflow.ExecuteActivity(ctx, w.Action, w.Request).Get(ctx, &out)
	return out, err
}

func retryPolicy(r action.Retry) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        r.InitialInterval,
		BackoffCoefficient:     r.BackoffCoefficient,
		MaximumInterval:        r.MaximumInterval,
		MaximumAttempts:        int32(r.MaximumAttempts),
		NonRetryableErrorTypes: nonRetryable,
	}
}

// zoneWaitMax caps the wait between attempts to take a busy zone.
const zoneWaitMax = 2 * time.Second

// callZoneWrite runs a zone write as the zone's single open
// ZoneWriteWorkflow, waiting (durably) while another run holds the zone.
func callZoneWrite(ctx workflow.Context, opts workflow.ActivityOptions, name string, req action.Request, workflowID string) (any, error) {
	in := ZoneWriteInput{Action: name, Request: req, Options: ZoneWriteOpts{
		ActivityID: opts.ActivityID, Summary: opts.Summary, Timeout: opts.StartToCloseTimeout,
		Heartbeat: opts.HeartbeatTimeout, TaskQueue: opts.TaskQueue, ScheduleToStart: opts.ScheduleToStartTimeout, Retry: action.Retry{
			InitialInterval: opts.RetryPolicy.InitialInterval, BackoffCoefficient: opts.RetryPolicy.BackoffCoefficient,
			MaximumInterval: opts.RetryPolicy.MaximumInterval, MaximumAttempts: int(opts.RetryPolicy.MaximumAttempts),
		},
	}}
	wait := 50 * time.Millisecond
	for {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            workflowID,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			StaticSummary:         opts.Summary,
			ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		})
		var out any
		err := workflow.ExecuteChildWorkflow(cctx, ZoneWriteWorkflowName, in).Get(ctx, &out)
		if !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return out, unwrapChild(err)
		}
		if err := workflow.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = min(wait*2, zoneWaitMax)
	}
}

// unwrapChild returns the activity's own failure from inside a child
// workflow failure, so steps see the Okta error, not the wrapper.
func unwrapChild(err error) error {
	var child *temporal.ChildWorkflowExecutionError
	if err == nil || !errors.As(err, &child) {
		return err
	}
	if cause := child.Unwrap(); cause != nil {
		return cause
	}
	return err
}
