// Package workflows holds Cordon's deterministic Temporal workflows: the
// playbook interpreter PlaybookWorkflow, its approvals and progress query.
//
// Workflow code here does no I/O and reads no clock or environment: the
// playbook arrives pinned in the input and is re-parsed with package
// playbook, Okta calls are activities named after the action registry, and
// time comes from workflow.Now.
package workflows

import (
	"time"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/playbook"
)

// Names Temporal knows Cordon's workflow, update and query by.
const (
	TaskQueue            = "cordon"
	PlaybookWorkflowName = "PlaybookWorkflow"
	UpdateApprove        = "approve"
	QueryStatus          = "status"
)

// ActivityQueue is the task queue of the activities that act on Okta
// through connection (internal/connections): the default connection's on
// TaskQueue itself, every other connection's on a queue of its own that
// only workers holding that connection's credentials poll.
func ActivityQueue(connection string) string {
	if connection == "" || connection == connections.Default {
		return TaskQueue
	}
	return TaskQueue + "-okta-" + connection
}

// RunState is a run's status as a whole (RunStatus.Status, cordon list)
// and the value of its CordonState search attribute; JSON and the search
// attribute hold the same strings.
type RunState string

// Run statuses (the run as a whole).
const (
	RunRunning   RunState = "running"
	RunSucceeded RunState = "succeeded"
	RunFailed    RunState = "failed"
	RunRejected  RunState = "rejected"
	RunCancelled RunState = "cancelled"
	// RunTerminated: ended from outside (terminate, a Temporal limit);
	// reported by the client from the server, never by the workflow.
	RunTerminated RunState = "terminated"
	// RunTimedOut: the run's execution or run timeout passed.
	RunTimedOut RunState = "timed_out"
)

// Error types of the workflow's own failures, for the CLI's exit codes
// (named, with the activities' types, in the action registry's error table).
const (
	ErrPlaybookFailed   = action.ErrPlaybookFailed
	ErrPlaybookRejected = action.ErrPlaybookRejected
	ErrInvalidPlaybook  = action.ErrInvalidPlaybook
)

// Pinned is a playbook's exact source as it was when the run started. The
// workflow parses it again; editing the file never changes a run in flight.
type Pinned struct {
	Name    string `json:"name" jsonschema_description:"the name the source declares (name:)"`
	Version int    `json:"version" jsonschema_description:"the version the source declares (version:)"`
	SHA256  string `json:"sha256" jsonschema_description:"hex SHA-256 of source; the workflow recomputes and compares it"`
	File    string `json:"file" jsonschema_description:"the file name, used in error positions"`
	Source  string `json:"source" jsonschema_description:"the playbook's YAML source, exactly as hashed"`
}

// RunOptions are the run-wide switches.
type RunOptions struct {
	DryRun    bool   `json:"dry_run,omitempty" jsonschema_description:"plan the run: reads run for real, destructive steps are only planned"`
	StartedBy string `json:"started_by" jsonschema_description:"who starts the run (required, not blank): a person's login, webhook:<scheme>, okta-event:<uuid>; the starter may not approve the run"`
}

// RunInput is PlaybookWorkflow's input.
type RunInput struct {
	Playbook Pinned            `json:"playbook" jsonschema_description:"the playbook to run, pinned"`
	Library  map[string]Pinned `json:"library,omitempty" jsonschema_description:"every playbook the run calls (playbook: steps, also indirectly), pinned, keyed by name"` // child playbooks, pinned too
	Inputs   map[string]any    `json:"inputs,omitempty" jsonschema_description:"input values by name; the playbook's declarations apply (defaults, types, required, allowed)"`
	Alert    any               `json:"alert,omitempty" jsonschema_description:"the triggering alert (a JSON object; its id names CordonAlertID)"`
	Options  RunOptions        `json:"options"`
	// Chain names the playbooks of the parent runs, root first; empty for a
	// root run. Its length is the run's child depth.
	Chain []string `json:"chain,omitempty" jsonschema_description:"set by a parent run for its children; a root run must leave it out"`
	// MaxDepth is the root run's cap on Chain's length, handed down to its
	// children; 0 on a root run (see DefaultMaxChildDepth).
	MaxDepth int `json:"max_depth,omitempty" jsonschema_description:"set by a parent run for its children; a root run must leave it out"`
	// RunTargets is the parent's run-wide target count when it started
	// this child, MaxRunTargets the root's run-wide limit (0: the
	// worker's default); both 0 on a root run (counting.go).
	RunTargets    int `json:"run_targets,omitempty" jsonschema_description:"set by a parent run for its children; a root run must leave it out"`
	MaxRunTargets int `json:"max_run_targets,omitempty" jsonschema_description:"set by a parent run for its children; a root run must leave it out"`
	// Approved is the parent's approval scope: the child's destructive
	// steps act only on its targets until the child's own approval.
	Approved *ApprovalScope `json:"approved,omitempty" jsonschema_description:"set by a parent run for its children: only these targets may be written until the child's own approval; it can only restrict a run"`
	// Resume carries a run's state across continue-as-new; nil on a fresh
	// run, and refused on one (contract.go).
	Resume *Carry `json:"resume,omitempty" jsonschema_description:"set by the workflow itself when it continues as new; a fresh run that carries it is refused"`
	// Connection is the run's connection (internal/connections): its
	// steps act on that Okta org unless a step names its own connection:.
	// It overrides the playbook's connection:; "" keeps it (or default).
	Connection string `json:"connection,omitempty" jsonschema_description:"the connection (Okta org) the run acts on: overrides the playbook's connection:, a step's own connection: still wins; default: the playbook's, else default"`
	// ParentConnection is the connection of the playbook: step that
	// started this child run, when the step named none of its own: the
	// child's default unless its playbook names one (connection.go).
	ParentConnection string `json:"parent_connection,omitempty" jsonschema_description:"set by a parent run for its children; a root run must leave it out"`
	// Start is the starter's signature over this input (start_sign.go);
	// required when the worker has approvals.require_signed_starts.
	Start *SignedStart `json:"start,omitempty" jsonschema_description:"the signed start, set by cordon serve (or another signing starter); a worker with approvals.require_signed_starts refuses a run without a valid one"`
}

