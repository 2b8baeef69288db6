package activities

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestClearUserSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	require.Equal(t, 1, f.sim.Sessions(oktasim.DemoActiveUserID), "the seeded user is signed in")
	params := map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, unknownUser}, action.ParamOAuthTokens: true}
	res := f.bulk(action.ClearUserSessions, params)
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Equal(t, action.ItemResult{ID: unknownUser, Outcome: action.OutcomeFailed, OktaCode: "E0000007", HTTPStatus: 404, Message: "User ID Not Found"}, res.Results[1])
	assert.Zero(t, f.sim.Sessions(oktasim.DemoActiveUserID))
	assert.Len(t, f.sim.Events("user.session.clear"), 1)
	assert.Len(t, f.sim.Events("app.oauth2.token.revoke"), 1, "oauth_tokens true revokes the tokens")
	assert.Contains(t, f.sim.Requests()[0].Query, "oauthTokens=true")

	again := f.bulk(action.ClearUserSessions, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID})
	assert.Equal(t, action.StatusSuccessful, again.Status, "a user without sessions is cleared again")
}

func TestSuspendAndUnsuspendUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	ids := []any{oktasim.DemoActiveUserID, oktasim.DemoDeprovisionedUserID}
	res := f.bulk(action.SuspendUsers, map[string]any{action.ParamUserIDs: ids})
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Equal(t, action.ItemResult{ID: oktasim.DemoDeprovisionedUserID, Outcome: action.OutcomeFailed, OktaCode: "E0000001", HTTPStatus: 400,
		Message: "Api validation failed: status (status: Cannot suspend a user that is not ACTIVE) (user is DEPROVISIONED)"}, res.Results[1],
		"a wrong status fails with Okta's E0000001 and the status")
	u, _ := f.sim.User(oktasim.DemoActiveUserID)
	assert.Equal(t, "SUSPENDED", u.Status)
	assert.Len(t, f.sim.Events("user.lifecycle.suspend"), 1)

	again := f.bulk(action.SuspendUsers, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID})
	assert.Equal(t, action.OutcomeAlreadySuspended, again.Results[0].Outcome)
	assert.True(t, again.Results[0].OK)

	back := f.bulk(action.UnsuspendUsers, map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, oktasim.DemoLockedUserID}})
	assert.Equal(t, action.StatusSuccessful, back.Status)
	assert.Equal(t, action.OutcomeDone, back.Results[0].Outcome)
	assert.Equal(t, action.ItemResult{ID: oktasim.DemoLockedUserID, OK: true, Outcome: action.OutcomeNotSuspended, Message: "user is LOCKED_OUT"}, back.Results[1])
	u, _ = f.sim.User(oktasim.DemoActiveUserID)
	assert.Equal(t, "ACTIVE", u.Status)
	locked, _ := f.sim.User(oktasim.DemoLockedUserID)
	assert.Equal(t, "LOCKED_OUT", locked.Status, "not_suspended writes nothing")
}

func TestSuspendUsersRateLimitedWaitsInTheAttempt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{Window: time.Second})
	f.sim.SetFault(oktasim.Fault{Path: "/api/v1/users/" + oktasim.DemoActiveUserID + "/lifecycle", RateLimitRate: 1, Times: 1})
	res := f.bulk(action.SuspendUsers, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID})
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome, "the same attempt suspends after the reset")
	u, _ := f.sim.User(oktasim.DemoActiveUserID)
	assert.Equal(t, "SUSPENDED", u.Status)
	assert.Equal(t, 1, countStatus(f.sim, 429))
}

func TestUnlockUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	res := f.bulk(action.UnlockUsers, map[string]any{action.ParamUserIDs: []any{oktasim.DemoLockedUserID, oktasim.DemoStagedUserID}})
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Equal(t, "E0000038", res.Results[1].OktaCode)
	assert.Contains(t, res.Results[1].Message, "(user is STAGED)")
	u, _ := f.sim.User(oktasim.DemoLockedUserID)
	assert.Equal(t, "ACTIVE", u.Status)
	again := f.bulk(action.UnlockUsers, map[string]any{action.ParamUserIDs: oktasim.DemoLockedUserID})
	assert.Equal(t, action.StatusSuccessful, again.Status, "unlocking an ACTIVE user is done again")
}

