package workflows

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cordonsec/cordon/playbook"
)

// Choice is the decision's answer: Reject when Reject is set, else Approve.
func (d Decision) Choice() playbook.Decision {
	if d.Reject {
		return playbook.Reject
	}
	return playbook.Approve
}

// ErrNoPendingApproval: a decision names no step and no approval waits.
var ErrNoPendingApproval = errors.New("no approval is pending")

// StepRequiredError: a decision names no step while several approvals wait.
//
// The approve update's validator returns it as is; the SDK's failure
// converter names an ApplicationError after the Go type of a plain error
// (go.temporal.io/sdk internal/failure_converter.go, getErrType), so a
// client sees Type() == StepRequiredType and needs no text matching.
type StepRequiredError struct{ Steps []string }

// StepRequiredType is the application error type a client receives for a
// *StepRequiredError.
const StepRequiredType = "StepRequiredError"

func (e *StepRequiredError) Error() string {
	return fmt.Sprintf("approvals are pending for steps %s; the decision must name its step", strings.Join(e.Steps, ", "))
}

// OnlyPending picks the step a decision without a step is for: the one
// waiting approval. Both the workflow's update and cordon approve through
// cordon serve decide it here.
func OnlyPending(waiting []string) (string, error) {
	switch len(waiting) {
	case 0:
		return "", ErrNoPendingApproval
	case 1:
		return waiting[0], nil
	}
	return "", &StepRequiredError{Steps: waiting}
}
