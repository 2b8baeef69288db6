package action

// The error types of Cordon's ApplicationErrors, in one table: whether a
// retry can help and when each is returned. Package activities' classify
// sets NonRetryable from it, the workflow's retry policies take
// NonRetryable from it, and docs/actions.md renders it.

// Error types of the activities.
const (
	// ErrRateLimited: Okta answered 429. Benign, with NextRetryDelay set
	// from X-Rate-Limit-Reset minus the response Date.
	ErrRateLimited = "OktaRateLimited"
	// ErrUnavailable: 5xx, timeout or connection failure.
	ErrUnavailable = "OktaUnavailable"
	// ErrClientError: any other 4xx.
	ErrClientError = "OktaClientError"
	// ErrInvalidInput: the step's parameters are invalid; no Okta call was
	// made.
	ErrInvalidInput = "InvalidInput"
	// ErrOutputTooLarge: the result is over Temporal's payload limit and no
	// payload store is configured; the same calls would produce the same
	// result.
	ErrOutputTooLarge = "OutputTooLarge"
	// ErrProtected: a write named something the guardrails protect
	// (activities' write-site check).
	ErrProtected = "ProtectedTarget"
	// ErrNotCordonCaller: no Cordon workflow called the activity.
	ErrNotCordonCaller = "NotCordonCaller"
	// ErrConnectionNotServed: no worker picked up a step's first activity
	// on its connection's task queue (the workflow's, workflows/connection.go).
	ErrConnectionNotServed = "ConnectionNotServed"
	// ErrScopeMissing: the connection's OAuth token lacks a scope the
	// action needs (activities/scopes.go); nothing was sent.
	ErrScopeMissing = "OktaScopeMissing"
)

// Error types of a run's own failure (the workflow's), for the CLI's exit
// codes and integrations.
const (
	ErrPlaybookFailed   = "PlaybookFailed"
	ErrPlaybookRejected = "PlaybookRejected"
	ErrInvalidPlaybook  = "InvalidPlaybook"
	ErrInvalidRunInput  = "InvalidRunInput"
	ErrUndoFailed       = "UndoFailed"
)

// ErrorType is one row of the table.
type ErrorType struct {
	Name string
	// Run is set for a run's failure type; the others are activities'.
	Run bool
	// Retryable: another attempt may succeed. A run's failure is never
	// retried.
	Retryable bool
	// Retried says how, for the docs; When, when the type is returned.
	Retried, When string
}

// errorTypes is the table; docs/actions.md lists it in this order.
var errorTypes = []ErrorType{
	{Name: ErrRateLimited, Retryable: true, Retried: "yes, after the wait Okta's X-Rate-Limit-Reset names (plus jitter)", When: "Okta answered 429"},
	{Name: ErrUnavailable, Retryable: true, Retried: "yes, with the action's backoff", When: "Okta answered 5xx, or the request timed out, never connected or was cut off by the worker stopping (a cancelled context; the retry redoes only the unfinished items)"},
	{Name: ErrClientError, Retried: "no", When: "any other 4xx: unknown object (404), bad request (400), missing permission (403), bad token (401)"},
	{Name: ErrInvalidInput, Retried: "no", When: "the step's parameters are invalid (no Okta call was made), or the worker's configuration is (the guardrails file names a group Okta does not have)"},
	{Name: ErrOutputTooLarge, Retried: "no", When: "the step's result is over Temporal's payload limit and the worker has no payload store (the same calls would give the same result)"},
	{Name: ErrProtected, Retried: "no", When: "the write-site check refused a write naming something the guardrails protect (or no guardrails are configured); nothing was changed"},
	{Name: ErrNotCordonCaller, Retried: "no", When: "the activity was not called by one of Cordon's workflows on Cordon's task queue"},
	{Name: ErrConnectionNotServed, Retried: "no", When: "no worker picked up the step's first Okta activity on its connection's task queue within a minute: no worker holds that connection (check the worker's connections file); nothing was changed"},
	{Name: ErrScopeMissing, Retried: "no", When: "the connection's OAuth access token was not granted a scope the action needs (grant it to the API Services app, `cordon connections check`); checked before the step sends anything to Okta"},
	{Name: ErrPlaybookFailed, Run: true, Retried: "no (the run)", When: "a step failed; the run's status is failed"},
	{Name: ErrPlaybookRejected, Run: true, Retried: "no (the run)", When: "an approval was rejected (or timed out with on_timeout: reject)"},
	{Name: ErrInvalidPlaybook, Run: true, Retried: "no (the run)", When: "the pinned playbook does not parse or check, or an undo names an unknown action"},
	{Name: ErrInvalidRunInput, Run: true, Retried: "no (the run)", When: "the run contract refused the input before any step"},
	{Name: ErrUndoFailed, Run: true, Retried: "no (the run)", When: "an undo gave up with targets still changed"},
}

// ErrorTypes returns the table.
func ErrorTypes() []ErrorType { return append([]ErrorType(nil), errorTypes...) }

// Retryable says whether an activity error of type name may succeed on
// another attempt. An unknown type is retryable, as Temporal treats it.
func Retryable(name string) bool {
	for _, e := range errorTypes {
		if e.Name == name {
			return e.Retryable
		}
	}
	return true
}

// NonRetryable lists the activity error types no retry can fix, for the
// workflow's retry policies (NonRetryableErrorTypes).
var NonRetryable = nonRetryable()

func nonRetryable() []string {
	var out []string
	for _, e := range errorTypes {
		if !e.Run && !e.Retryable {
			out = append(out, e.Name)
		}
	}
	return out
}
