package activities

import (
	"context"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
)

// ClearUserSessions ends every session of each user. Okta answers 204
// whether or not the user had sessions, so a repeat is done again.
func (a *Activities) ClearUserSessions(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.ClearUserSessions, req)
	if err != nil {
		return nil, err
	}
	oauth := p.Bool(spec.ParamOAuthTokens)
	return a.runBulk(ctx, act, p.List(spec.ParamUserIDs), func(ctx context.Context, id string) (spec.ItemResult, error) {
		if err := a.Okta.ClearSessions(ctx, id, oauth); err != nil {
			return failed(ctx, id, err)
		}
		return done(id, spec.OutcomeDone)
	})
}

// SuspendUsers suspends each ACTIVE user. Okta refuses a suspend in any
// other status (400 E0000001), so a refusal is checked against the user's
// status: SUSPENDED is already_suspended (success), anything else fails
// with the status named.
func (a *Activities) SuspendUsers(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.SuspendUsers, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(spec.ParamUserIDs), func(ctx context.Context, id string) (spec.ItemResult, error) {
		err := a.Okta.SuspendUser(ctx, id)
		if err == nil {
			return done(id, spec.OutcomeDone)
		}
		return a.wrongStatus(ctx, id, err, func(st string) string {
			if st == okta.StatusSuspended {
				return spec.OutcomeAlreadySuspended
			}
			return ""
		})
	})
}

// UnsuspendUsers returns each SUSPENDED user to ACTIVE; a user in any other
// status is not_suspended (success, the status in the message).
func (a *Activities) UnsuspendUsers(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.UnsuspendUsers, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(spec.ParamUserIDs), func(ctx context.Context, id string) (spec.ItemResult, error) {
		err := a.Okta.UnsuspendUser(ctx, id)
		if err == nil {
			return done(id, spec.OutcomeDone)
		}
		return a.wrongStatus(ctx, id, err, func(st string) string {
			if st != okta.StatusSuspended {
				return spec.OutcomeNotSuspended
			}
			return ""
		})
	})
}

// wrongStatus decides an item whose lifecycle call Okta refused. For a
// refusal over the user's status (E0000001, E0000038, or the 404 Okta
// gives some DEPROVISIONED users) it reads the status: when ok names an
// outcome for it the item succeeds with it; otherwise it fails with
// Okta's error and the status. Any other error fails the item as is.
func (a *Activities) wrongStatus(ctx context.Context, id string, err error, ok func(status string) string) (spec.ItemResult, error) {
	if !isStatusConflict(err) && !okta.IsCode(err, okta.CodeValidation) {
		return failed(ctx, id, err)
	}
	u, gerr := a.user(ctx, id)
	if gerr != nil {
		if Retryable(gerr) {
			return failed(ctx, id, gerr)
		}
		return failed(ctx, id, err)
	}
	st := u.Status
	if outcome := ok(st); outcome != "" {
		if (outcome == spec.OutcomeAlreadySuspended || outcome == spec.OutcomeNotSuspended) && changedByThisStep(ctx, u.StatusChanged) {
			// An earlier attempt's suspend (or unsuspend) landed, its
			// answer lost: this step made the change, and undo_after
			// reverses it.
			return done(id, spec.OutcomeDone)
		}
		r, _ := done(id, outcome)
		r.Message = "user is " + st
		return r, nil
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
func (a *Activities) UnlockUsers(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.UnlockUsers, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(spec.ParamUserIDs), func(ctx context.Context, id string) (spec.ItemResult, error) {
		if err := a.Okta.UnlockUser(ctx, id); err != nil {
			return a.wrongStatus(ctx, id, err, func(string) string { return "" })
		}
		return done(id, spec.OutcomeDone)
	})
}

// ExpirePasswords expires each user's password. The temporary password,
// when the step asks for one, goes into that item's Data only: it is never
// logged, and without temp_password Okta is not asked for one.
func (a *Activities) ExpirePasswords(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.ExpirePasswords, req)
	if err != nil {
		return nil, err
	}
	// revoke_sessions without temp_password is refused by the action's
	// rules (spec.Action.Rules) before this point.
	temp, revoke := p.Bool(spec.ParamTempPassword), p.Bool(spec.ParamRevokeSessions)
	return a.runBulk(ctx, act, p.List(spec.ParamUserIDs), func(ctx context.Context, id string) (spec.ItemResult, error) {
		if !temp {
			if err := a.Okta.ExpirePassword(ctx, id); err != nil {
				return a.wrongStatus(ctx, id, err, func(string) string { return "" })
			}
			return done(id, spec.OutcomeDone)
		}
		pw, err := a.Okta.ExpirePasswordWithTemp(ctx, id, revoke)
		if err != nil {
			return a.wrongStatus(ctx, id, err, func(string) string { return "" })
		}
		r, _ := done(id, spec.OutcomeDone)
		r.Data, r.Secret = map[string]any{"temp_password": pw}, true
		return r, nil
	})
}