// Carry is the state handed to the next run after continue-as-new.
type Carry struct {
	// From is the run id of the run that continued as new: the next run
	// accepts the carry only from the run the server says it continues
	// (contract_origin.go).
	From    string         `json:"from,omitempty"`
	Status  RunStatus      `json:"status"`
	Vars    map[string]any `json:"vars,omitempty"`
	Outputs map[string]any `json:"outputs,omitempty"` // step id -> output
	Next    int            `json:"next"`              // index of the next top-level step
	// Targets is what CordonTarget holds so far; the next run extends it.
	Targets []string `json:"targets,omitempty"`
	// Partial holds the outputs of finished foreach items of the step at
	// Next (when they are kept), DoneBits which items finished (a bitmap,
	// item i in bit i%8 of byte i/8). Done is the older form, still read.
	Partial  []any  `json:"partial,omitempty"`
	Done     []bool `json:"done,omitempty"`
	DoneBits []byte `json:"done_bits,omitempty"`
	// StepTargets, RunTargets and ChildTargets are the target counts
	// (counting.go): targets by step, the run's kind/target keys, and
	// what finished children counted.
	StepTargets  map[string][]string `json:"step_targets,omitempty"`
	RunTargets   []string            `json:"run_targets,omitempty"`
	ChildTargets int                 `json:"child_targets,omitempty"`
	// Scope is the run's approval scope (approval_scope.go).
	Scope *ApprovalScope `json:"scope,omitempty"`
}

// RunStatus is the progress query's answer and the run's result; it is also
// what `cordon run --output json` prints.
type RunStatus struct {
	WorkflowID string   `json:"workflow_id"`
	RunID      string   `json:"run_id"`
	Playbook   string   `json:"playbook"`
	Version    int      `json:"version"`
	SHA256     string   `json:"sha256"`
	DryRun     bool     `json:"dry_run,omitempty"`
	Status     RunState `json:"status"`
	// Connection is the run's connection (the Okta org its steps act on
	// unless a step names another); empty for runs from before connections.
	Connection       string            `json:"connection,omitempty"`
	Error            string            `json:"error,omitempty"`
	Outputs          map[string]any    `json:"outputs,omitempty"`
	Steps            []*StepStatus     `json:"steps"`
	PendingApprovals []PendingApproval `json:"pending_approvals,omitempty"`
	// TargetsCounted is how many distinct targets the destructive steps
	// of this run and its children counted against max_run_targets.
	TargetsCounted int `json:"targets_counted,omitempty"`
	// StartedBy is the run's options.started_by; StartVerified says how
	// the worker established it (start_sign.go): "signed by key K",
	// "unsigned (taken on trust)"; empty for runs that predate the check.
	StartedBy     string `json:"started_by,omitempty"`
	StartVerified string `json:"start_verified,omitempty"`
	// StarterLogin is the login a signed start names.
	StarterLogin string     `json:"starter_login,omitempty"`
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
}

