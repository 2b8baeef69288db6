// Package audit owns Cordon's audit trail: one JSON line per Okta write,
// guardrail refusal and approval decision, appended to a sink (stdout, a
// rotated file, or an HTTP collector such as a SIEM's JSON intake). The
// format is documented in docs/operations.md ("Audit trail") and is an
// interface: add fields, never rename them.
//
// Events are written by the worker's activities after the fact, at least
// once: an activity retried after a crash writes its events again, with
// the same id, so the receiver de-duplicates on id.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Kinds of events.
const (
	KindOktaWrite  = "okta_write"
	KindRefusal    = "guardrail_refusal"
	KindApproval   = "approval_decision"
	schemaVersion  = 1
	idFieldJoinSep = "\x1f"
)

// Event is one line of the trail.
type Event struct {
	// ID is stable across retries of the same fact: the receiver keeps
	// the first line of each id.
	ID string `json:"id"`
	// Schema is the format's version (1).
	Schema int    `json:"schema"`
	Time   string `json:"time"` // RFC 3339, UTC, nanoseconds
	Kind   string `json:"kind"`
	// WorkflowID and RunID name the run (RunID is the Temporal run of the
	// workflow that did it, which changes on continue-as-new).
	WorkflowID      string `json:"workflow_id"`
	RunID           string `json:"run_id"`
	Playbook        string `json:"playbook,omitempty"`
	PlaybookVersion int    `json:"playbook_version,omitempty"`
	Step            string `json:"step,omitempty"`
	// Action is the Okta action (okta.deactivate_users) of a write or a
	// refused step.
	Action string `json:"action,omitempty"`
	// Target is the canonical target: an Okta ID, a CIDR.
	Target string `json:"target,omitempty"`
	// Outcome: for a write the HTTP status class and code ("2xx 204",
	// "4xx 404", "error" when no answer came); for a refusal the reason
	// (protected_user, ..., max_targets); for an approval the decision.
	Outcome string `json:"outcome"`
	// Request is the write's HTTP method and path (no query, no body).
	Request       string `json:"request,omitempty"`
	OktaRequestID string `json:"okta_request_id,omitempty"`
	Approver      string `json:"approver,omitempty"`
	Message       string `json:"message,omitempty"`
	// Attempt is the activity attempt that wrote the line (1 unless retried).
	Attempt int32 `json:"attempt,omitempty"`
}

// EventID derives a stable id from the facts that make an event unique.
func EventID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, idFieldJoinSep)))
	return hex.EncodeToString(sum[:16])
}

// Sink receives events. Write must be safe for concurrent use; an error
// means the events were not accepted (the caller logs it: the trail never
// fails a run).
type Sink interface {
	Write(ctx context.Context, events []Event) error
	Close() error
}

// stamp fills Schema and Time.
func stamp(e *Event, now time.Time) {
	e.Schema = schemaVersion
	if e.Time == "" {
		e.Time = now.UTC().Format(time.RFC3339Nano)
	}
}
