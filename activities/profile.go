package activities

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/cordonsec/cordon/action"
)

// UpdateUserProfile sets some profile attributes of each user (a partial
// update). Protected attributes (action.ProtectedProfileFields) are refused
// before any Okta call unless allow_fields names an allowable one. Each
// user is read first: one whose profile already holds the values is
// unchanged, so a repeat writes nothing.
func (a *Activities) UpdateUserProfile(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.UpdateUserProfile, req)
	if err != nil {
		return nil, err
	}
	profile, err := jsonProfile(act, p.Object(action.ParamProfile))
	if err != nil {
		return nil, classify(act.Title, err)
	}
	return a.runBulk(ctx, act, p.List(action.ParamUserIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		raw, _, err := a.Okta.GetUser(ctx, id)
		if err != nil {
			return failed(ctx, id, err)
		}
		if profileHolds(raw, profile) {
			return done(id, action.OutcomeUnchanged)
		}
		sending(ctx)
		if _, err := a.Okta.UpdateUserProfile(ctx, id, profile); err != nil {
			return a.confirm(ctx, act, id, err)
		}
		return done(id, action.OutcomeDone)
	})
}

// jsonProfile returns the profile in JSON form (numbers as float64), as
// Okta will echo it back. The protected-field rule is the action's
// (action.Action.Rules), applied before the step starts.
func jsonProfile(act *action.Action, profile map[string]any) (map[string]any, error) {
	b, err := json.Marshal(profile)
	if err != nil {
		return nil, &InputError{Action: act.Name, Param: action.ParamProfile, Msg: err.Error()}
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, &InputError{Action: act.Name, Param: action.ParamProfile, Msg: err.Error()}
	}
	return out, nil
}

// profileHolds reports whether the user's profile already has every value.
func profileHolds(rawUser json.RawMessage, want map[string]any) bool {
	var u struct {
		Profile map[string]json.RawMessage `json:"profile"`
	}
	if json.Unmarshal(rawUser, &u) != nil {
		return false
	}
	for k, v := range want {
		have, ok := u.Profile[k]
		if !ok {
			have = json.RawMessage("null")
		}
		wb, _ := json.Marshal(v)
		var hv any
		if json.Unmarshal(have, &hv) != nil {
			return false
		}
		hb, _ := json.Marshal(hv)
		if !bytes.Equal(wb, hb) {
			return false
		}
	}
	return true
}
