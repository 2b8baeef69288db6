package activities

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/activities/spec"
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
		{spec.TestConnection, map[string]any{}},
		{spec.GetUsers, map[string]any{spec.ParamLimit: 5}},
		{spec.GetUser, map[string]any{spec.ParamUser: jane}},
		{spec.GetUser, map[string]any{spec.ParamUser: "nobody@acme.com", spec.ParamNotFound: spec.NotFoundOK}},
		{spec.GetUserGroups, map[string]any{spec.ParamUser: jane}},
		{spec.GetGroups, map[string]any{}},
		{spec.GetGroup, map[string]any{spec.ParamGroup: "Engineering"}},
		{spec.GetGroupMembers, map[string]any{spec.ParamGroupID: eng}},
		{spec.ListUserFactors, map[string]any{spec.ParamUser: jane}},
		{spec.ListUserApps, map[string]any{spec.ParamUser: jane}},
		{spec.ListZones, map[string]any{}},
		{spec.GetLogs, map[string]any{spec.ParamStartTime: "-30d"}},
		{spec.FetchEvent, map[string]any{spec.ParamStartTime: "-30d", spec.ParamMaxEvents: 20}},
		{spec.SuspendUsers, map[string]any{spec.ParamUserIDs: []any{janeID}}},
		{spec.BlockIPs, map[string]any{spec.ParamZoneID: oktasim.DemoBlockedIPZoneID, spec.ParamIPAddresses: []any{"203.0.113.9"}}},
		{spec.UnlockUsers, map[string]any{spec.ParamUserIDs: []any{oktasim.DemoLockedUserID}}},
		{spec.ExpirePasswords, map[string]any{spec.ParamUserIDs: []any{oktasim.DemoLockedUserID}, spec.ParamTempPassword: true}},
		{spec.CreateZone, map[string]any{spec.ParamName: "shape-check", spec.ParamGateways: []any{"198.51.100.7"}}},
		{spec.UpdateZone, map[string]any{spec.ParamZoneID: oktasim.DemoLegacyIPZoneID, spec.ParamGateways: []any{"198.51.100.8"}}},
		{spec.CreateUserInGroup, map[string]any{spec.ParamFirstName: "Ada", spec.ParamLastName: "Shape", spec.ParamEmail: "ada.shape@acme.com", spec.ParamGroupIDs: []any{eng}}},
		{spec.UnsuspendUsers, map[string]any{spec.ParamUserIDs: []any{janeID}}},
		{spec.ClearUserSessions, map[string]any{spec.ParamUserIDs: []any{janeID}, spec.ParamOAuthTokens: true}},
		{spec.ResetFactors, map[string]any{spec.ParamUserIDs: []any{janeID}, spec.ParamFactorTypes: []any{"sms"}}},
		{spec.UpdateUserProfile, map[string]any{spec.ParamUserIDs: []any{janeID}, spec.ParamProfile: map[string]any{"title": "checked"}}},
		{spec.AddUsersToGroup, map[string]any{spec.ParamUserIDs: []any{janeID}, spec.ParamGroupID: eng}},
		{spec.RemoveUsersFromGroup, map[string]any{spec.ParamUserIDs: []any{janeID}, spec.ParamGroupID: eng}},
		{spec.UnblockIPs, map[string]any{spec.ParamZoneID: oktasim.DemoBlockedIPZoneID, spec.ParamIPAddresses: []any{"203.0.113.9"}}},
		{spec.ResetUserPasswords, map[string]any{spec.ParamUserIDs: []any{janeID}, spec.ParamSendEmail: false}},
		{spec.DeactivateUsers, map[string]any{spec.ParamUserIDs: []any{janeID}}},
		{spec.ActivateUsers, map[string]any{spec.ParamUserIDs: []any{janeID}, spec.ParamSendEmail: false}},
	}
	reg := spec.Okta()
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
	created, _ := outs[spec.CreateZone].(map[string]any)
	check(spec.DeleteZones, map[string]any{spec.ParamZoneIDs: []any{created["id"]}})
	for _, name := range reg.Names() {
		if !seen[name] {
			t.Errorf("%s: no case holds its output to its shape", name)
		}
	}
}

// conform lists where v departs from s: a field s does not declare, or a
// value of another kind.
func conform(path string, s *spec.Shape, v any) []string {
	if s == nil || v == nil || s.Kind == spec.ShapeAny {
		return nil
	}
	var out []string
	switch s.Kind {
	case spec.ShapeObject:
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
	case spec.ShapeList:
		l, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want a list, got %T", path, v)}
		}
		for i, x := range l {
			out = append(out, conform(fmt.Sprintf("%s[%d]", path, i), s.Elem, x)...)
		}
	case spec.ShapeString:
		if _, ok := v.(string); !ok {
			out = append(out, fmt.Sprintf("%s: want a string, got %T", path, v))
		}
	case spec.ShapeInteger, spec.ShapeNumber:
		if _, ok := v.(float64); !ok {
			out = append(out, fmt.Sprintf("%s: want a number, got %T", path, v))
		}
	case spec.ShapeBoolean:
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf("%s: want a boolean, got %T", path, v))
		}
	}
	return out
}
