// Package action is the action registry: it declares every Okta action
// Cordon offers as plain data: its name, the integration spec's title, typed
// parameters, output, destructive flag, targets, required Okta admin roles
// and default retry policy. It also holds the error-type table and the wire
// types between the workflow and the activities.
//
// It is the single source for playbook validation (package playbook), the
// JSON Schema (cordon schema), the generated docs/actions.md, activity
// registration (package activities) and the workflow's activity options.
// It imports neither Temporal nor the Okta client, so the language and the
// interpreter can read it without pulling in the implementations.
package action

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Type is a parameter's type as a playbook author sees it.
type Type string

// Parameter types. List types also accept a comma or newline separated
// string, as the integration spec's inputs do.
const (
	TypeString     Type = "string"
	TypeInteger    Type = "integer"
	TypeBoolean    Type = "boolean"
	TypeStringList Type = "string_list"
	TypeIntList    Type = "integer_list"
	TypeObjectList Type = "object_list"
	// TypeObject is one mapping (a JSON object string is accepted too).
	TypeObject Type = "object"
	// TypeTime is a string in one of the accepted time forms:
	// "2023-03-02 00:00" (UTC), RFC 3339, or relative like "-24h".
	TypeTime Type = "time"
)

// Param is one input of an action.
type Param struct {
	Name        string
	Type        Type
	Required    bool
	Default     any      // nil when none
	Enum        []string // allowed values (case-insensitive match), nil when free
	Description string
	Example     any
	// MaxItems caps a list parameter's length after de-duplication (an
	// Okta limit); 0 means no cap.
	MaxItems int
	// AllowAll lets an integer parameter take the word "all" (AllKeyword),
	// meaning 0: no limit.
	AllowAll bool
	// Min and Max bound an integer (for an integer list, each item); nil
	// means unbounded. RangeHint, when set, replaces the default message
	// after the value ("-1 is not a limit: ...").
	Min, Max  *int
	RangeHint string
	// Format is the syntax a string (or each item of a string list) must
	// have; "" means any text.
	Format Format
	// Items, when set, checks each object of an object list (the message
	// gets "item N: " in front).
	Items func(map[string]any) error
}

// EnumValue matches s, trimmed, with the parameter's allowed values
// case-insensitively and returns the declared spelling; false when it is
// none of them. A parameter without Enum takes s as is. The checker and
// the activities both decide with it.
func (p Param) EnumValue(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(p.Enum) == 0 {
		return s, true
	}
	for _, e := range p.Enum {
		if strings.EqualFold(e, s) {
			return e, true
		}
	}
	return "", false
}

// IsAll says whether s is the word "all" (AllKeyword) that an integer
// parameter with AllowAll takes for 0, no limit.
func (p Param) IsAll(s string) bool {
	return p.AllowAll && strings.EqualFold(strings.TrimSpace(s), AllKeyword)
}

// TargetKind names what a destructive action acts on; guardrails count and
// filter targets by kind.
type TargetKind string

// Target kinds.
const (
	TargetUsers  TargetKind = "users"
	TargetIPs    TargetKind = "ips"
	TargetZones  TargetKind = "zones"
	TargetGroups TargetKind = "groups"
	TargetNew    TargetKind = "new_users" // creations; counted by request
)

// Targets says which parameter holds a destructive action's targets.
type Targets struct {
	Param string
	Kind  TargetKind
}

// Guarded is a parameter the guardrails check besides the targets: the
// group whose membership changes, the zone a block writes, the gateways an
// update adds. Its values are canonicalised like targets; one protected
// value refuses the whole step before anything is written.
type Guarded struct {
	Param string
	Kind  TargetKind
}

// identityParams are the parameters that name something the guardrails
// protect. A destructive action with one of them must guard it (as Targets
// or in Guards); Register refuses the action otherwise, so an action added
// later cannot slip past the guardrails.
var identityParams = map[string]TargetKind{
	ParamUserIDs: TargetUsers, ParamUser: TargetUsers,
	ParamGroupID: TargetGroups, ParamGroupIDs: TargetGroups, ParamGroup: TargetGroups,
	ParamZoneID: TargetZones, ParamZoneIDs: TargetZones,
	ParamIPAddresses: TargetIPs, ParamGateways: TargetIPs,
	ParamEmail: TargetNew,
}

// IdentityKind says what kind of protected identity a parameter names, if
// any.
func IdentityKind(param string) (TargetKind, bool) {
	k, ok := identityParams[param]
	return k, ok
}

// Retry is an action's default retry policy. Nothing relies on Temporal's
// unlimited default: every action declares one.
type Retry struct {
	InitialInterval    time.Duration
	BackoffCoefficient float64
	MaximumInterval    time.Duration
	MaximumAttempts    int
}

