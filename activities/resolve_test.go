package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func (f *fixture) resolve(kind action.TargetKind, targets ...string) []action.Resolved {
	f.t.Helper()
	val, err := f.env.ExecuteActivity(action.ResolveActivity, action.ResolveRequest{Kind: kind, Targets: targets})
	require.NoError(f.t, err)
	var res action.ResolveResult
	require.NoError(f.t, val.Get(&res))
	require.Len(f.t, res.Resolved, len(targets))
	return res.Resolved
}

// Every spelling of a user, group or zone resolves to its Okta ID through
// the simulated org; what names nothing comes back without one.
func TestResolve(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	jane := oktasim.DemoActiveUserID
	users := f.resolve(action.TargetUsers, jane, "jane.doe@acme.com", "JANE.DOE@ACME.COM", "jane.doe", " jane.doe@acme.com\n", "me", "ME", "nobody@acme.com", "00UJAN3D0EACMEU5R0X7")
	for i, want := range []string{jane, jane, jane, jane, jane, oktasim.DemoAdminID, oktasim.DemoAdminID, "", ""} {
		assert.Equal(t, want, users[i].ID, "user %q", users[i].Given)
	}
	assert.Equal(t, `no Okta user with ID, login or short login "nobody@acme.com"`, users[7].Message)

	groups := f.resolve(action.TargetGroups, oktasim.DemoITAdminsGroupID, "IT Admins", "it admins", " IT Admins ", "No Such Group")
	for i, want := range []string{oktasim.DemoITAdminsGroupID, oktasim.DemoITAdminsGroupID, oktasim.DemoITAdminsGroupID, oktasim.DemoITAdminsGroupID, ""} {
		assert.Equal(t, want, groups[i].ID, "group %q", groups[i].Given)
	}
	assert.Equal(t, `no Okta group with ID or name "No Such Group"`, groups[4].Message)

	zones := f.resolve(action.TargetZones, oktasim.DemoPolicyZoneID, oktasim.DemoPolicyZoneName, "nope")
	assert.Equal(t, oktasim.DemoPolicyZoneID, zones[0].ID)
	assert.Equal(t, oktasim.DemoPolicyZoneID, zones[1].ID)
	assert.Empty(t, zones[2].ID)
	assert.Zero(t, writes(f.sim), "resolving only reads")
}
