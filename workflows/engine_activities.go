package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
)

// The engine's own activities (the cordon.* ones; an Okta action takes
// its options from the registry, activityOptions) and the options every
// call of each uses, declared here once, beside the list internal/engine
// registers them from (EngineActivities). A call site adds only what is
// its own: an activity ID, a summary.

// EngineActivities names the engine's activities the workflows call;
// internal/engine registers each (a test there checks the list). The
// local ones (guard, describe) run in the workflow's worker.
var EngineActivities = []string{
	action.GuardActivity, action.DescribeActivity, action.ResolveActivity,
	NotifyActivity, AuditActivity, IntakePollActivity, HealthAlertActivity,
}

// guardOptions: the guardrails' check, a local activity; cheap, and
// retried a few times on a transient Okta error.
var guardOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5, NonRetryableErrorTypes: nonRetryable},
}

// describeOptions: naming an approval's targets is a courtesy; two tries,
// then the ids are shown.
var describeOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 2},
}

// resolveOptions: turning spellings into ids reads Okta once per target.
var resolveOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
		MaximumInterval: 30 * time.Second, MaximumAttempts: 6, NonRetryableErrorTypes: nonRetryable},
}

// notifyOptions are NotifyActivity's options: a failed delivery is
// retried for about ten minutes.
func notifyOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 8},
		Summary: summary,
	}
}

// auditOptions: a worker without the audit activity must not stall the
// run, hence the schedule-to-close bound.
func auditOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 5},
		Summary:                summary,
	}
}

// intakePollOptions: a poll reads a bounded number of pages and starts
// their runs; retries reuse the same cursors, and the starts are
// idempotent, so a retried or repeated poll starts nothing twice.
var intakePollOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 5 * time.Minute,
	HeartbeatTimeout:    time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        2 * time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		MaximumAttempts:        5,
		NonRetryableErrorTypes: nonRetryable,
	},
}

// healthCheckOptions: the health check's okta.test_connection call.
var healthCheckOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
		MaximumInterval: 10 * time.Second, MaximumAttempts: 3, NonRetryableErrorTypes: nonRetryable},
}

// healthAlertOptions: starting the health alert's playbook run.
var healthAlertOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2,
		MaximumInterval: 30 * time.Second, MaximumAttempts: 5},
}
