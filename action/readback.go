package action

import (
	"errors"
	"fmt"
	"strings"
)

// ReadBackKind is how a write's effect is observed in Okta.
type ReadBackKind string

// Read-back kinds.
const (
	// ReadUserStatus reads the user: the write took effect when the
	// user's status is one of Statuses.
	ReadUserStatus ReadBackKind = "user_status"
	// ReadMembership reads the user's groups: the write took effect when
	// the user's membership of group_id is Member.
	ReadMembership ReadBackKind = "membership"
	// ReadEvent reads the System Log: the effect leaves no state to read
	// (sessions ended, a password expired, factors removed, a profile
	// written), so the write took effect when an event of Events with
	// this step's marker names the item.
	ReadEvent ReadBackKind = "event"
	// ReadZone reads the zone back after the write (the zone write's own
	// write-ahead record and verification, activities/blocklist.go).
	ReadZone ReadBackKind = "zone"
	// ReadCreated looks the created object up by its unique name (login,
	// zone name) before creating it again.
	ReadCreated ReadBackKind = "created"
)

// ReadBack declares how an action's effect is confirmed after a write
// whose reply never came, on every attempt including the last, and how
// the change is attributed (docs/runs.md, "Attribution").
type ReadBack struct {
	Kind     ReadBackKind
	Statuses []string // ReadUserStatus: the statuses the write leaves
	Member   bool     // ReadMembership: member after the write
	// Events are the System Log event types the write records; a change
	// found in place is this step's when one of them names the item with
	// the step's marker, and someone else's (already_*) otherwise.
	Events []string
	// Already is the outcome of an item found in place and not changed by
	// this step ("" when finding it in place is not a success).
	Already string
}

// checkReadBack holds a destructive action to declaring its read-back:
// without one a lost reply could leave its write unconfirmed or claimed.
func (a *Action) checkReadBack() error {
	rb := a.ReadBack
	if !a.Destructive {
		return nil
	}
	if rb == nil {
		return fmt.Errorf("destructive action %s declares no read-back: a lost reply could not be confirmed", a.Name)
	}
	switch rb.Kind {
	case ReadUserStatus:
		if len(rb.Statuses) == 0 || len(rb.Events) == 0 {
			return fmt.Errorf("action %s: a user_status read-back needs statuses and events", a.Name)
		}
	case ReadMembership, ReadEvent:
		if len(rb.Events) == 0 {
			return fmt.Errorf("action %s: a %s read-back needs events", a.Name, rb.Kind)
		}
	case ReadZone, ReadCreated:
	default:
		return errors.New("action " + a.Name + ": unknown read-back kind " + string(rb.Kind))
	}
	return nil
}

// User statuses a read-back names (Okta's).
const (
	statusActive        = "ACTIVE"
	statusProvisioned   = "PROVISIONED"
	statusDeprovisioned = "DEPROVISIONED"
	statusSuspended     = "SUSPENDED"
	statusRecovery      = "RECOVERY"
)

// readBacks declares every built-in write action's read-back.
var readBacks = map[string]*ReadBack{
	DeactivateUsers: {Kind: ReadUserStatus, Statuses: []string{statusDeprovisioned},
		Events: []string{"user.lifecycle.deactivate"}, Already: OutcomeAlreadyDeprovisioned},
	ActivateUsers: {Kind: ReadUserStatus, Statuses: []string{statusActive, statusProvisioned},
		Events: []string{"user.lifecycle.activate", "user.lifecycle.reactivate"}, Already: OutcomeAlreadyActive},
	SuspendUsers: {Kind: ReadUserStatus, Statuses: []string{statusSuspended},
		Events: []string{"user.lifecycle.suspend"}, Already: OutcomeAlreadySuspended},
	UnsuspendUsers: {Kind: ReadUserStatus, Statuses: []string{statusActive},
		Events: []string{"user.lifecycle.unsuspend"}, Already: OutcomeNotSuspended},
	ResetUserPasswords: {Kind: ReadUserStatus, Statuses: []string{statusRecovery},
		Events: []string{"user.account.reset_password"}},
	AddUsersToGroup: {Kind: ReadMembership, Member: true,
		Events: []string{"group.user_membership.add"}, Already: OutcomeAlreadyMember},
	RemoveUsersFromGroup: {Kind: ReadMembership, Member: false,
		Events: []string{"group.user_membership.remove"}, Already: OutcomeNotMember},
	ClearUserSessions: {Kind: ReadEvent, Events: []string{"user.session.clear"}},
	UnlockUsers:       {Kind: ReadEvent, Events: []string{"user.account.unlock"}},
	ExpirePasswords:   {Kind: ReadEvent, Events: []string{"user.account.expire_password"}},
	ResetFactors:      {Kind: ReadEvent, Events: []string{"user.mfa.factor.reset_all", "user.mfa.factor.deactivate"}},
	UpdateUserProfile: {Kind: ReadEvent, Events: []string{"user.account.update_profile"}},
	BlockIPs:          {Kind: ReadZone, Events: []string{"zone.update"}},
	UnblockIPs:        {Kind: ReadZone, Events: []string{"zone.update"}},
	UpdateZone:        {Kind: ReadZone, Events: []string{"zone.update"}},
	DeleteZones:       {Kind: ReadZone, Events: []string{"zone.delete"}},
	CreateZone:        {Kind: ReadCreated, Events: []string{"zone.create"}},
	CreateUserInGroup: {Kind: ReadCreated, Events: []string{"user.lifecycle.create"}},
}

// Describe says, for docs/actions.md, how a lost reply is confirmed and
// the change attributed.
func (rb *ReadBack) Describe() string {
	events := "`" + strings.Join(rb.Events, "`, `") + "`"
	var how string
	switch rb.Kind {
	case ReadUserStatus:
		how = "a write without an answer (or a 5xx) is confirmed by reading the user (status " + strings.Join(rb.Statuses, " or ") + ")"
	case ReadMembership:
		how = "a write without an answer (or a 5xx) is confirmed by reading the user's groups"
	case ReadEvent:
		how = "the effect leaves no state to read: a write without an answer (or a 5xx) is confirmed by the System Log event"
	case ReadZone:
		return "the zone is read back after the write, and a write-ahead record in the heartbeat tells a retry what an earlier attempt wrote (System Log: " + events + ")"
	case ReadCreated:
		return "a retry looks the object up by its unique name before creating it again (System Log: " + events + ")"
	}
	s := how + ", on every attempt including the last; a change found in place is the step's only when a System Log event (" + events +
		") with the step's User-Agent marker names the item"
	if rb.Already != "" {
		s += ", otherwise it is " + rb.Already + " (with who made it) and never undone"
	}
	return s
}
