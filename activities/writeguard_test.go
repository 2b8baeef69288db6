package activities

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// guardedFixture is a fixture whose activities re-check the guardrails of
// cfg, with protected groups and the token's owner read from the org, as
// the worker's guard reads them.
func guardedFixture(t *testing.T, cfg guard.Config) *fixture {
	t.Helper()
	f := newFixture(t, oktasim.Options{})
	g, err := guard.New(cfg, guard.OktaDirectory{Okta: f.acts.Okta})
	require.NoError(t, err)
	f.acts.Guard = g
	return f
}

// postsTo counts the requests other than GET whose path names id.
func postsTo(sim *oktasim.Sim, id string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method != "GET" && strings.Contains(r.Path, id) {
			n++
		}
	}
	return n
}

// unprotectedActiveUser returns an ACTIVE user outside IT Admins, other
// than the demo's named users.
func unprotectedActiveUser(t *testing.T, f *fixture) string {
	t.Helper()
	raw, err := f.acts.Okta.SearchUsers(context.Background(), okta.UserQuery{Filter: `status eq "ACTIVE"`}, 0)
	require.NoError(t, err)
	admins := f.sim.GroupMembers(oktasim.DemoITAdminsGroupID)
	for _, r := range raw {
		var u okta.User
		require.NoError(t, json.Unmarshal(r, &u))
		if u.ID != oktasim.DemoActiveUserID && u.ID != oktasim.DemoAdminID && !slices.Contains(admins, u.ID) {
			return u.ID
		}
	}
	t.Fatal("no unprotected ACTIVE user in the demo org")
	return ""
}

// A protected user is never suspended, however the activity is called and
// whichever spelling names them: the activity itself asks the guard right
// before each write, with the Okta ID the write goes to.
func TestSuspendNeverWritesToAProtectedUser(t *testing.T) {
	t.Parallel()
	f := guardedFixture(t, guard.Config{Protected: guard.Protected{
		Users: []string{oktasim.DemoActiveUserLogin}, Groups: []string{oktasim.DemoITAdminsGroupID}}})
	grace, ok := f.sim.User("grace.hopper@" + oktasim.DemoDomain)
	require.True(t, ok)
	other := unprotectedActiveUser(t, f)
	targets := []any{oktasim.DemoActiveUserID, "me", oktasim.DemoAdminLogin, "sam.rivera", grace.ID, other}
	res := f.bulk(action.SuspendUsers, map[string]any{action.ParamUserIDs: targets})

	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	want := map[string]string{
		oktasim.DemoActiveUserID: "protected user", "me": "owner of Cordon's Okta API token",
		oktasim.DemoAdminLogin: "owner of Cordon's Okta API token", "sam.rivera": "owner of Cordon's Okta API token",
		grace.ID: "member of protected group " + oktasim.DemoITAdminsGroupID,
	}
	for _, r := range res.Results {
		if r.ID == other {
			assert.Equal(t, action.OutcomeDone, r.Outcome)
			continue
		}
		assert.Equal(t, action.OutcomeProtected, r.Outcome, r.ID)
		assert.False(t, r.OK, r.ID)
		assert.Equal(t, want[r.ID]+"; not written (okta.suspend_users re-checks the guardrails before each write)", r.Message, r.ID)
	}
	assert.Equal(t, []string{other}, res.Succeeded)
	for _, id := range []string{oktasim.DemoActiveUserID, oktasim.DemoAdminID, grace.ID} {
		u, _ := f.sim.User(id)
		assert.Equal(t, "ACTIVE", u.Status, id)
		assert.Zero(t, postsTo(f.sim, id), "no write reached %s", id)
	}
	for _, spelling := range []string{"me", oktasim.DemoAdminLogin, "sam.rivera"} {
		assert.Zero(t, postsTo(f.sim, spelling+"/"), "no write addressed %s", spelling)
	}
	u, _ := f.sim.User(other)
	assert.Equal(t, "SUSPENDED", u.Status)
}

