package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/cordonsec/cordon/activities/spec"
)

// UpdateUserProfile sets some profile attributes of each user (a partial
// update). Protected attributes (spec.ProtectedProfileFields) are refused
// before any Okta call unless allow_fields names an allowable one. Each
// user is read first: one whose profile already holds the values is
// unchanged, so a repeat writes nothing.
func (a *Activities) UpdateUserProfile(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.UpdateUserProfile, req)
	if err != nil {
		return nil, err
	}
	profile, err := checkProfile(act, p.Object(spec.ParamProfile), p.List(spec.ParamAllowFields))
	if err != nil {
		return nil, classify(act.Title, err)
	}
	return a.runBulk(ctx, act, p.List(spec.ParamUserIDs), func(ctx context.Context, id string) (spec.ItemResult, error) {
		raw, _, err := a.Okta.GetUser(ctx, id)
		if err != nil {
			return failed(ctx, id, err)
		}
		if profileHolds(raw, profile) {
			return done(id, spec.OutcomeUnchanged)
		}
		sending(ctx)
		if _, err := a.Okta.UpdateUserProfile(ctx, id, profile); err != nil {
			return a.confirm(ctx, act, id, err)
		}
		return done(id, spec.OutcomeDone)
	})
}

// checkProfile applies the protected-field rule and returns the profile in
// JSON form (numbers as float64), as Okta will echo it back.
func checkProfile(act *spec.Action, profile map[string]any, allow []string) (map[string]any, error) {
	for _, f := range allow {
		pf, ok := spec.LookupProtectedField(f)
		if !ok || !pf.Allowable {
			return nil, &InputError{Action: act.Name, Param: spec.ParamAllowFields, Msg: fmt.Sprintf("%s is not an allowable protected field", f)}
		}
	}
	keys := make([]string, 0, len(profile))
	for k := range profile {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pf, ok := spec.LookupProtectedField(k)
		switch {
		case !ok:
		case !pf.Allowable:
			return nil, &InputError{Action: act.Name, Param: spec.ParamProfile, Msg: fmt.Sprintf("%s may not be changed by a playbook (%s)", k, pf.Why)}
		case !slices.Contains(allow, k):
			return nil, &InputError{Action: act.Name, Param: spec.ParamProfile, Msg: fmt.Sprintf("%s is protected (%s); name it in allow_fields to change it", k, pf.Why)}
		}
	}
	b, err := json.Marshal(profile)
	if err != nil {
		return nil, &InputError{Action: act.Name, Param: spec.ParamProfile, Msg: err.Error()}
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, &InputError{Action: act.Name, Param: spec.ParamProfile, Msg: err.Error()}
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