// StepStatus is one step's progress.
type StepStatus struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Action string `json:"action,omitempty"`
	// Connection is the connection an action or playbook: step acts on,
	// when it is not the run's own.
	Connection string              `json:"connection,omitempty"`
	Status     playbook.StepState  `json:"status"`
	Output     any                 `json:"output,omitempty"`
	Error      *playbook.StepError `json:"error,omitempty"`
	Attempts   int                 `json:"attempts,omitempty"`
	Items      int                 `json:"items,omitempty"` // foreach: number of items
	Plan       *Plan               `json:"plan,omitempty"`  // dry run: what the step would do
	Approval   *ApprovalRecord     `json:"approval,omitempty"`
	StartedAt  *time.Time          `json:"started_at,omitempty"`
	FinishedAt *time.Time          `json:"finished_at,omitempty"`
}

// Plan is what a destructive step would do, recorded instead of acting in a
// dry run.
type Plan struct {
	Action  string         `json:"action"`
	Title   string         `json:"title"`
	Targets []string       `json:"targets"`
	Params  map[string]any `json:"params"`
	Calls   []string       `json:"calls"`
}

// PendingApproval is an approval step waiting for a decision.
type PendingApproval struct {
	Step      string     `json:"step"`
	Message   string     `json:"message"`
	Approvers []string   `json:"approvers,omitempty"`
	Targets   []string   `json:"targets,omitempty"`
	ForStep   string     `json:"for_step,omitempty"`
	Deadline  *time.Time `json:"deadline,omitempty"`
	// AskedAt is when the approval started waiting; TargetsSHA256 hashes
	// Targets. A signed decision names both (approval_sign.go).
	AskedAt       time.Time `json:"asked_at"`
	TargetsSHA256 string    `json:"targets_sha256,omitempty"`
	// OnTimeout is what the deadline decides (reject | approve).
	OnTimeout playbook.Decision `json:"on_timeout,omitempty"`
	// SignedOnly says the worker takes signed decisions only (cordon
	// login, cordon serve), so the hint DecideHint shows fits the stack.
	SignedOnly bool `json:"signed_only,omitempty"`
	// TargetInfo names the first action.DescribeLimit targets (login and
	// status of users); empty when they could not be read.
	TargetInfo []action.TargetInfo `json:"target_info,omitempty"`
	// Connections names the connection (Okta org) each step the approval
	// governs acts on, by step id (ConnectionsLine).
	Connections map[string]string `json:"connections,omitempty"`
}

// Decision is the approve update's argument.
type Decision struct {
	Step     string `json:"step,omitempty" jsonschema_description:"the approval step; may be left out when exactly one approval is pending"` // may be empty when exactly one approval is pending
	Approver string `json:"approver" jsonschema_description:"who decides; compared case-insensitively with approvers: and with the run's started_by"`
	Reject   bool   `json:"reject,omitempty" jsonschema_description:"reject instead of approve"`
	// ApproverID is the approver's canonical identity (the identity
	// provider's subject: the Okta user id), signed; four eyes compares
	// it with the run's started_by.
	ApproverID string `json:"approver_id,omitempty" jsonschema_description:"signed decisions: the approver's canonical identity (the ID token's subject; Okta's user id), compared with the run's started_by"`
	Comment    string `json:"comment,omitempty" jsonschema_description:"kept with the decision"`

	// The signed part (approval_sign.go): cordon serve fills these in for
	// a signed-in person; a worker with approvals.require_signed refuses a
	// decision without them.
	Run           string     `json:"run,omitempty" jsonschema_description:"signed decisions: the workflow id the decision is for"`
	AskedAt       *time.Time `json:"asked_at,omitempty" jsonschema_description:"signed decisions: pending_approvals[].asked_at of the approval decided"`
	Groups        []string   `json:"groups,omitempty" jsonschema_description:"signed decisions: the approver's groups (from the ID token), matched with group:NAME in approvers:"`
	TargetsSHA256 string     `json:"targets_sha256,omitempty" jsonschema_description:"signed decisions: pending_approvals[].targets_sha256 of the targets shown to the approver"`
	SignedAt      *time.Time `json:"signed_at,omitempty" jsonschema_description:"signed decisions: when it was signed; older than approvals.max_age (10m) is refused"`
	KeyID         string     `json:"key_id,omitempty" jsonschema_description:"signed decisions: the id of the signing key, one of approvals.keys"`
	Signature     string     `json:"signature,omitempty" jsonschema_description:"signed decisions: base64 Ed25519 signature over the decision (internal/signing)"`
}

// ApprovalRecord is a decided approval, kept in the run's result.
type ApprovalRecord struct {
	Decision playbook.Outcome `json:"decision"` // approved | rejected
	Approver string           `json:"approver"` // "timeout" when on_timeout decided
	Comment  string           `json:"comment,omitempty"`
	At       time.Time        `json:"at"`
	Targets  []string         `json:"targets,omitempty"`
	ForStep  string           `json:"for_step,omitempty"`
	// SignedWith is the key id of a signed decision; empty when the
	// decision was unsigned (allowed only without approvals.require_signed).
	SignedWith string `json:"signed_with,omitempty"`
}
