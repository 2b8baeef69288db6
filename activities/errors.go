package activities

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// The ApplicationError types the activities return are named, with their
// retryability, in the action registry's error table (action/errors.go). Which one applies
// to an error is decided here, in classify, and nowhere else; appError
// takes NonRetryable from the table.

// retryJitter spreads retries of activities that hit the same window, so
// they do not all return at the same instant.
const retryJitter = 500 * time.Millisecond

// fallbackRateDelay is used when a 429 carried no usable reset header.
const fallbackRateDelay = 5 * time.Second

// classify turns any error from an action into the ApplicationError the
// activity returns. title is the command's title (e.g. "Deactivate Users")
// used in the integration spec's message form. An ApplicationError is
// returned unwrapped: wrapping it would drop NextRetryDelay.
func classify(title string, err error, extra ...any) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr
	}
	d := errorDetails(title, err)
	details := append([]any{d}, extra...)
	msg := failureMessage(title, d)

	var inErr *InputError
	var confErr *action.ConfigError
	var apiErr *okta.APIError
	switch {
	case errors.As(err, &inErr), errors.As(err, &confErr):
		return appError(msg, action.ErrInvalidInput, temporal.ApplicationErrorOptions{Details: details})
	case errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusTooManyRequests:
		delay := apiErr.RetryAfter
		if delay <= 0 {
			delay = fallbackRateDelay
		}
		delay += time.Duration(rand.Int64N(int64(retryJitter)))
		return appError(msg, action.ErrRateLimited, temporal.ApplicationErrorOptions{
			Details: details, NextRetryDelay: delay, Category: temporal.ApplicationErrorCategoryBenign})
	case errors.As(err, &apiErr) && apiErr.HTTPStatus >= 500:
		return appError(msg, action.ErrUnavailable, temporal.ApplicationErrorOptions{Details: details})
	case errors.As(err, &apiErr):
		return appError(msg, action.ErrClientError, temporal.ApplicationErrorOptions{Details: details})
	}
	// No HTTP answer: connection refused, reset, timeout, or a cancelled
	// context (the worker stopping, or the activity cancelled): nothing
	// was decided about the work, so another attempt may do it.
	return appError(msg, action.ErrUnavailable, temporal.ApplicationErrorOptions{Details: details})
}

// appError is an ApplicationError of type typ, non-retryable as the action
// registry's error table says.
func appError(msg, typ string, opts temporal.ApplicationErrorOptions) error {
	opts.NonRetryable = !action.Retryable(typ)
	return temporal.NewApplicationErrorWithOptions(msg, typ, opts)
}

// Classify is classify for Cordon's activities outside this package (the
// guardrails' check): every activity error is classified here.
func Classify(title string, err error) error { return classify(title, err) }

// Retryable says whether classify makes err retryable; callers that
// decide between retrying and recording a failure ask it.
func Retryable(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(classify("", err), &appErr) && !appErr.NonRetryable()
}

func errorDetails(title string, err error) action.ErrorDetails {
	d := action.ErrorDetails{Command: title, Message: err.Error()}
	var apiErr *okta.APIError
	var inErr *InputError
	switch {
	case errors.As(err, &apiErr):
		d.OktaCode, d.HTTPStatus, d.Message = apiErr.Code, apiErr.HTTPStatus, oktaMessage(apiErr)
	case errors.As(err, &inErr):
		d.Message = inErr.Error()
	}
	return d
}

// failureMessage renders the integration spec's form:
// "Deactivate Users failed. Okta Code: E0000007. HTTP Status Code: 404. Message: User ID Not Found."
func failureMessage(title string, d action.ErrorDetails) string {
	msg := title + " failed."
	if d.OktaCode != "" {
		msg += " Okta Code: " + d.OktaCode + "."
	}
	if d.HTTPStatus != 0 {
		msg += fmt.Sprintf(" HTTP Status Code: %d.", d.HTTPStatus)
	}
	m := d.Message
	if m != "" && m[len(m)-1] != '.' {
		m += "."
	}
	return msg + " Message: " + m
}

// notFoundKind reads the object type Okta names in a 404 summary such as
// "Not found: Resource not found: 00u1 (User)".
var notFoundKind = regexp.MustCompile(`\(([A-Za-z]+)\)\s*$`)

// oktaMessage is the message shown for an Okta error: for unknown objects
// the integration spec's short form ("User ID Not Found"), otherwise Okta's
// summary and causes.
func oktaMessage(e *okta.APIError) string {
	if e.Code == okta.CodeNotFound {
		if m := notFoundKind.FindStringSubmatch(e.Summary); m != nil {
			switch m[1] {
			case "User":
				return "User ID Not Found"
			case "NetworkZone":
				return "Zone ID Not Found"
			case "UserGroup", "Group":
				return "Group ID Not Found"
			}
		}
	}
	return e.Message()
}
