package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestAddAndRemoveUsersInGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	gid := oktasim.DemoITAdminsGroupID
	require.NotContains(t, f.sim.GroupMembers(gid), oktasim.DemoActiveUserID)
	params := map[string]any{action.ParamGroupID: gid, action.ParamUserIDs: []any{oktasim.DemoActiveUserID, oktasim.DemoActiveUserID, unknownUser}}

	res := f.bulk(action.AddUsersToGroup, params)
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	require.Len(t, res.Results, 2, "duplicates removed")
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Equal(t, 404, res.Results[1].HTTPStatus)
	assert.Contains(t, f.sim.GroupMembers(gid), oktasim.DemoActiveUserID)

	again := f.bulk(action.AddUsersToGroup, map[string]any{action.ParamGroupID: gid, action.ParamUserIDs: oktasim.DemoActiveUserID})
	assert.Equal(t, action.OutcomeAlreadyMember, again.Results[0].Outcome)

	removed := f.bulk(action.RemoveUsersFromGroup, map[string]any{action.ParamGroupID: gid, action.ParamUserIDs: oktasim.DemoActiveUserID})
	assert.Equal(t, action.OutcomeDone, removed.Results[0].Outcome)
	assert.NotContains(t, f.sim.GroupMembers(gid), oktasim.DemoActiveUserID)

	gone := f.bulk(action.RemoveUsersFromGroup, map[string]any{action.ParamGroupID: gid, action.ParamUserIDs: oktasim.DemoActiveUserID})
	assert.Equal(t, action.OutcomeNotMember, gone.Results[0].Outcome)
}

func TestAddUsersToGroupErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	t.Run("unknown group", func(t *testing.T) {
		ae, d := appErr(t, f.run(action.AddUsersToGroup, map[string]any{action.ParamGroupID: "00gNOPE", action.ParamUserIDs: oktasim.DemoActiveUserID}, nil))
		assert.True(t, ae.NonRetryable())
		assert.Equal(t, 404, d.HTTPStatus)
	})
	t.Run("app group memberships are read-only", func(t *testing.T) {
		_, d := appErr(t, f.run(action.AddUsersToGroup, map[string]any{action.ParamGroupID: oktasim.DemoAppGroupID, action.ParamUserIDs: oktasim.DemoStagedUserID}, nil))
		assert.Equal(t, 403, d.HTTPStatus)
		assert.NotContains(t, f.sim.GroupMembers(oktasim.DemoAppGroupID), oktasim.DemoStagedUserID)
	})
	t.Run("missing group_id", func(t *testing.T) {
		ae, d := appErr(t, f.run(action.AddUsersToGroup, map[string]any{action.ParamUserIDs: oktasim.DemoStagedUserID}, nil))
		assert.Equal(t, action.ErrInvalidInput, ae.Type())
		assert.Contains(t, d.Message, "group_id")
	})
}

func TestGetGroupsAndMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var groups []map[string]any
	require.NoError(t, f.run(action.GetGroups, map[string]any{action.ParamFilter: `type eq "OKTA_GROUP"`}, &groups))
	require.NotEmpty(t, groups)
	for _, g := range groups {
		assert.Equal(t, "OKTA_GROUP", g["type"])
	}
	var members []map[string]any
	require.NoError(t, f.run(action.GetGroupMembers, map[string]any{action.ParamGroupID: oktasim.DemoEngineeringGroupID, action.ParamLimit: 3}, &members))
	assert.Len(t, members, min(3, len(f.sim.GroupMembers(oktasim.DemoEngineeringGroupID))))

	_, d := appErr(t, f.run(action.GetGroupMembers, map[string]any{action.ParamGroupID: "00gNOPE"}, nil))
	assert.Equal(t, "E0000007", d.OktaCode)
}