// The token's owner never has their password expired, and no temporary
// password comes back.
func TestExpirePasswordsRefusesTheTokenOwner(t *testing.T) {
	t.Parallel()
	f := guardedFixture(t, guard.Config{})
	before, _ := f.sim.User(oktasim.DemoAdminID)
	err := f.run(action.ExpirePasswords, map[string]any{action.ParamUserIDs: []any{"me", oktasim.DemoAdminID}, action.ParamTempPassword: true}, nil)
	ae, d := appErr(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Contains(t, d.Message, "owner of Cordon's Okta API token; not written")
	var res action.BulkResult
	require.NoError(t, ae.Details(&d, &res))
	assert.Equal(t, action.StatusFailed, res.Status)
	for _, r := range res.Results {
		assert.Equal(t, action.OutcomeProtected, r.Outcome)
		assert.Nil(t, r.Data, "no temporary password")
	}
	after, _ := f.sim.User(oktasim.DemoAdminID)
	assert.Equal(t, before.Status, after.Status)
	assert.Equal(t, before.PasswordChanged, after.PasswordChanged)
	assert.Zero(t, writes(f.sim))
}

// A protected group's membership, and a protected zone, refuse the whole
// activity before anything is written.
func TestWriteGuardRefusesProtectedScopes(t *testing.T) {
	t.Parallel()
	f := guardedFixture(t, guard.Config{Protected: guard.Protected{
		Groups: []string{oktasim.DemoITAdminsGroupID}, Zones: []string{oktasim.DemoPolicyZoneID}}})
	other := unprotectedActiveUser(t, f)
	cases := []struct {
		action string
		params map[string]any
		want   string
	}{
		{action.AddUsersToGroup, map[string]any{action.ParamUserIDs: []any{other}, action.ParamGroupID: oktasim.DemoITAdminsGroupID},
			"okta.add_users_to_group refused at the write: group_id " + oktasim.DemoITAdminsGroupID + ": protected group " + oktasim.DemoITAdminsGroupID},
		{action.CreateUserInGroup, map[string]any{action.ParamFirstName: "Mallory", action.ParamLastName: "M", action.ParamEmail: "mallory@acme.com",
			action.ParamGroupIDs: []any{oktasim.DemoITAdminsGroupID}}, "group_ids " + oktasim.DemoITAdminsGroupID + ": protected group"},
		{action.UpdateZone, map[string]any{action.ParamZoneID: oktasim.DemoPolicyZoneID, action.ParamName: "renamed"},
			"okta.update_zone refused at the write: zone_id " + oktasim.DemoPolicyZoneID + ": protected zone; nothing was changed"},
	}
	for _, tc := range cases {
		f.sim.ResetRequests()
		ae, d := appErr(t, f.run(tc.action, tc.params, nil))
		assert.Equal(t, action.ErrProtected, ae.Type(), tc.action)
		assert.True(t, ae.NonRetryable(), tc.action)
		assert.Contains(t, d.Message, tc.want)
		assert.Zero(t, writes(f.sim), tc.action)
	}
}

// Without guardrails a worker writes nothing.
func TestNoGuardNoWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	f.acts.Guard = nil
	ae, d := appErr(t, f.run(action.SuspendUsers, map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID}}, nil))
	assert.Equal(t, action.ErrProtected, ae.Type())
	assert.Contains(t, d.Message, "this worker has no guardrails configured, so it writes nothing")
	assert.Empty(t, f.sim.Requests())
	require.NoError(t, f.run(action.GetUser, map[string]any{action.ParamUser: oktasim.DemoActiveUserID}, nil), "reads still work")
}

// Every destructive action in the registry re-checks at the write: given
// a protected target, or a protected value in any guarded parameter, it
// writes nothing and says so. An action added later without the check
// fails here.
func TestEveryDestructiveActionRechecksAtTheWrite(t *testing.T) {
	t.Parallel()
	f := guardedFixture(t, guard.Config{Protected: guard.Protected{Users: []string{oktasim.DemoActiveUserLogin},
		Groups: []string{oktasim.DemoITAdminsGroupID}, Zones: []string{oktasim.DemoPolicyZoneID}}})
	protected := map[action.TargetKind]string{
		action.TargetUsers: oktasim.DemoActiveUserID, action.TargetNew: oktasim.DemoActiveUserLogin,
		action.TargetGroups: oktasim.DemoITAdminsGroupID, action.TargetZones: oktasim.DemoPolicyZoneID, action.TargetIPs: "10.0.0.1",
	}
	value := func(act *action.Action, param, v string) any {
		if p, _ := act.Param(param); p.Type == action.TypeStringList {
			return []any{v}
		}
		return v
	}
	checked := 0
	for _, act := range action.Okta().All() {
		if !act.Destructive {
			continue
		}
		for _, g := range act.Guarded() {
			params := map[string]any{}
			for k, v := range act.Example {
				params[k] = v
			}
			// Scopes that exist, so that only the guard can stop the write.
			if _, ok := params[action.ParamZoneID]; ok {
				params[action.ParamZoneID] = oktasim.DemoBlockedIPZoneID
			}
			if _, ok := params[action.ParamGroupID]; ok {
				params[action.ParamGroupID] = oktasim.DemoEngineeringGroupID
			}
			params[g.Param] = value(act, g.Param, protected[g.Kind])
			f.sim.ResetRequests()
			var res action.BulkResult
			err := f.run(act.Name, params, &res)
			assert.Zero(t, writes(f.sim), "%s with a protected %s wrote to Okta", act.Name, g.Param)
			if err != nil {
				// Refused in start (action.ErrProtected), or every item refused
				// (the bulk failure names the first item's refusal).
				ae, d := appErr(t, err)
				assert.True(t, ae.NonRetryable(), "%s %s", act.Name, g.Param)
				assert.Regexp(t, `(refused at the write: .*; nothing was changed|; not written \(okta\.[a-z_]+ re-checks the guardrails before each write\))`,
					d.Message, "%s %s", act.Name, g.Param)
			} else {
				// A list action may succeed on its other items; this one
				// has only the protected item.
				t.Errorf("%s with a protected %s did not fail: %+v", act.Name, g.Param, res)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 20)
}
