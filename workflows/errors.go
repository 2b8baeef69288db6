package workflows

import (
	"encoding/json"
	"errors"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// stepFailure is a failure the playbook itself declared (a fail step).
type stepFailure struct{ msg string }

func (e *stepFailure) Error() string { return e.msg }

// rejectedError stops the run with status rejected.
type rejectedError struct {
	step     string
	approver string
	comment  string
}

func (e *rejectedError) Error() string {
	msg := "step " + e.step + " was rejected by " + e.approver
	if e.comment != "" {
		msg += ": " + e.comment
	}
	return msg
}

// stepError turns an error into what expressions see as
// steps.<id>.error. Activity failures carry the Okta code and HTTP status
// in their first detail (action.ErrorDetails).
func stepError(err error) *playbook.StepError {
	se := &playbook.StepError{Message: err.Error()}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		se.Message = app.Message()
		if app.HasDetails() {
			var d action.ErrorDetails
			if app.Details(&d) == nil {
				if d.Message != "" {
					se.Message = d.Message
				}
				se.OktaCode, se.HTTPStatus = d.OktaCode, d.HTTPStatus
			}
		}
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) && se.Message == err.Error() {
		se.Message = "timed out (" + timeout.TimeoutType().String() + ")"
	}
	return se
}

// attemptsOf says how many attempts a failed activity made: the attempt
// its failure details name, else as far as the workflow can tell (a
// failure of a retryable kind means the retries ran out, so every attempt
// of the policy was made; a non-retryable one usually ended the first).
// 0 means unknown.
func attemptsOf(err error) int {
	var act *temporal.ActivityError
	if !errors.As(err, &act) {
		return 0
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() {
		// The activity says which attempt failed.
		var d action.ErrorDetails
		if app.Details(&d) == nil && d.Attempt > 0 {
			return d.Attempt
		}
	}
	var tried *attemptsError
	exhausted := act.RetryState() == enumspb.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
	if errors.As(err, &app) && !app.NonRetryable() && !slices.Contains(nonRetryable, app.Type()) {
		exhausted = true
	}
	switch {
	case exhausted && errors.As(err, &tried):
		return tried.max
	case act.RetryState() == enumspb.RETRY_STATE_NON_RETRYABLE_FAILURE, app != nil:
		return 1
	}
	return 0
}

// attemptsError carries the retry policy's attempt limit with an activity
// failure, so a step that ran out of retries reports how many it made.
type attemptsError struct {
	error
	max int
}

func (e *attemptsError) Unwrap() error { return e.error }

func withMaxAttempts(err error, max int32) error {
	if err == nil || max <= 0 {
		return err
	}
	return &attemptsError{error: err, max: int(max)}
}

func isCancel(ctx workflow.Context, err error) bool {
	return temporal.IsCanceledError(err) || ctx.Err() != nil
}

// maxSummary bounds a step output kept in the progress query; the full
// output stays available to later steps. Queries and results are payloads
// with size limits, and a 10,000-user listing must not break them.
const maxSummary = 256 << 10

func summarize(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) <= maxSummary {
		return v
	}
	return outline(v, len(b))
}
