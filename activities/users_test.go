package activities

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

const unknownUser = "00uNOPE0000000000000"

func TestDeactivateUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	params := map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, oktasim.DemoDeprovisionedUserID, unknownUser}}
	res := f.bulk(action.DeactivateUsers, params)
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, []string{oktasim.DemoActiveUserID, oktasim.DemoDeprovisionedUserID}, res.Succeeded)
	assert.Equal(t, []string{unknownUser}, res.Failed)
	require.Len(t, res.Results, 3)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Equal(t, action.OutcomeAlreadyDeprovisioned, res.Results[1].Outcome)
	assert.Equal(t, action.ItemResult{ID: unknownUser, Outcome: action.OutcomeFailed, OktaCode: "E0000007", HTTPStatus: 404, Message: "User ID Not Found"}, res.Results[2])
	u, _ := f.sim.User(oktasim.DemoActiveUserID)
	assert.Equal(t, "DEPROVISIONED", u.Status)

	t.Run("repeat is idempotent", func(t *testing.T) {
		again := f.bulk(action.DeactivateUsers, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID + "\n" + oktasim.DemoDeprovisionedUserID})
		assert.Equal(t, action.StatusSuccessful, again.Status)
		for _, r := range again.Results {
			assert.Equal(t, action.OutcomeAlreadyDeprovisioned, r.Outcome, r.ID)
		}
	})
	t.Run("all failed uses the integration spec's message", func(t *testing.T) {
		err := f.run(action.DeactivateUsers, map[string]any{action.ParamUserIDs: unknownUser}, nil)
		ae, d := appErr(t, err)
		assert.Equal(t, "Deactivate Users failed. Okta Code: E0000007. HTTP Status Code: 404. Message: User ID Not Found.", ae.Message())
		assert.Equal(t, action.ErrClientError, ae.Type())
		assert.True(t, ae.NonRetryable())
		assert.Equal(t, action.ErrorDetails{Command: "Deactivate Users", OktaCode: "E0000007", HTTPStatus: 404, Message: "User ID Not Found", Attempt: 1}, d, "the attempt that failed is in the details")
	})
}

func TestActivateUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	res := f.bulk(action.ActivateUsers, map[string]any{
		action.ParamUserIDs:   []any{oktasim.DemoStagedUserID, oktasim.DemoActiveUserID},
		action.ParamSendEmail: false,
	})
	assert.Equal(t, action.StatusSuccessful, res.Status)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
	assert.Contains(t, res.Results[0].Data, "activationUrl", "send_email false returns the activation URL")
	assert.Equal(t, action.OutcomeAlreadyActive, res.Results[1].Outcome)
	u, _ := f.sim.User(oktasim.DemoStagedUserID)
	assert.NotEqual(t, "STAGED", u.Status)
}

func TestResetUserPasswords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		sendEmail, federated bool
		wantProvider         string
		wantURL              bool
	}{
		{name: "send_email forces convert_to_federated off", sendEmail: true, federated: true, wantProvider: "OKTA"},
		{name: "link returned without email", sendEmail: false, wantProvider: "OKTA", wantURL: true},
		{name: "convert to federated", sendEmail: false, federated: true, wantProvider: "FEDERATION"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, oktasim.Options{})
			res := f.bulk(action.ResetUserPasswords, map[string]any{action.ParamUserIDs: oktasim.DemoActiveUserID,
				action.ParamSendEmail: tc.sendEmail, action.ParamConvertToFederated: tc.federated})
			assert.Equal(t, action.StatusSuccessful, res.Status)
			u, _ := f.sim.User(oktasim.DemoActiveUserID)
			assert.Equal(t, tc.wantProvider, u.CredentialProvider)
			if tc.wantURL {
				assert.Contains(t, res.Results[0].Data, "resetPasswordUrl")
			}
		})
	}
}

func TestCreateUserInGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	params := map[string]any{action.ParamFirstName: "Ada", action.ParamLastName: "Lovelace", action.ParamEmail: "ada@acme.com",
		action.ParamPhoneNumber: "+1-555-0100", action.ParamGroupIDs: oktasim.DemoEngineeringGroupID}
	var created map[string]any
	require.NoError(t, f.run(action.CreateUserInGroup, params, &created))
	u, ok := f.sim.User("ada@acme.com")
	require.True(t, ok)
	assert.Equal(t, "STAGED", u.Status)
	assert.Equal(t, u.ID, created["id"])
	assert.Contains(t, u.Groups, oktasim.DemoEngineeringGroupID)

	t.Run("repeat returns the same user", func(t *testing.T) {
		var again map[string]any
		require.NoError(t, f.run(action.CreateUserInGroup, params, &again))
		assert.Equal(t, created["id"], again["id"])
	})
	t.Run("invalid email fails before any call", func(t *testing.T) {
		f.sim.ResetRequests()
		bad := map[string]any{action.ParamFirstName: "A", action.ParamLastName: "B", action.ParamEmail: "not-an-email", action.ParamGroupIDs: "00g1"}
		ae, d := appErr(t, f.run(action.CreateUserInGroup, bad, nil))
		assert.Equal(t, action.ErrInvalidInput, ae.Type())
		assert.True(t, ae.NonRetryable())
		assert.Contains(t, d.Message, action.ParamEmail)
		assert.Empty(t, f.sim.Requests())
	})
}

func TestGetUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{Users: 500})
	t.Run("paginates over several pages", func(t *testing.T) {
		f.sim.ResetRequests()
		var users []map[string]any
		require.NoError(t, f.run(action.GetUsers, map[string]any{action.ParamLimit: 450}, &users))
		assert.Len(t, users, 450)
		assert.GreaterOrEqual(t, len(f.sim.Requests()), 3)
		ids := map[any]bool{}
		for _, u := range users {
			ids[u["id"]] = true
		}
		assert.Len(t, ids, 450, "no user twice across pages")
	})
	t.Run("filter", func(t *testing.T) {
		var users []map[string]any
		require.NoError(t, f.run(action.GetUsers, map[string]any{action.ParamFilter: `profile.login eq "` + oktasim.DemoActiveUserLogin + `"`}, &users))
		require.Len(t, users, 1)
		assert.Equal(t, oktasim.DemoActiveUserID, users[0]["id"])
	})
	t.Run("empty result is an empty list", func(t *testing.T) {
		var raw json.RawMessage
		require.NoError(t, f.run(action.GetUsers, map[string]any{action.ParamFilter: `profile.login eq "nobody@acme.com"`}, &raw))
		assert.JSONEq(t, `[]`, string(raw))
	})
	t.Run("invalid filter E0000031", func(t *testing.T) {
		ae, d := appErr(t, f.run(action.GetUsers, map[string]any{action.ParamFilter: `profile.login zz "x"`}, nil))
		assert.Equal(t, action.ErrClientError, ae.Type())
		assert.True(t, ae.NonRetryable())
		assert.Equal(t, "E0000031", d.OktaCode)
		assert.Equal(t, 400, d.HTTPStatus)
		assert.Regexp(t, `^Get Users failed\. Okta Code: E0000031\. HTTP Status Code: 400\. Message: .+\.$`, ae.Message())
	})
}

func TestGetUserGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var groups []map[string]any
	require.NoError(t, f.run(action.GetUserGroups, map[string]any{action.ParamUser: oktasim.DemoActiveUserLogin}, &groups))
	var ids []any
	for _, g := range groups {
		ids = append(ids, g["id"])
	}
	assert.Contains(t, ids, oktasim.DemoEngineeringGroupID)

	_, d := appErr(t, f.run(action.GetUserGroups, map[string]any{action.ParamUser: "nobody@acme.com"}, nil))
	assert.Equal(t, "E0000007", d.OktaCode)
}

func TestTestConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var out action.ConnectionResult
	require.NoError(t, f.run(action.TestConnection, nil, &out))
	assert.Equal(t, "Successful", out.Status)
	assert.Equal(t, oktasim.DemoAdminLogin, out.User)
}