// Action is one Okta command.
type Action struct {
	Name        string // registered activity name, e.g. okta.deactivate_users
	Title       string // the integration spec's command title, e.g. "Deactivate Users"
	Description string
	Method      string // the Okta call(s), for docs
	Params      []Param
	Output      string // description of the output, for docs
	// OutputShape is the output's type: what validate checks
	// steps.X.output paths against; nil means unknown (any). Every Okta
	// action has one (Okta() refuses one without).
	OutputShape *Shape
	Destructive bool
	Targets     *Targets // set for destructive actions acting on a list of targets
	// Guards are the other parameters the guardrails check (see Guarded).
	Guards []Guarded
	// Undo names the action that reverses this one (for undo_after), if any.
	Undo string
	// UndoKeep are the step's parameters the undo takes as they were (the
	// group, the zone); the undo's targets are the ones the step changed.
	UndoKeep []string
	// UndoSet are fixed parameters of the undo (the activation that undoes
	// a deactivation sends no email).
	UndoSet map[string]any
	// PlanWords phrase the action in a dry run's plan: {n} is the number of
	// targets, {param} a parameter's value ("add {n} users to group
	// {group_id}"). Required for a destructive action.
	PlanWords string
	// PlanCall is the Okta call a plan lists: once per target when it
	// names {target}; {param} is a parameter's value. Required for a
	// destructive action.
	PlanCall string
	// ZoneWrite marks an action that rewrites the whole zone its zone_id
	// names; the workflow runs it as that zone's single ZoneWriteWorkflow,
	// so writes to one zone never interleave.
	ZoneWrite bool
	// ReadBack says how the effect of one of this action's writes is read
	// back when its reply is lost or a 5xx answers it, and which System
	// Log events prove who made it. Required for a destructive action
	// (readback.go).
	ReadBack *ReadBack
	Roles    []string // any one of these Okta admin roles suffices
	// Ops are the Management API operations one step may call, lookups
	// and read-backs included; Scopes the OAuth scopes they need, sorted
	// (scopes.go; checked against Okta's OpenAPI spec by scopes_test.go).
	Ops    []Op
	Scopes []string

	StartToCloseTimeout time.Duration
	Retry               Retry
	// Heartbeat is the heartbeat timeout for bulk actions, 0 for none.
	Heartbeat time.Duration

	Example map[string]any // a valid `with:` block; checked by tests

	// Rules are the action's rules across parameters (requires, excludes,
	// conditional, and a few checks of Okta's syntax). `cordon validate`
	// applies them to the values written in the file, the activity to the
	// values it gets, with the same messages (see rules.go).
	Rules []Rule
}

// Param returns the named parameter.
func (a *Action) Param(name string) (Param, bool) {
	for _, p := range a.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamNames returns the parameter names in declaration order.
func (a *Action) ParamNames() []string {
	names := make([]string, len(a.Params))
	for i, p := range a.Params {
		names[i] = p.Name
	}
	return names
}

// Registry holds action specs by name.
type Registry struct {
	byName map[string]*Action
	names  []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byName: map[string]*Action{}} }

// Register adds an action. It panics on a duplicate or malformed spec,
// because that is a programming error caught by the first test run.
func (r *Registry) Register(a *Action) {
	if a.Name == "" || a.Title == "" {
		panic("spec: action without name or title")
	}
	if _, dup := r.byName[a.Name]; dup {
		panic(fmt.Sprintf("spec: action %s registered twice", a.Name))
	}
	if a.Destructive {
		if err := a.checkGuarded(); err != nil {
			panic("spec: " + err.Error())
		}
	}
	if err := a.checkReadBack(); err != nil {
		panic("spec: " + err.Error())
	}
	if err := a.checkMeta(); err != nil {
		panic("spec: " + err.Error())
	}
	r.byName[a.Name] = a
	r.names = append(r.names, a.Name)
	sort.Strings(r.names)
}

// Guarded returns every parameter the guardrails check: the targets first,
// then Guards.
func (a *Action) Guarded() []Guarded {
	var out []Guarded
	if a.Targets != nil {
		out = append(out, Guarded(*a.Targets))
	}
	return append(out, a.Guards...)
}

// checkGuarded holds a destructive action to the guardrails' rule: it
// declares its targets, and every parameter naming a protected kind of
// identity is guarded as that kind.
func (a *Action) checkGuarded() error {
	if a.Targets == nil {
		return fmt.Errorf("destructive action %s declares no targets, so no guardrail would apply to it", a.Name)
	}
	guarded := map[string]TargetKind{}
	for _, g := range a.Guarded() {
		if _, ok := a.Param(g.Param); !ok {
			return fmt.Errorf("action %s: guarded parameter %s not declared", a.Name, g.Param)
		}
		guarded[g.Param] = g.Kind
	}
	for _, p := range a.Params {
		kind, ok := identityParams[p.Name]
		if !ok {
			continue
		}
		if got, ok := guarded[p.Name]; !ok || got != kind {
			return fmt.Errorf("destructive action %s: parameter %s names %s but is not guarded as such", a.Name, p.Name, kind)
		}
	}
	return nil
}

// Lookup returns the action with the given name.
func (r *Registry) Lookup(name string) (*Action, bool) {
	a, ok := r.byName[name]
	return a, ok
}

// Names returns every action name, sorted.
func (r *Registry) Names() []string { return slices.Clone(r.names) }

// All returns every action, sorted by name.
func (r *Registry) All() []*Action {
	out := make([]*Action, len(r.names))
	for i, n := range r.names {
		out[i] = r.byName[n]
	}
	return out
}