func TestExpirePasswords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	res := f.bulk(action.ExpirePasswords, map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, oktasim.DemoStagedUserID}})
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Nil(t, res.Results[0].Data, "no password without temp_password")
	assert.Equal(t, "E0000038", res.Results[1].OktaCode)
	u, _ := f.sim.User(oktasim.DemoActiveUserID)
	assert.Equal(t, "PASSWORD_EXPIRED", u.Status)
	for _, r := range f.sim.Requests() {
		assert.NotContains(t, r.Path, "temp_password")
	}
	assert.Len(t, f.sim.Events("user.account.expire_password"), 1)

	t.Run("revoke_sessions needs temp_password", func(t *testing.T) {
		f.sim.ResetRequests()
		ae, _ := appErr(t, f.run(action.ExpirePasswords, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID, action.ParamRevokeSessions: true}, nil))
		assert.Equal(t, "Expire Passwords failed. Message: okta.expire_passwords: invalid input: parameter revoke_sessions: needs temp_password true (Okta revokes sessions only with a temporary password); end sessions with okta.clear_user_sessions instead.", ae.Message())
		assert.Empty(t, f.sim.Requests())
	})
	t.Run("temp password only in the item", func(t *testing.T) {
		var beats []string
		f.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
			var d bulkProgress
			if details.Get(&d) == nil {
				b, _ := json.Marshal(d)
				beats = append(beats, string(b))
			}
		})
		res := f.bulk(action.ExpirePasswords, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID,
			action.ParamTempPassword: true, action.ParamRevokeSessions: true})
		require.Equal(t, action.StatusSuccessful, res.Status)
		data, _ := res.Results[0].Data.(map[string]any)
		pw, _ := data["temp_password"].(string)
		require.NotEmpty(t, pw)
		assert.NotContains(t, f.logs.String(), pw, "the temporary password is never logged")
		require.NotEmpty(t, beats, "the item finished with a heartbeat")
		assert.NotContains(t, strings.Join(beats, "\n"), pw, "nor put in a heartbeat")
		assert.Zero(t, f.sim.Sessions(oktasim.DemoActiveUserID), "revoke_sessions ends the sessions")
	})
}

func TestFactors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	before := f.sim.Factors(oktasim.DemoActiveUserID)
	require.NotEmpty(t, before)
	var listed []map[string]any
	require.NoError(t, f.run(action.ListUserFactors, map[string]any{action.ParamUser: oktasim.DemoActiveUserLogin}, &listed))
	assert.Len(t, listed, len(before))
	assert.Equal(t, before[0].Type, listed[0]["factorType"])

	res := f.bulk(action.ResetFactors, map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, unknownUser}, action.ParamFactorTypes: "SMS"})
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, map[string]any{"reset": []any{"sms"}}, res.Results[0].Data)
	for _, fc := range f.sim.Factors(oktasim.DemoActiveUserID) {
		assert.NotEqual(t, "sms", fc.Type, "only sms factors are removed")
	}
	assert.Len(t, f.sim.Factors(oktasim.DemoActiveUserID), len(before)-1)

	again := f.bulk(action.ResetFactors, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID, action.ParamFactorTypes: "sms"})
	assert.Equal(t, action.OutcomeNoFactors, again.Results[0].Outcome, "a repeat finds nothing to reset")

	all := f.bulk(action.ResetFactors, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID})
	assert.Equal(t, action.OutcomeDone, all.Results[0].Outcome)
	assert.Empty(t, f.sim.Factors(oktasim.DemoActiveUserID))
	assert.Len(t, f.sim.Events("user.mfa.factor.reset_all"), 1)

	ae, _ := appErr(t, f.run(action.ResetFactors, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID, action.ParamFactorTypes: "carrier_pigeon"}, nil))
	assert.Contains(t, ae.Message(), `factor_types: "carrier_pigeon" is not one of call, email`)
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var out struct {
		Found bool           `json:"found"`
		User  map[string]any `json:"user"`
	}
	require.NoError(t, f.run(action.GetUser, map[string]any{action.ParamUser: oktasim.DemoActiveUserLogin}, &out))
	assert.True(t, out.Found)
	assert.Equal(t, oktasim.DemoActiveUserID, out.User["id"])

	require.NoError(t, f.run(action.GetUser, map[string]any{action.ParamUser: "nobody@acme.com", action.ParamNotFound: "ok"}, &out))
	assert.False(t, out.Found)
	assert.Nil(t, out.User)

	ae, d := appErr(t, f.run(action.GetUser, map[string]any{action.ParamUser: "nobody@acme.com"}, nil))
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, 404, d.HTTPStatus, "not_found fail is the default")
}

