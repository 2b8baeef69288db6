package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// DeactivateUsers deactivates each user. Okta answers a deactivate of an
// already DEPROVISIONED user with 404 E0000007, like an unknown user, so a
// GET tells the two apart: the first is already_deprovisioned (success),
// or done when the System Log proves this step's earlier write made it
// (attribution.go).
func (a *Activities) DeactivateUsers(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.DeactivateUsers, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		sending(ctx)
		_, err := a.Okta.DeactivateUser(ctx, id)
		if err == nil {
			return done(id, action.OutcomeDone)
		}
		if isStatusConflict(err) {
			refused(ctx)
			u, gerr := a.user(ctx, id)
			switch {
			case gerr == nil && u.Status == okta.StatusDeprovisioned:
				return a.foundInPlace(ctx, act, id, "user is "+u.Status)
			case gerr != nil && !errors.Is(gerr, okta.ErrNotFound):
				return failed(ctx, id, gerr)
			}
			return failed(ctx, id, err)
		}
		return a.confirm(ctx, act, id, err)
	})
}

// ActivateUsers activates each user; an ACTIVE user is already_active.
// Okta refuses to activate an ACTIVE or PROVISIONED user again, so a
// retry never sends a second activation email.
func (a *Activities) ActivateUsers(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ActivateUsers, req)
	if err != nil {
		return nil, err
	}
	sendEmail := p.Bool(action.ParamSendEmail)
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		sending(ctx)
		raw, err := a.Okta.ActivateUser(ctx, id, sendEmail)
		if err == nil {
			r, _ := done(id, action.OutcomeDone)
			r.Data = nonEmpty(raw)
			return r, nil
		}
		if okta.IsCode(err, okta.CodeAlreadyActive) || isStatusConflict(err) {
			// ACTIVE (E0000016), or PROVISIONED when an activation (this
			// step's earlier one, or someone's) sent the welcome email.
			refused(ctx)
			u, gerr := a.user(ctx, id)
			switch {
			case gerr != nil && okta.IsCode(err, okta.CodeAlreadyActive):
				return done(id, action.OutcomeAlreadyActive)
			case gerr != nil:
				return failed(ctx, id, err)
			case u.Status == okta.StatusActive || u.Status == okta.StatusProvisioned:
				return a.foundInPlace(ctx, act, id, "user is "+u.Status)
			}
			return failed(ctx, id, err)
		}
		return a.confirm(ctx, act, id, err)
	})
}

// ResetUserPasswords resets each user's password. send_email true forces
// convert_to_federated false, as the integration spec says. A reset that
// emails the user is never sent twice by this step: a write that got no
// answer is read back (RECOVERY) and attributed, and a retry reads back
// the users an earlier attempt sent a reset to before sending again.
func (a *Activities) ResetUserPasswords(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ResetUserPasswords, req)
	if err != nil {
		return nil, err
	}
	sendEmail, federated := p.Bool(action.ParamSendEmail), p.Bool(action.ParamConvertToFederated)
	if sendEmail && federated {
		activity.GetLogger(ctx).Info("send_email is true: convert_to_federated forced to false")
		federated = false
	}
	emails := sendEmail && !federated
	if !emails {
		ctx = withResend(ctx) // a retry issues a new link rather than report one it lost
	}
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		if emails {
			// Without an email the reset link is in the reply: a lost one
			// is issued again (the new link replaces it), so only emailed
			// resets are recorded ahead and confirmed.
			sending(ctx)
		}
		raw, err := a.Okta.ResetPassword(ctx, id, sendEmail, federated)
		if err != nil && emails {
			r, cerr := a.confirm(ctx, act, id, err)
			if cerr == nil && r.OK {
				r.Message = joinNote(r.Message, "reset by this step; not sent again")
			}
			return r, cerr
		}
		if err != nil {
			return failed(ctx, id, err)
		}
		r, _ := done(id, action.OutcomeDone)
		r.Data = nonEmpty(raw)
		return r, nil
	})
}

// isStatusConflict reports the answers Okta gives a lifecycle call that
// does not fit the user's current status: 404 E0000007 (reported for
// DEPROVISIONED users) and 403 E0000038.
func isStatusConflict(err error) bool {
	return okta.IsCode(err, okta.CodeNotFound) || okta.IsCode(err, okta.CodeBadStatus)
}

func (a *Activities) user(ctx context.Context, id string) (*okta.User, error) {
	_, u, err := a.Okta.GetUser(ctx, id)
	return u, err
}

// nonEmpty drops Okta's empty "{}" answers so results stay small.
func nonEmpty(raw json.RawMessage) any {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	return m
}

