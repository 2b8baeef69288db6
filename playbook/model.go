// Package playbook is Cordon's playbook language: the YAML model with
// positions, the loader, static validation against the action registry,
// `${{ }}` expressions, the JSON Schema and the graph.
//
// It imports no Temporal package: the CLI validates with it, and the
// workflow re-parses the pinned source with it, purely and
// deterministically.
//
// Files are named by phase: decode*.go turn YAML into the model (decode.go
// is the entry, decode_helpers.go the decoder's typed readers), check*.go
// (with validate.go) are the static checks against the registry, and
// eval*.go are the expressions a run evaluates. model.go, errors.go and
// schema*.go are shared by all three.
package playbook

import "time"

// Pos is a 1-based position in a playbook file.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Playbook is a loaded, validated playbook.
type Playbook struct {
	File   string // as given to Load, for messages
	Source []byte // the exact bytes loaded; pinned into every run
	SHA256 string // hex digest of Source

	Name        string
	Version     int
	Description string
	// Connection is the playbook's connection: (connection.go); "" when
	// it names none.
	Connection    string
	ConnectionPos Pos
	Inputs        []*Input // in file order
	Guardrails    Guardrails
	On            []*Trigger
	Steps         []*Step
	Outputs       []*Output // in file order

	// Which step results expressions read (OutputRead).
	readSteps     map[string]bool
	readsAllSteps bool
}

// OutputRead says whether any expression of the playbook reads step id's
// result (steps.<id>...). The interpreter need not keep, carry or report
// the item outputs of a foreach step that nothing reads.
func (p *Playbook) OutputRead(id string) bool {
	return p.readsAllSteps || p.readSteps[id]
}

func (p *Playbook) noteStepRead(id string) {
	if id == allStepsRef {
		p.readsAllSteps = true
		return
	}
	if p.readSteps == nil {
		p.readSteps = map[string]bool{}
	}
	p.readSteps[id] = true
}

// InputType is the declared type of a playbook input.
type InputType string

// Input types.
const (
	InputString  InputType = "string"
	InputNumber  InputType = "number"
	InputBoolean InputType = "boolean"
	InputList    InputType = "list"
	InputObject  InputType = "object"
)

// Input is a declared playbook input.
type Input struct {
	Name        string
	Type        InputType
	Required    bool
	Default     any // nil when HasDefault is false
	HasDefault  bool
	Description string
	Allowed     []any // allowed values; nil when free
	Pos         Pos
}

// Guardrails are the playbook-level limits the engine enforces on
// destructive steps.
type Guardrails struct {
	// MaxTargets caps the distinct targets one destructive step may act on;
	// 0 means the worker's default.
	MaxTargets int
	// AboveLimit is what happens past MaxTargets: AboveLimitFail (default)
	// or AboveLimitApproval (an approval listing the targets is requested first).
	AboveLimit AboveLimit
	// MaxDepth caps how deeply playbook: steps nest below a run started
	// from this playbook (1 to MaxChildDepthCeiling); 0 means the engine's
	// default, 8. Child runs keep their root's cap.
	MaxDepth int
	// MaxRunTargets caps the distinct targets the destructive steps of a
	// run and its children act on together; 0 means the worker's default.
	// A child playbook's own value can only lower its root's.
	MaxRunTargets int
	Pos           Pos
}

// MaxChildDepthCeiling is the highest guardrails.max_depth a playbook may
// set: the cap exists so that a cycle cannot build child runs without end,
// and no playbook may switch it off.
const MaxChildDepthCeiling = 32

// StepKind says what a step does; every step is exactly one kind.
type StepKind string

// Step kinds.
const (
	KindAction   StepKind = "action"
	KindApproval StepKind = "approval"
	KindSet      StepKind = "set"
	KindWait     StepKind = "wait"
	KindFail     StepKind = "fail"
	KindPlaybook StepKind = "playbook"
	KindParallel StepKind = "parallel"
)

// Step is one step of a playbook.
type Step struct {
	ID   string
	Name string
	Kind StepKind
	Pos  Pos

	If              *Value // nil: always runs; else a single expression
	Foreach         *Value // nil: no fan-out; with KindAction or KindPlaybook
	Concurrency     int    // foreach window; 0 means the engine default
	ContinueOnError bool
	Retry           *Retry        // nil: the action's default policy
	Timeout         time.Duration // 0: the action's default

	// KindAction
	Action string
	With   map[string]*Value // parameters; for KindPlaybook, the child's inputs
	// MaxTargets overrides Guardrails.MaxTargets for this step; 0 = inherit.
	MaxTargets int
	// UndoAfter schedules the action's undo after this long; only actions
	// whose registry entry names an Undo take it (action.Action.Undo; the
	// list is in docs/actions.md). 0 = never.
	UndoAfter time.Duration
	// Connection is the step's own connection: (action and playbook:
	// steps; connection.go); "" acts on the run's connection.
	Connection    string
	ConnectionPos Pos

	Approval *Approval         // KindApproval
	Set      map[string]*Value // KindSet: vars.<key>
	Wait     time.Duration     // KindWait
	Fail     *Value            // KindFail: the failure message
	Playbook string            // KindPlaybook: the library playbook's name
	Parallel []*Step           // KindParallel
}

// Retry overrides an action's default retry policy; zero fields inherit.
type Retry struct {
	MaxAttempts        int
	InitialInterval    time.Duration
	MaxInterval        time.Duration
	BackoffCoefficient float64
}

// Approval is a human decision point.
type Approval struct {
	Approvers []string // who may decide; empty means anyone
	Message   *Value
	Timeout   time.Duration // 0: wait forever
	OnTimeout Decision      // Reject (default) or Approve
	// AllowSelf lets the run's starter decide. By default the person who
	// started a run cannot approve it (four-eyes principle).
	AllowSelf bool
}

// Output is a named playbook output.
type Output struct {
	Name  string
	Value *Value
	Pos   Pos
}

// TriggerKind names where a trigger's alerts come from.
type TriggerKind string

// Trigger kinds.
const (
	TriggerWebhook   TriggerKind = "webhook"
	TriggerOktaEvent TriggerKind = "okta_event"
)

// Trigger starts the playbook on a matching alert or Okta event.
type Trigger struct {
	Kind   TriggerKind
	Filter string            // okta_event: System Log filter
	If     *Value            // optional condition over alert (webhook) or event (okta_event)
	With   map[string]*Value // input mapping
	Pos    Pos
}
