package action

import (
	"regexp"
	"strings"
)

// GuardActivity is the engine's own activity that applies the worker's
// guardrail configuration (protected users, groups, zones and networks,
// the default blast-radius limit) to a destructive step's canonical
// targets. The workflow calls it before every destructive action; it reads
// Okta only to resolve the protected identities and to learn the token's
// owner.
const GuardActivity = "cordon.guard"

// ResolveActivity turns the spellings of a destructive step's users,
// groups and zones into their Okta IDs, reading through the Okta client.
// The workflow calls it (retried, and cached per run) before the guard, so
// the guard, the blast-radius count, the approval and the action all see
// the same canonical targets.
const ResolveActivity = "cordon.resolve"

// GuardRequest is GuardActivity's input.
type GuardRequest struct {
	Action  string     `json:"action"`
	Kind    TargetKind `json:"kind"`
	Targets []string   `json:"targets"`
	// Group is the group a membership change acts on, if any; a protected
	// group's membership is never changed. Kept for recorded histories;
	// new runs send Scopes.
	Group string `json:"group,omitempty"`
	// Scopes are the action's other guarded parameters (Action.Guards),
	// canonical; one protected value refuses the step.
	Scopes []Scope `json:"scopes,omitempty"`
}

// Scope is one guarded parameter's canonical values.
type Scope struct {
	Param  string     `json:"param"`
	Kind   TargetKind `json:"kind"`
	Values []string   `json:"values"`
}

// GuardResult is GuardActivity's output.
type GuardResult struct {
	Allowed   []string         `json:"allowed"`
	Protected []ProtectedEntry `json:"protected,omitempty"`
	// DefaultMaxTargets is the worker's limit for steps and playbooks that
	// set none.
	DefaultMaxTargets int `json:"default_max_targets"`
	// DefaultMaxRunTargets is the worker's run-wide limit for runs whose
	// playbook sets none; 0 (a result recorded before the limit) means
	// none.
	DefaultMaxRunTargets int `json:"default_max_run_targets,omitempty"`
	// Refused says why the step as a whole is refused (a protected group,
	// zone or network in a guarded parameter); empty when it is not. The
	// JSON name predates scopes other than groups.
	Refused string `json:"group_protected,omitempty"`
}

// ProtectedEntry is a target the guard refused, with why.
type ProtectedEntry struct {
	Target string `json:"target"`
	Reason string `json:"reason"`
}

// ResolveRequest is ResolveActivity's input: spellings of one kind.
type ResolveRequest struct {
	Kind    TargetKind `json:"kind"`
	Targets []string   `json:"targets"`
}

// ResolveResult is ResolveActivity's output, one entry per requested
// spelling, in order.
type ResolveResult struct {
	Resolved []Resolved `json:"resolved"`
}

// Resolved is one spelling's canonical form. ID is empty when the target
// does not exist (or is ambiguous); Message then says why.
type Resolved struct {
	Given   string `json:"given"`
	ID      string `json:"id,omitempty"`
	Message string `json:"message,omitempty"`
}

// Okta IDs are 20 characters: a three-letter type prefix and 17 letters
// and digits.
var (
	userID  = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)
	groupID = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)
	zoneID  = regexp.MustCompile(`^nzo[0-9A-Za-z]{17}$`)
)

// CanonicalID returns a target's canonical form when it needs no Okta
// read: an Okta ID of the kind (trimmed), or an IP entry in canonical CIDR
// form. ok is false when the target must be resolved (a login, short
// login, me, a group name) or, for IPs, when it does not parse.
func CanonicalID(kind TargetKind, target string) (id string, ok bool) {
	t := strings.TrimSpace(target)
	switch kind {
	case TargetUsers:
		return t, userID.MatchString(t)
	case TargetGroups:
		return t, groupID.MatchString(t)
	case TargetZones:
		return t, zoneID.MatchString(t)
	case TargetIPs:
		e, err := ParseIPEntry(t)
		if err != nil {
			return "", false
		}
		return e.String(), true
	}
	return t, false
}

// ConfigError is a worker configuration error found while serving an
// activity (a guardrails file naming a group Okta does not have): no retry
// fixes it, so it fails the activity at once.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }
