package activities

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// TestOutputsConformToShapes runs every action against the simulated org
// and holds its output to the action's declared OutputShape: each field
// the output has is one the shape declares, with the declared kind. What
// `cordon validate` accepts in steps.X.output paths is then what runs.
func TestOutputsConformToShapes(t *testing.T) {
	f := newFixture(t, oktasim.Options{})
	// Bulk actions take IDs: the workflow resolves logins before them.
	jane, janeID, eng := oktasim.DemoActiveUserLogin, oktasim.DemoActiveUserID, oktasim.DemoEngineeringGroupID
	cases := []struct {
		action string
		params map[string]any
	}{
		{action.TestConnection, map[string]any{}},
		{action.GetUsers, map[string]any{action.ParamLimit: 5}},
		{action.GetUser, map[string]any{action.ParamUser: jane}},
		{action.GetUser, map[string]any{action.ParamUser: "nobody@acme.com", action.ParamNotFound: action.NotFoundOK}},
		{action.GetUserGroups, map[string]any{action.ParamUser: jane}},
		{action.GetGroups, map[string]any{}},
		{action.GetGroup, map[string]any{action.ParamGroup: "Engineering"}},
		{action.GetGroupMembers, map[string]any{action.ParamGroupID: eng}},
		{action.ListUserFactors, map[string]any{action.ParamUser: jane}},
		{action.ListUserApps, map[string]any{action.ParamUser: jane}},
		{action.ListZones, map[string]any{}},
		{action.GetLogs, map[string]any{action.ParamStartTime: "-30d"}},
		{action.FetchEvent, map[string]any{action.ParamStartTime: "-30d", action.ParamMaxEvents: 20}},
		{action.SuspendUsers, map[string]any{action.ParamUserIDs: []any{janeID}}},
		{action.BlockIPs, map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.9"}}},
		{action.UnlockUsers, map[string]any{action.ParamUserIDs: []any{oktasim.DemoLockedUserID}}},
		{action.ExpirePasswords, map[string]any{action.ParamUserIDs: []any{oktasim.DemoLockedUserID}, action.ParamTempPassword: true}},
		{action.CreateZone, map[string]any{action.ParamName: "shape-check", action.ParamGateways: []any{"198.51.100.7"}}},
		{action.UpdateZone, map[string]any{action.ParamZoneID: oktasim.DemoLegacyIPZoneID, action.ParamGateways: []any{"198.51.100.8"}}},
		{action.CreateUserInGroup, map[string]any{action.ParamFirstName: "Ada", action.ParamLastName: "Shape", action.ParamEmail: "ada.shape@acme.com", action.ParamGroupIDs: []any{eng}}},
		{action.UnsuspendUsers, map[string]any{action.ParamUserIDs: []any{janeID}}},
		{action.ClearUserSessions, map[string]any{action.ParamUserIDs: []any{janeID}, action.ParamOAuthTokens: true}},
		{action.ResetFactors, map[string]any{action.ParamUserIDs: []any{janeID}, action.ParamFactorTypes: []any{"sms"}}},
		{action.UpdateUserProfile, map[string]any{action.ParamUserIDs: []any{janeID}, action.ParamProfile: map[string]any{"title": "checked"}}},
		{action.AddUsersToGroup, map[string]any{action.ParamUserIDs: []any{janeID}, action.ParamGroupID: eng}},
		{action.RemoveUsersFromGroup, map[string]any{action.ParamUserIDs: []any{janeID}, action.ParamGroupID: eng}},
		{action.UnblockIPs, map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.9"}}},
		{action.ResetUserPasswords, map[string]any{action.ParamUserIDs: []any{janeID}, action.ParamSendEmail: false}},
		{action.DeactivateUsers, map[string]any{action.ParamUserIDs: []any{janeID}}},
		{action.ActivateUsers, map[string]any{action.ParamUserIDs: []any{janeID}, action.ParamSendEmail: false}},
	}
	reg := action.Okta()
	seen := map[string]bool{}
	outs := map[string]any{}
	check := func(name string, params map[string]any) {
		t.Helper()
		a, _ := reg.Lookup(name)
		var out any
		require.NoError(t, f.run(name, params, &out), name)
		require.NotNil(t, out, name)
		for _, problem := range conform("output", a.OutputShape, out) {
			t.Errorf("%s: %s", name, problem)
		}
		seen[name], outs[name] = true, out
	}
	for _, c := range cases {
		check(c.action, c.params)
	}
	// The zone created above is one a step may delete.
	created, _ := outs[action.CreateZone].(map[string]any)
	check(action.DeleteZones, map[string]any{action.ParamZoneIDs: []any{created["id"]}})
	for _, name := range reg.Names() {
		if !seen[name] {
			t.Errorf("%s: no case holds its output to its shape", name)
		}
	}
}

// conform lists where v departs from s: a field s does not declare, or a
// value of another kind.
func conform(path string, s *action.Shape, v any) []string {
	if s == nil || v == nil || s.Kind == action.ShapeAny {
		return nil
	}
	var out []string
	switch s.Kind {
	case action.ShapeObject:
		m, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %T", path, v)}
		}
		for k, x := range m {
			fs, ok := s.Field(k)
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: not in the shape %s", path, k, s.Describe()))
				continue
			}
			out = append(out, conform(path+"."+k, fs, x)...)
		}
	case action.ShapeList:
		l, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want a list, got %T", path, v)}
		}
		for i, x := range l {
			out = append(out, conform(fmt.Sprintf("%s[%d]", path, i), s.Elem, x)...)
		}
	case action.ShapeString:
		if _, ok := v.(string); !ok {
			out = append(out, fmt.Sprintf("%s: want a string, got %T", path, v))
		}
	case action.ShapeInteger, action.ShapeNumber:
		if _, ok := v.(float64); !ok {
			out = append(out, fmt.Sprintf("%s: want a number, got %T", path, v))
		}
	case action.ShapeBoolean:
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf("%s: want a boolean, got %T", path, v))
		}
	}
	return out
}
