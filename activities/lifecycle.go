package activities

import (
	"context"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// ClearUserSessions ends every session of each user. Okta answers 204
// whether or not the user had sessions, so a repeat is done again.
func (a *Activities) ClearUserSessions(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ClearUserSessions, req)
	if err != nil {
		return nil, err
	}
	oauth := p.Bool(action.ParamOAuthTokens)
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		sending(ctx)
		if err := a.Okta.ClearSessions(ctx, id, oauth); err != nil {
			return a.confirm(ctx, act, id, err)
		}
		return done(id, action.OutcomeDone)
	})
}

// SuspendUsers suspends each ACTIVE user. Okta refuses a suspend in any
// other status (400 E0000001), so a refusal is checked against the user's
// status: SUSPENDED is already_suspended (success), anything else fails
// with the status named.
func (a *Activities) SuspendUsers(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.SuspendUsers, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		sending(ctx)
		err := a.Okta.SuspendUser(ctx, id)
		if err == nil {
			return done(id, action.OutcomeDone)
		}
		return a.wrongStatus(ctx, act, id, err, func(st string) bool { return st == okta.StatusSuspended })
	})
}

// UnsuspendUsers returns each SUSPENDED user to ACTIVE; a user in any other
// status is not_suspended (success, the status in the message).
func (a *Activities) UnsuspendUsers(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.UnsuspendUsers, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		sending(ctx)
		err := a.Okta.UnsuspendUser(ctx, id)
		if err == nil {
			return done(id, action.OutcomeDone)
		}
		return a.wrongStatus(ctx, act, id, err, func(st string) bool { return st != okta.StatusSuspended })
	})
}

// wrongStatus decides an item whose lifecycle call got no success. A
// write that got no answer (or a 5xx) is confirmed by reading it back
// (effects.go). For a refusal over the user's status (E0000001, E0000038,
// or the 404 Okta gives some DEPROVISIONED users) it reads the status:
// when inPlace says the step's effect is there, attribution decides
// between done (this step's earlier write) and the action's already_*
// outcome; otherwise the item fails with Okta's error and the status.
func (a *Activities) wrongStatus(ctx context.Context, act *action.Action, id string, err error, inPlace func(status string) bool) (action.ItemResult, error) {
	if !isStatusConflict(err) && !okta.IsCode(err, okta.CodeValidation) {
		return a.confirm(ctx, act, id, err)
	}
	refused(ctx)
	u, gerr := a.user(ctx, id)
	if gerr != nil {
		if Retryable(gerr) {
			return failed(ctx, id, gerr)
		}
		return failed(ctx, id, err)
	}
	st := u.Status
	if inPlace != nil && inPlace(st) {
		return a.foundInPlace(ctx, act, id, "user is "+st)
	}
	r, ferr := failed(ctx, id, err)
	if ferr == nil {
		r.Message += " (user is " + st + ")"
	}
	return r, ferr
}

// UnlockUsers unlocks each user. Okta answers 200 for a LOCKED_OUT user
// (now ACTIVE) and for an ACTIVE one (unblocked from unknown devices), so
// a repeat is done again.
func (a *Activities) UnlockUsers(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.UnlockUsers, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		sending(ctx)
		if err := a.Okta.UnlockUser(ctx, id); err != nil {
			return a.wrongStatus(ctx, act, id, err, nil)
		}
		return done(id, action.OutcomeDone)
	})
}

// ExpirePasswords expires each user's password. The temporary password,
// when the step asks for one, goes into that item's Data only: it is never
// logged, and without temp_password Okta is not asked for one.
func (a *Activities) ExpirePasswords(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ExpirePasswords, req)
	if err != nil {
		return nil, err
	}
	// revoke_sessions without temp_password is refused by the action's
	// rules (action.Action.Rules) before this point.
	temp, revoke := p.Bool(action.ParamTempPassword), p.Bool(action.ParamRevokeSessions)
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		if !temp {
			sending(ctx)
			if err := a.Okta.ExpirePassword(ctx, id); err != nil {
				return a.wrongStatus(ctx, act, id, err, nil)
			}
			return done(id, action.OutcomeDone)
		}
		pw, err := a.Okta.ExpirePasswordWithTemp(ctx, id, revoke)
		if err != nil {
			// A lost reply lost the temporary password too, so the write
			// is sent again (a new password replaces the lost one) rather
			// than confirmed: a confirmed item would carry none. For the
			// same reason it records no write-ahead bit.
			if Retryable(err) {
				return failed(ctx, id, err)
			}
			return a.wrongStatus(ctx, act, id, err, nil)
		}
		r, _ := done(id, action.OutcomeDone)
		r.Data, r.Secret = map[string]any{"temp_password": pw}, true
		return r, nil
	})
}
