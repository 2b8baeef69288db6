package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/audit"
)

// Func is the signature every Okta activity has.
type Func func(ctx context.Context, req action.Request) (any, error)

// Funcs returns the implementation of every action, keyed by registry name.
func (a *Activities) Funcs() map[string]Func {
	return map[string]Func{
		action.ActivateUsers:        a.ActivateUsers,
		action.AddUsersToGroup:      a.AddUsersToGroup,
		action.RemoveUsersFromGroup: a.RemoveUsersFromGroup,
		action.BlockIPs:             a.BlockIPs,
		action.UnblockIPs:           a.UnblockIPs,
		action.CreateUserInGroup:    a.CreateUserInGroup,
		action.CreateZone:           a.CreateZone,
		action.DeactivateUsers:      a.DeactivateUsers,
		action.DeleteZones:          a.DeleteZones,
		action.FetchEvent:           a.FetchEvent,
		action.GetGroups:            a.GetGroups,
		action.GetLogs:              a.GetLogs,
		action.GetUserGroups:        a.GetUserGroups,
		action.GetUsers:             a.GetUsers,
		action.GetGroupMembers:      a.GetGroupMembers,
		action.ListZones:            a.ListZones,
		action.ResetUserPasswords:   a.ResetUserPasswords,
		action.UpdateZone:           a.UpdateZone,
		action.TestConnection:       a.TestConnection,
		action.ClearUserSessions:    a.ClearUserSessions,
		action.SuspendUsers:         a.SuspendUsers,
		action.UnsuspendUsers:       a.UnsuspendUsers,
		action.UnlockUsers:          a.UnlockUsers,
		action.ExpirePasswords:      a.ExpirePasswords,
		action.ListUserFactors:      a.ListUserFactors,
		action.ResetFactors:         a.ResetFactors,
		action.GetUser:              a.GetUser,
		action.ListUserApps:         a.ListUserApps,
		action.GetGroup:             a.GetGroup,
		action.UpdateUserProfile:    a.UpdateUserProfile,
	}
}

// Register registers every action in the registry under its name, and the
// engine's cordon.resolve activity, which reads through the same client. It
// panics when an action has no implementation: that is a build mistake the
// first test run catches, not a runtime condition.
//
// Every activity is registered behind a.Callers' check (origin.go): one
// started outside Cordon's workflows (a standalone activity, another
// workflow type, another task queue) fails non-retryably before it reads
// its input. With no Callers set, every call is refused.
func (a *Activities) Register(r worker.ActivityRegistry) {
	r = Restrict(r, a.Callers)
	funcs := a.Funcs()
	for _, name := range a.Registry.Names() {
		fn, ok := funcs[name]
		if !ok {
			panic(fmt.Sprintf("activities: action %s is in the registry but has no implementation", name))
		}
		act, _ := a.Registry.Lookup(name)
		r.RegisterActivityWithOptions(withAttempt(withScope(a.limitOutput(act, fn))), activity.RegisterOptions{Name: name})
	}
	r.RegisterActivityWithOptions(a.Resolve, activity.RegisterOptions{Name: action.ResolveActivity})
}

// withScope tells the audit trail's Okta observer which playbook and step
// the activity's writes are for.
func withScope(fn Func) Func {
	return func(ctx context.Context, req action.Request) (any, error) {
		return fn(audit.WithScope(ctx, audit.Scope{Playbook: req.Playbook, Version: req.PlaybookVersion, Step: req.Step}), req)
	}
}

// withAttempt records which attempt produced an action's outcome: in the
// result when the request asks for an envelope, and in the failure's
// action.ErrorDetails always.
func withAttempt(fn Func) Func {
	return func(ctx context.Context, req action.Request) (any, error) {
		out, err := fn(ctx, req)
		attempt := int(activity.GetInfo(ctx).Attempt)
		if err != nil {
			return nil, failedAttempt(err, attempt)
		}
		if req.Envelope {
			return action.Attempted{Output: out, Attempt: attempt}, nil
		}
		return out, nil
	}
}

// failedAttempt sets the attempt in an activity failure's action.ErrorDetails
// (its first detail), keeping everything else about the error.
func failedAttempt(err error, attempt int) error {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.HasDetails() {
		return err
	}
	var d action.ErrorDetails
	var rest any
	details := []any{}
	if app.Details(&d, &rest) == nil {
		details = append(details, &d, rest)
	} else if app.Details(&d) == nil {
		details = append(details, &d)
	} else {
		return err
	}
	d.Attempt = attempt
	return temporal.NewApplicationErrorWithOptions(app.Message(), app.Type(), temporal.ApplicationErrorOptions{
		NonRetryable: app.NonRetryable(), Cause: errors.Unwrap(app), Details: details,
		NextRetryDelay: app.NextRetryDelay(), Category: app.Category(),
	})
}
