package spec

// GuardActivity is the engine's own activity that applies the worker's
// guardrail configuration (protected users, groups and networks, the
// default blast-radius limit) to a destructive step's targets. The
// workflow calls it before every destructive action; it reads Okta only to
// expand protected groups and to learn the token's owner.
const GuardActivity = "cordon.guard"

// GuardRequest is GuardActivity's input.
type GuardRequest struct {
	Action  string     `json:"action"`
	Kind    TargetKind `json:"kind"`
	Targets []string   `json:"targets"`
	// Group is the group a membership change acts on, if any; a protected
	// group's membership is never changed.
	Group string `json:"group,omitempty"`
}

// GuardResult is GuardActivity's output.
type GuardResult struct {
	Allowed   []string         `json:"allowed"`
	Protected []ProtectedEntry `json:"protected,omitempty"`
	// DefaultMaxTargets is the worker's limit for steps and playbooks that
	// set none.
	DefaultMaxTargets int `json:"default_max_targets"`
	// GroupProtected says why Group is protected; empty when it is not.
	GroupProtected string `json:"group_protected,omitempty"`
}

// ProtectedEntry is a target the guard refused, with why.
type ProtectedEntry struct {
	Target string `json:"target"`
	Reason string `json:"reason"`
}
