package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
)

// The connection health check: a Temporal Schedule (cordon-health) starts
// HealthCheckWorkflow at a fixed interval; each run calls
// okta.test_connection once and returns a HealthResult, which is what
// `cordon health` lists. A failed check still completes the workflow
// (with OK false), so that the schedule hands the result to the next run
// as its last completion result: that is how failures are counted in a
// row without any state outside Temporal.
const (
	HealthCheckWorkflowName = "HealthCheckWorkflow"
	HealthScheduleID        = "cordon-health"
	// HealthAlertActivity starts the configured playbook (package healthcheck).
	HealthAlertActivity = "cordon.health_alert"
	// DefaultHealthFailures is how many failed checks in a row alert.
	DefaultHealthFailures = 3
)

// HealthInput is the scheduled action's input.
type HealthInput struct {
	// Failures in a row that log an error and start Playbook; default
	// DefaultHealthFailures.
	Failures int `json:"failures,omitempty"`
	// Playbook is started once per streak of failures; "" starts nothing.
	Playbook string `json:"playbook,omitempty"`
}

// HealthResult is one check.
type HealthResult struct {
	OK        bool      `json:"ok"`
	CheckedAt time.Time `json:"checked_at"`
	User      string    `json:"user,omitempty"`       // the token's owner
	LatencyMS int64     `json:"latency_ms,omitempty"` // of GET /users/me
	Error     string    `json:"error,omitempty"`
	// Failures in a row, this one included (0 when OK).
	Failures int `json:"failures"`
	// FailingSince is when the current streak of failures began.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Alert is the workflow ID of the playbook run this check started.
	Alert string `json:"alert,omitempty"`
}

// HealthAlert is the input of cordon.health_alert.
type HealthAlert struct {
	Playbook     string    `json:"playbook"`
	Failures     int       `json:"failures"`
	FailingSince time.Time `json:"failing_since"`
	Error        string    `json:"error"`
}

// HealthCheck runs one Connection Health Check.
func HealthCheck(ctx workflow.Context, in HealthInput) (HealthResult, error) {
	if in.Failures <= 0 {
		in.Failures = DefaultHealthFailures
	}
	var prev HealthResult
	if workflow.HasLastCompletionResult(ctx) {
		_ = workflow.GetLastCompletionResult(ctx, &prev) // a result of another shape counts as none
	}
	var out action.ConnectionResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, healthCheckOptions), action.TestConnection,
		action.Request{Params: map[string]any{}}).Get(ctx, &out)
	res := HealthResult{OK: err == nil, CheckedAt: workflow.Now(ctx), User: out.User, LatencyMS: out.LatencyMS}
	if err == nil {
		return res, nil
	}
	res.Error = errorMessage(err)
	res.Failures = prev.Failures + 1
	res.FailingSince = prev.FailingSince
	if prev.OK || prev.Failures == 0 || res.FailingSince.IsZero() {
		res.FailingSince = res.CheckedAt
	}
	if res.Failures < in.Failures {
		return res, nil
	}
	workflow.GetLogger(ctx).Error("Okta connection health check keeps failing",
		"failures", res.Failures, "since", res.FailingSince, "error", res.Error)
	if in.Playbook != "" && res.Failures == in.Failures {
		alert := HealthAlert{Playbook: in.Playbook, Failures: res.Failures, FailingSince: res.FailingSince, Error: res.Error}
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, healthAlertOptions), HealthAlertActivity, alert).Get(ctx, &res.Alert)
		if err != nil {
			workflow.GetLogger(ctx).Error("starting the health alert playbook failed", "playbook", in.Playbook, "error", err)
		}
	}
	return res, nil
}

// errorMessage is an activity failure's own message, without the SDK's
// "activity error (...)" wrapping.
func errorMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}
