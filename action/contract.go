package action

import (
	"encoding/json"
	"time"
)

// The contract between the workflow and the action activities: the
// request every action takes, the result of the list actions, the details
// of a failure and the connection test's answer. Both sides use these
// types, so the JSON on the wire has one definition.

// Request is every Okta action activity's single input.
type Request struct {
	Params map[string]any `json:"params"`         // the step's evaluated `with:`
	Step   string         `json:"step,omitempty"` // playbook step id, for logs
	// Playbook and PlaybookVersion name the run's playbook, for the audit
	// trail (internal/audit); empty in histories recorded before it.
	Playbook        string `json:"playbook,omitempty"`
	PlaybookVersion int    `json:"playbook_version,omitempty"`
	// Envelope asks for the result as Attempted (output and attempt);
	// workflows recorded before it was added read the bare output.
	Envelope bool `json:"envelope,omitempty"`
}

// BulkResult is the output of every action over a list of targets (see
// Action.Bulk). The activity fills Status to Zone; the workflow adds the
// guardrails' and undo's parts before the step's output is recorded.
type BulkResult struct {
	Status    string       `json:"status"` // Status* (or "planned" in a dry run)
	Results   []ItemResult `json:"results"`
	Succeeded []string     `json:"succeeded"`
	Failed    []string     `json:"failed"`
	// Zone is the zone after the write, for Block/Unblock IPs.
	Zone any `json:"zone,omitempty"`
	// Protected counts the targets the guardrails refused (set by the
	// workflow; each is also an item with outcome protected).
	Protected int `json:"protected,omitempty"`
	// Undo is the undo the step scheduled (undo_after), set by the workflow.
	Undo *UndoScheduled `json:"undo,omitempty"`
}

// ItemResult is the outcome for one item of a list action.
type ItemResult struct {
	ID         string `json:"id"`
	OK         bool   `json:"ok"`
	Outcome    string `json:"outcome"` // Outcome*
	OktaCode   string `json:"okta_code,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Message    string `json:"message,omitempty"`
	// By names who made a change the step found in place (an already_*
	// outcome), from the System Log, when it was made while the step ran.
	By string `json:"by,omitempty"`
	// Data is what Okta returned for the item when it matters to the
	// playbook: the activation or password-reset URL when no email is sent.
	Data any `json:"data,omitempty"`
	// Secret marks Data holding a credential (a temporary password): the
	// item is left out of heartbeats, so the credential reaches Temporal
	// only in the step's output; a retry redoes the item instead.
	Secret bool `json:"-"`
}

// UndoScheduled records the undo a step scheduled: the child workflow,
// the undo action, when it runs and what it reverses; or why it could not
// be started.
type UndoScheduled struct {
	WorkflowID string     `json:"workflow_id,omitempty"`
	Action     string     `json:"action,omitempty"`
	At         *time.Time `json:"at,omitempty"`
	Targets    []string   `json:"targets,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// NewBulkResult returns an empty successful result: lists are empty, never
// null, so expressions such as len(steps.x.output.failed) work.
func NewBulkResult() *BulkResult {
	return &BulkResult{Status: StatusSuccessful, Results: []ItemResult{}, Succeeded: []string{}, Failed: []string{}}
}

// Plain returns b as generic JSON values (maps, lists, float64), the form
// expressions and step outputs hold.
func (b *BulkResult) Plain() any {
	return Plain(b)
}

// DecodeBulk reads a bulk result from its generic JSON form (a step's
// output as the workflow or a status query holds it). It says false when
// v is not one.
func DecodeBulk(v any) (*BulkResult, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	if _, ok := m["results"].([]any); !ok {
		return nil, false
	}
	if _, ok := m["status"].(string); !ok {
		return nil, false
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	var out BulkResult
	if json.Unmarshal(b, &out) != nil {
		return nil, false
	}
	return &out, true
}

// ErrorDetails is the first detail of every ApplicationError an action
// activity returns, so the workflow can expose
// steps.<id>.error.{message, okta_code, http_status}.
type ErrorDetails struct {
	Command    string `json:"command"`
	OktaCode   string `json:"okta_code,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Message    string `json:"message"`
	// Attempt is the attempt that failed, so a step reports how many
	// times its activity ran.
	Attempt int `json:"attempt,omitempty"`
}

// ConnectionResult is the output of okta.test_connection. Its fields are
// in the order of the JSON object Cordon wrote before this type existed.
type ConnectionResult struct {
	LatencyMS int64  `json:"latency_ms"`
	Status    string `json:"status"` // "Successful"
	User      string `json:"user"`   // the token owner's login; empty for an OAuth token
}

// Plain round-trips v, one of this file's types (or a slice of one),
// through JSON into generic values; those types always marshal.
func Plain(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// Bulk says whether the action acts on a list of targets and answers a
// BulkResult.
func (a *Action) Bulk() bool {
	if a.Targets == nil {
		return false
	}
	p, _ := a.Param(a.Targets.Param)
	return p.Type == TypeStringList
}
