package playbook

import "time"

// Env is everything an expression can see, and the one declaration of
// it: the expr tags name the variables (the evaluator reads them, the
// checker compiles against them, eval_context.go derives the scope checks'
// names and the documented table from them). The interpreter builds one
// per evaluation from workflow state; nothing in it comes from the clock
// or the environment directly, so evaluation is deterministic.
type Env struct {
	Inputs map[string]any        `expr:"inputs"` // inputs.<name>
	Alert  any                   `expr:"alert"`  // the triggering alert, data only (never re-templated)
	Event  any                   `expr:"event"`  // the normalised Okta event, in okta_event triggers
	Steps  map[string]StepResult `expr:"steps"`  // steps.<id>.output|status|error
	Vars   map[string]any        `expr:"vars"`   // vars.<key>, from set steps
	Item   any                   `expr:"item"`   // inside foreach
	Index  int                   `expr:"index"`  // inside foreach
	Run    RunInfo               `expr:"run"`    // run.*
	// InLoop says whether item and index are bound; expressions do not
	// see it (outside a loop they read item as null and index as 0).
	InLoop bool `expr:"-"`
}

// StepResult is what later steps see of an earlier step.
type StepResult struct {
	Output any        `expr:"output"` // JSON-shaped: map[string]any, []any, string, float64, bool, nil
	Status string     `expr:"status"` // a StepState as a plain string, which expressions compare
	Error  *StepError `expr:"error"`  // nil unless failed
}

// StepError is a failed step's error as expressions see it
// (steps.<id>.error.message, .okta_code, .http_status).
type StepError struct {
	Message    string `json:"message" expr:"message"`
	OktaCode   string `json:"okta_code,omitempty" expr:"okta_code"`
	HTTPStatus int    `json:"http_status,omitempty" expr:"http_status"`
}

// RunInfo describes the run (run.id, run.playbook, run.started_by,
// run.dry_run, run.started_at, run.now). Now is the workflow's clock at the
// time of evaluation and backs the now() function.
type RunInfo struct {
	ID        string    `expr:"id"`
	Playbook  string    `expr:"playbook"`
	StartedBy string    `expr:"started_by"`
	DryRun    bool      `expr:"dry_run"`
	StartedAt time.Time `expr:"started_at"`
	Now       time.Time `expr:"now"`
}

// StepState is a step's status, as runs report it (JSON: the same
// strings). Expressions see it as a plain string (StepResult.Status). It is
// not named StepStatus: that is the workflow's per-step record, and the
// run-input JSON Schema names its definitions by type name.
type StepState string

// Step statuses.
const (
	StatusSucceeded          StepState = "succeeded"
	StatusPartiallySucceeded StepState = "partially_succeeded"
	StatusFailed             StepState = "failed"
	StatusSkipped            StepState = "skipped"
	StatusPlanned            StepState = "planned"
	StatusRejected           StepState = "rejected"
	StatusRunning            StepState = "running"
	StatusPending            StepState = "pending"
	StatusWaitingApproval    StepState = "waiting_approval"
)
