package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestGetUsersSearchAllFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{Seed: oktasim.SeedEmpty, Users: 900})
	var users []map[string]any
	require.NoError(t, f.run(action.GetUsers, map[string]any{
		action.ParamSearch: `profile.department eq "Finance"`, action.ParamLimit: "all",
		action.ParamFields: []any{"id", "status", "profile.login", "profile.nope"}}, &users))
	require.Len(t, users, 100, "every ninth generated user is in Finance, over the default limit of 100")
	for _, u := range users {
		assert.Len(t, u, 3, "only id, status and profile are kept: %v", u)
		assert.Equal(t, "ACTIVE", u["status"])
		profile := u["profile"].(map[string]any)
		assert.Len(t, profile, 1, "profile keeps only login")
		login := profile["login"].(string)
		sim, ok := f.sim.User(login)
		require.True(t, ok)
		assert.Equal(t, "Finance", sim.Profile["department"])
		assert.Equal(t, sim.ID, u["id"])
	}

	t.Run("q is a prefix lookup", func(t *testing.T) {
		var got []map[string]any
		require.NoError(t, f.run(action.GetUsers, map[string]any{action.ParamQ: "user00000", action.ParamFields: []any{"profile.login"}}, &got))
		assert.Len(t, got, 10)
	})
	t.Run("Okta's rules are refused before any call", func(t *testing.T) {
		for name, params := range map[string]map[string]any{
			"filter on department": {action.ParamFilter: `profile.department eq "Finance"`},
			"search with filter":   {action.ParamFilter: `status eq "ACTIVE"`, action.ParamSearch: `profile.department eq "Finance"`},
			"negative limit":       {action.ParamLimit: -1},
		} {
			f.sim.ResetRequests()
			ae, _ := appErr(t, f.run(action.GetUsers, params, nil))
			assert.Equal(t, action.ErrInvalidInput, ae.Type(), name)
			assert.True(t, ae.NonRetryable(), name)
			assert.Empty(t, f.sim.Requests(), name)
		}
	})
}

func TestOutputTooLargeFailsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{Seed: oktasim.SeedEmpty, Users: 600})
	f.acts.MaxOutputBytes = 64 << 10
	f.acts.Register(f.env) // again, now with the limit
	f.sim.ResetRequests()
	ae, _ := appErr(t, f.run(action.GetUsers, map[string]any{action.ParamLimit: "all"}, nil))
	assert.Equal(t, action.ErrOutputTooLarge, ae.Type())
	assert.True(t, ae.NonRetryable())
	assert.Regexp(t, `^Get Users output is [0-9.]+ KiB \(\d+ bytes\), over Temporal's payload limit of 64\.0 KiB \(65536 bytes\): `+
		"keep fewer fields per item with `fields:`.*select fewer users with `search:` or `filter:`, or enable the payload store", ae.Message())
	assert.Len(t, f.sim.Requests(), 4, "one pass over the 601 users (4 pages), no retry")

	var users []map[string]any
	require.NoError(t, f.run(action.GetUsers, map[string]any{action.ParamLimit: "all", action.ParamFields: []any{"id"}}, &users),
		"the same listing fits with fields")
	assert.Len(t, users, 601)
}

func TestGetGroupMembersFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var members []map[string]any
	require.NoError(t, f.run(action.GetGroupMembers, map[string]any{action.ParamGroupID: oktasim.DemoEngineeringGroupID,
		action.ParamFields: "id, profile.login"}, &members))
	require.NotEmpty(t, members)
	for _, m := range members {
		assert.Len(t, m, 2, "id and profile: %v", m)
		assert.NotEmpty(t, m["id"])
		assert.Len(t, m["profile"], 1)
	}
}