func TestListUserApps(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var links []map[string]any
	require.NoError(t, f.run(action.ListUserApps, map[string]any{action.ParamUser: oktasim.DemoActiveUserID}, &links))
	var labels []any
	for _, l := range links {
		labels = append(labels, l["label"])
	}
	assert.ElementsMatch(t, []any{"Google Workspace", "AWS Console"}, labels, "Everyone's and Engineering's apps")
}

func TestGetGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	for _, given := range []string{oktasim.DemoEngineeringGroupID, "engineering"} {
		var g map[string]any
		require.NoError(t, f.run(action.GetGroup, map[string]any{action.ParamGroup: given}, &g), given)
		assert.Equal(t, oktasim.DemoEngineeringGroupID, g["id"], given)
	}
	ae, _ := appErr(t, f.run(action.GetGroup, map[string]any{action.ParamGroup: "No Such Team"}, nil))
	assert.Contains(t, ae.Message(), `no group is named "No Such Team"`)
}

func TestRemoveUsersFromGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	res := f.bulk(action.RemoveUsersFromGroup, map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, oktasim.DemoLockedUserID},
		action.ParamGroupID: oktasim.DemoEngineeringGroupID})
	assert.Equal(t, action.StatusSuccessful, res.Status)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Equal(t, action.OutcomeNotMember, res.Results[1].Outcome)
	assert.NotContains(t, f.sim.GroupMembers(oktasim.DemoEngineeringGroupID), oktasim.DemoActiveUserID)
}

func TestUpdateUserProfile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	params := map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, oktasim.DemoDeprovisionedUserID},
		action.ParamProfile: map[string]any{"title": "under investigation", "costCenter": "IR-7"}}
	res := f.bulk(action.UpdateUserProfile, params)
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Equal(t, "E0000038", res.Results[1].OktaCode, "a DEPROVISIONED user cannot be updated")
	u, _ := f.sim.User(oktasim.DemoActiveUserID)
	assert.Equal(t, "under investigation", u.Profile["title"])
	assert.Equal(t, "Engineering", u.Profile["department"], "a partial update keeps the rest")

	f.sim.ResetRequests()
	again := f.bulk(action.UpdateUserProfile, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID, action.ParamProfile: params[action.ParamProfile]})
	assert.Equal(t, action.OutcomeUnchanged, again.Results[0].Outcome)
	assert.Zero(t, writes(f.sim), "an unchanged profile is not written")

	for _, tc := range []struct {
		name    string
		profile map[string]any
		allow   []any
		want    string
	}{
		{"login never", map[string]any{"login": "x@acme.com"}, []any{}, "login may not be changed by a playbook"},
		{"email unless allowed", map[string]any{"email": "x@acme.com"}, []any{}, "email is protected (the primary recovery channel); name it in allow_fields to change it"},
		{"allow only allowable", map[string]any{"title": "x"}, []any{"login"}, `allow_fields: "login" is not one of email, secondEmail, mobilePhone, primaryPhone`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.sim.ResetRequests()
			ae, _ := appErr(t, f.run(action.UpdateUserProfile, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID,
				action.ParamProfile: tc.profile, action.ParamAllowFields: tc.allow}, nil))
			assert.Contains(t, ae.Message(), tc.want)
			assert.True(t, ae.NonRetryable())
			assert.Empty(t, f.sim.Requests(), "refused before any Okta call")
		})
	}
	t.Run("allowed email", func(t *testing.T) {
		res := f.bulk(action.UpdateUserProfile, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID,
			action.ParamProfile: map[string]any{"email": "jane.doe+ir@acme.com"}, action.ParamAllowFields: "email"})
		assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
		u, _ := f.sim.User(oktasim.DemoActiveUserID)
		assert.Equal(t, "jane.doe+ir@acme.com", u.Email)
	})
}

