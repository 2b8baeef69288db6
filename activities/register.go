package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/activities/spec"
)

// Func is the signature every Okta activity has.
type Func func(ctx context.Context, req Request) (any, error)

// Funcs returns the implementation of every action, keyed by registry name.
func (a *Activities) Funcs() map[string]Func {
	return map[string]Func{
		spec.ActivateUsers:        a.ActivateUsers,
		spec.AddUsersToGroup:      a.AddUsersToGroup,
		spec.RemoveUsersFromGroup: a.RemoveUsersFromGroup,
		spec.BlockIPs:             a.BlockIPs,
		spec.UnblockIPs:           a.UnblockIPs,
		spec.CreateUserInGroup:    a.CreateUserInGroup,
		spec.CreateZone:           a.CreateZone,
		spec.DeactivateUsers:      a.DeactivateUsers,
		spec.DeleteZones:          a.DeleteZones,
		spec.FetchEvent:           a.FetchEvent,
		spec.GetGroups:            a.GetGroups,
		spec.GetLogs:              a.GetLogs,
		spec.GetUserGroups:        a.GetUserGroups,
		spec.GetUsers:             a.GetUsers,
		spec.GetGroupMembers:      a.GetGroupMembers,
		spec.ListZones:            a.ListZones,
		spec.ResetUserPasswords:   a.ResetUserPasswords,
		spec.UpdateZone:           a.UpdateZone,
		spec.TestConnection:       a.TestConnection,
	}
}

// Register registers every action in the registry under its name. It
// panics when an action has no implementation: that is a build mistake the
// first test run catches, not a runtime condition.
func (a *Activities) Register(r worker.ActivityRegistry) {
	funcs := a.Funcs()
	for _, name := range a.Registry.Names() {
		fn, ok := funcs[name]
		if !ok {
			panic(fmt.Sprintf("activities: action %s is in the registry but has no implementation", name))
		}
		act, _ := a.Registry.Lookup(name)
		r.RegisterActivityWithOptions(a.limitOutput(act, fn), activity.RegisterOptions{Name: name})
	}
}