// CreateUserInGroup creates a STAGED user in the given groups. A retry
// after a lost answer finds the login taken; when that user has the same
// name it is the one this step created, so it is returned (and added to
// any missing group) instead of failing.
func (a *Activities) CreateUserInGroup(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.CreateUserInGroup, req)
	if err != nil {
		return nil, err
	}
	email := p.Str(action.ParamEmail) // its syntax is the parameter's Format
	profile := map[string]any{"firstName": p.Str(action.ParamFirstName), "lastName": p.Str(action.ParamLastName),
		"email": email, "login": email}
	if ph := p.Str(action.ParamPhoneNumber); ph != "" {
		profile["mobilePhone"] = ph
	}
	groups := p.List(action.ParamGroupIDs)
	raw, err := a.Okta.CreateUser(ctx, map[string]any{"profile": profile, "groupIds": groups}, false)
	if err == nil {
		return json.RawMessage(raw), nil
	}
	if !okta.IsCode(err, okta.CodeValidation) && !lostReply(err) {
		return nil, classify(act.Title, err)
	}
	// The login is taken (a retry) or the answer was lost: read the user
	// back by login, on every attempt including the last (action.ReadCreated).
	existing, u, gerr := a.Okta.GetUser(ctx, email)
	if gerr != nil || !sameName(existing, profile) {
		return nil, classify(act.Title, err)
	}
	for _, g := range groups {
		if aerr := a.Okta.AddUserToGroup(ctx, g, u.ID); aerr != nil {
			return nil, classify(act.Title, aerr)
		}
	}
	activity.GetLogger(ctx).Info("user already exists with this login and name; reusing it", "user", u.ID)
	return existing, nil
}

func sameName(raw json.RawMessage, want map[string]any) bool {
	var u struct {
		Profile map[string]any `json:"profile"`
	}
	if json.Unmarshal(raw, &u) != nil {
		return false
	}
	return u.Profile["firstName"] == want["firstName"] && u.Profile["lastName"] == want["lastName"]
}

// GetUsers lists users; the output is Okta's JSON array (or, with fields,
// the kept fields of each user), so $[*].id works. limit 0 ("all") pages
// through every match.
func (a *Activities) GetUsers(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.GetUsers, req)
	if err != nil {
		return nil, err
	}
	limit := p.Int(action.ParamLimit) // at least 0: the parameter's Min
	users, err := a.Okta.SearchUsers(ctx, okta.UserQuery{Filter: p.Str(action.ParamFilter), Search: p.Str(action.ParamSearch), Q: p.Str(action.ParamQ)}, limit)
	return listFields(act, users, err, p.List(action.ParamFields))
}

// GetUserGroups lists the groups of a user given by ID or login.
func (a *Activities) GetUserGroups(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.GetUserGroups, req)
	if err != nil {
		return nil, err
	}
	groups, err := a.Okta.ListUserGroups(ctx, p.Str(action.ParamUser))
	return list(act, groups, err)
}

// TestConnection checks the org URL and token with GET /users/me, falling
// back to listing one user for OAuth tokens, which have no user.
func (a *Activities) TestConnection(ctx context.Context, req action.Request) (any, error) {
	act, _, err := a.start(ctx, action.TestConnection, req)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	login := ""
	u, err := a.Okta.Me(ctx)
	if err == nil {
		login = u.Profile.Login
	} else if errors.Is(err, okta.ErrNotFound) || okta.IsCode(err, okta.CodeForbidden) {
		err = a.Okta.ProbeUsers(ctx)
	}
	if err != nil {
		return nil, classify(act.Title, err)
	}
	return action.ConnectionResult{Status: "Successful", User: login, LatencyMS: time.Since(t0).Milliseconds()}, nil
}

// listFields is list with the fields parameter applied: each item keeps
// only the named dotted paths, nested as in Okta's JSON.
func listFields(act *action.Action, items []json.RawMessage, err error, fields []string) (any, error) {
	if err != nil || len(fields) == 0 {
		return list(act, items, err)
	}
	out := make([]map[string]any, len(items))
	for i, raw := range items {
		var m map[string]any
		if jerr := json.Unmarshal(raw, &m); jerr != nil {
			return nil, classify(act.Title, fmt.Errorf("decoding item %d of Okta's answer: %w", i, jerr))
		}
		out[i] = keepFields(m, fields)
	}
	return out, nil
}

// keepFields copies the named dotted paths of m; absent ones are left out.
func keepFields(m map[string]any, fields []string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		path := strings.Split(f, ".")
		src, dst := m, out
		for i, k := range path {
			v, ok := src[k]
			if !ok {
				break
			}
			if i == len(path)-1 {
				dst[k] = v
				break
			}
			next, ok := v.(map[string]any)
			if !ok {
				break
			}
			sub, _ := dst[k].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				dst[k] = sub
			}
			src, dst = next, sub
		}
	}
	return out
}

// list returns a read action's output: Okta's items as one JSON array
// (never null, so $[*] paths and len() work on an empty result).
func list(act *action.Action, items []json.RawMessage, err error) (any, error) {
	if err != nil {
		return nil, classify(act.Title, err)
	}
	if items == nil {
		items = []json.RawMessage{}
	}
	return items, nil
}
