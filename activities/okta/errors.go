package okta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Okta error codes the activities act on. Okta documents errorCode as the
// only field fit for flow control, so code decides by these, never by
// errorSummary text.
const (
	CodeValidation    = "E0000001"
	CodeForbidden     = "E0000006"
	CodeNotFound      = "E0000007"
	CodeInvalidToken  = "E0000011"
	CodeAlreadyActive = "E0000016"
	CodeInvalidSearch = "E0000031"
	CodeBadStatus     = "E0000038"
	CodeRateLimited   = "E0000047"
	CodeInvalidFilter = "E0000053"
)

// APIError is every non-2xx answer from Okta.
type APIError struct {
	HTTPStatus int
	Code       string   // errorCode, e.g. E0000007; empty when the body was not Okta JSON
	Summary    string   // errorSummary
	Causes     []string // errorCauses[].errorSummary
	RequestID  string   // X-Okta-Request-Id, for Okta support
	ErrorID    string   // errorId

	// Rate-limit information, set for every response that carried the
	// headers; RetryAfter is meaningful for 429.
	RateLimit RateInfo
	// RetryAfter is how long to wait before retrying a 429: X-Rate-Limit-Reset
	// minus the response Date (0 when the headers are missing).
	RetryAfter time.Duration
	// Method and Path name the request (never the query, which may hold
	// user data, and never headers).
	Method, Path string
}

// Error renders the integration spec's fields: code, status and message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "okta: %s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if msg := e.Message(); msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	return b.String()
}

// Message is the summary followed by the causes, as Okta's own SDK prints it.
func (e *APIError) Message() string {
	msg := e.Summary
	if msg == "" {
		msg = http.StatusText(e.HTTPStatus)
	}
	if len(e.Causes) > 0 {
		msg += " (" + strings.Join(e.Causes, "; ") + ")"
	}
	return msg
}

// Is lets errors.Is(err, ErrNotFound) and friends match by code/status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.HTTPStatus == http.StatusNotFound
	case ErrRateLimited:
		return e.HTTPStatus == http.StatusTooManyRequests
	}
	return false
}

// Sentinels matched by errors.Is against an *APIError.
var (
	// ErrNotFound matches a 404 answer.
	ErrNotFound = errors.New("okta: not found")
	// ErrRateLimited matches a 429 answer.
	ErrRateLimited = errors.New("okta: rate limited")
)

// IsCode reports whether err is an *APIError with the given Okta code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// RequestError is a request that got no HTTP answer: a connection failure,
// a timeout or an unreadable body. It names the method and path only.
type RequestError struct {
	Method, Path string
	Err          error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("okta: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

type errorBody struct {
	ErrorCode    string `json:"errorCode"`
	ErrorSummary string `json:"errorSummary"`
	ErrorID      string `json:"errorId"`
	ErrorCauses  []struct {
		ErrorSummary string `json:"errorSummary"`
	} `json:"errorCauses"`
}

// newAPIError decodes an Okta error body. A body that is not Okta JSON
// (a proxy's HTML page, say) still yields an APIError with the status.
func newAPIError(resp *http.Response, body []byte, method, path string, rl RateInfo) *APIError {
	e := &APIError{HTTPStatus: resp.StatusCode, RequestID: resp.Header.Get("X-Okta-Request-Id"),
		RateLimit: rl, Method: method, Path: path}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.Code, e.Summary, e.ErrorID = eb.ErrorCode, eb.ErrorSummary, eb.ErrorID
		for _, c := range eb.ErrorCauses {
			if c.ErrorSummary != "" {
				e.Causes = append(e.Causes, c.ErrorSummary)
			}
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = rl.ResetIn
		if e.RetryAfter <= 0 {
			e.RetryAfter = retryAfterHeader(resp.Header)
		}
	}
	return e
}

// retryAfterHeader reads a standard Retry-After (seconds), which proxies in
// front of Okta may send instead of Okta's own headers.
func retryAfterHeader(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