// A 429 on any identity-response action stops the step with the retryable
// rate-limit error, its delay taken from X-Rate-Limit-Reset, and writes
// nothing: no item is reported failed because Okta was busy.
func TestIdentityActionsRateLimited(t *testing.T) {
	t.Parallel()
	users := map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID}
	for _, tc := range []struct {
		action string
		params map[string]any
		path   string
	}{
		{action.ClearUserSessions, users, "/api/v1/users/" + oktasim.DemoActiveUserID + "/sessions"},
		{action.SuspendUsers, users, "/api/v1/users/" + oktasim.DemoActiveUserID},
		{action.UnsuspendUsers, users, "/api/v1/users/" + oktasim.DemoActiveUserID},
		{action.UnlockUsers, users, "/api/v1/users/" + oktasim.DemoActiveUserID},
		{action.ExpirePasswords, users, "/api/v1/users/" + oktasim.DemoActiveUserID},
		{action.ResetFactors, users, "/api/v1/users/" + oktasim.DemoActiveUserID + "/factors"},
		{action.UpdateUserProfile, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID, action.ParamProfile: map[string]any{"title": "x"}}, "/api/v1/users/" + oktasim.DemoActiveUserID},
		{action.GetUser, map[string]any{action.ParamUser: oktasim.DemoActiveUserID}, "/api/v1/users/" + oktasim.DemoActiveUserID},
		{action.ListUserFactors, map[string]any{action.ParamUser: oktasim.DemoActiveUserID}, "/api/v1/users/" + oktasim.DemoActiveUserID + "/factors"},
		{action.ListUserApps, map[string]any{action.ParamUser: oktasim.DemoActiveUserID}, "/api/v1/users/" + oktasim.DemoActiveUserID + "/appLinks"},
		{action.GetGroup, map[string]any{action.ParamGroup: oktasim.DemoEngineeringGroupID}, "/api/v1/groups"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, oktasim.Options{Window: time.Second})
			if act, _ := f.acts.Registry.Lookup(tc.action); act.Destructive {
				// A bulk write waits for the reset within the attempt: the
				// 429 consumes no attempt and fails no item.
				f.sim.SetFault(oktasim.Fault{Path: tc.path, RateLimitRate: 1, Times: 1})
				res := f.bulk(tc.action, tc.params)
				assert.Equal(t, action.StatusSuccessful, res.Status, "%+v", res.Results)
				assert.Equal(t, 1, countStatus(f.sim, 429)+countGet429(f.sim), "one 429, then the item went through")
				return
			}
			f.sim.SetFault(oktasim.Fault{Path: tc.path, RateLimitRate: 1})
			ae, d := appErr(t, f.run(tc.action, tc.params, nil))
			assert.Equal(t, action.ErrRateLimited, ae.Type())
			assert.False(t, ae.NonRetryable())
			assert.Positive(t, ae.NextRetryDelay())
			assert.Equal(t, 429, d.HTTPStatus)
			assert.Zero(t, writes(f.sim)-countStatus(f.sim, 429), "nothing was written")
		})
	}
}

func countGet429(sim *oktasim.Sim) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Status == 429 && r.Method == "GET" {
			n++
		}
	}
	return n
}

func countStatus(sim *oktasim.Sim, status int) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Status == status && r.Method != "GET" {
			n++
		}
	}
	return n
}
