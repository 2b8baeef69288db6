package activities

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/testutil"
)

// leastParams are params that make each action do its real work on the
// demo org: users by login (so they are resolved), real groups and zones.
var leastParams = map[string]map[string]any{
	action.ActivateUsers:        {action.ParamUserIDs: []any{oktasim.DemoStagedUserLogin}, action.ParamSendEmail: false},
	action.DeactivateUsers:      {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}},
	action.ResetUserPasswords:   {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}, action.ParamSendEmail: false},
	action.SuspendUsers:         {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}},
	action.UnsuspendUsers:       {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}},
	action.UnlockUsers:          {action.ParamUserIDs: []any{oktasim.DemoLockedUserID}},
	action.ExpirePasswords:      {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}},
	action.ClearUserSessions:    {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}},
	action.ResetFactors:         {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}},
	action.UpdateUserProfile:    {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}, action.ParamProfile: map[string]any{"title": "Investigated"}},
	action.AddUsersToGroup:      {action.ParamUserIDs: []any{oktasim.DemoStagedUserLogin}, action.ParamGroupID: oktasim.DemoEngineeringGroupID},
	action.RemoveUsersFromGroup: {action.ParamUserIDs: []any{oktasim.DemoActiveUserLogin}, action.ParamGroupID: oktasim.DemoEngineeringGroupID},
	action.CreateUserInGroup: {action.ParamFirstName: "Ada", action.ParamLastName: "Lovelace", action.ParamEmail: "ada.lovelace@acme.com",
		action.ParamGroupIDs: []any{oktasim.DemoEngineeringGroupID}},
	action.BlockIPs:        {action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.7"}},
	action.UnblockIPs:      {action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.7"}},
	action.UpdateZone:      {action.ParamZoneID: oktasim.DemoPolicyZoneID, action.ParamGateways: []any{"198.51.100.0/24"}},
	action.DeleteZones:     {action.ParamZoneIDs: []any{oktasim.DemoPolicyZoneID}},
	action.GetUserGroups:   {action.ParamUser: oktasim.DemoActiveUserLogin},
	action.GetUser:         {action.ParamUser: oktasim.DemoActiveUserLogin},
	action.ListUserApps:    {action.ParamUser: oktasim.DemoActiveUserLogin},
	action.ListUserFactors: {action.ParamUser: oktasim.DemoActiveUserLogin},
	action.GetGroup:        {action.ParamGroup: "Engineering"},
	action.GetGroupMembers: {action.ParamGroupID: oktasim.DemoEngineeringGroupID},
}

// leastSetup runs first, with the same client, so that the action has
// something to change (its reverse has the same scopes).
var leastSetup = map[string]string{action.UnsuspendUsers: action.SuspendUsers, action.UnblockIPs: action.BlockIPs}

// TestActionsRunWithOnlyTheirDeclaredScopes proves the registry's scopes
// (action/scopes.go) are enough: each action runs on the simulated org
// with an OAuth token holding exactly its declared scopes, guardrails
// resolved through the org (a protected group), and the org, which
// enforces every route's scope, never answers 403.
func TestActionsRunWithOnlyTheirDeclaredScopes(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	for _, act := range action.Okta().All() {
		t.Run(act.Name, func(t *testing.T) {
			srv := oktasim.NewTestServer(t, oktasim.Options{Token: testToken, Seed: oktasim.SeedDemo,
				ServiceApps: []oktasim.ServiceApp{{ClientID: "0oa-least", Keys: []jose.JSONWebKey{oktasim.ServiceKey("k1", &key.PublicKey)}, Scopes: act.Scopes}}})
			logs := &testutil.SyncBuffer{}
			logger := slog.New(slog.NewTextHandler(logs, nil))
			client, err := okta.NewClient(okta.Config{OrgURL: srv.URL(),
				OAuth: &okta.OAuth{ClientID: "0oa-least", KeyID: "k1", PrivateKey: key, Scopes: act.Scopes}}, okta.WithLogger(logger))
			require.NoError(t, err)
			acts := guardedActivities(client, logger, guard.Config{Protected: guard.Protected{Groups: []string{"IT Admins"}}}, guard.OktaDirectory{Okta: client})
			var suite testsuite.WorkflowTestSuite
			suite.SetLogger(log.NewStructuredLogger(logger))
			env := suite.NewTestActivityEnvironment()
			acts.Register(env)
			params, ok := leastParams[act.Name]
			if !ok {
				params = act.Example
			}
			// The workflow resolves a destructive step's guarded values by
			// name first (cordon.resolve), on the same connection.
			for _, g := range act.Guarded() {
				if g.Kind == action.TargetIPs {
					continue
				}
				_, err := env.ExecuteActivity(action.ResolveActivity, action.ResolveRequest{Kind: g.Kind, Targets: []string{"me", "Engineering", "BlockedIpZone", oktasim.DemoActiveUserLogin}})
				require.NoError(t, err, "resolving %s", g.Param)
			}
			if setup, ok := leastSetup[act.Name]; ok {
				_, err := env.ExecuteActivity(setup, action.Request{Params: params, Step: "setup"})
				require.NoError(t, err)
				srv.Sim().ResetRequests()
			}
			_, err = env.ExecuteActivity(act.Name, action.Request{Params: params, Step: "least"})
			require.NoError(t, err)
			wrote := false
			for _, r := range srv.Sim().Requests() {
				assert.NotEqual(t, http.StatusForbidden, r.Status, "%s %s was refused: the action's declared scopes %v lack its scope", r.Method, r.Path, act.Scopes)
				wrote = wrote || (r.Method != http.MethodGet && r.Status < 300)
			}
			assert.Equal(t, act.Destructive, wrote, "a destructive action writes, a read does not")
		})
	}
}

// TestAScopeLessIsRefused is the control, twice: without
// okta.users.manage the activity refuses the deactivation itself before
// sending anything (activities/scopes.go), and the org, asked directly,
// refuses it too (403 E0000006), so the test above can fail.
func TestAScopeLessIsRefused(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	act, _ := action.Okta().Lookup(action.DeactivateUsers)
	scopes := slices.DeleteFunc(slices.Clone(act.Scopes), func(s string) bool { return s == action.ScopeUsersManage })
	srv := oktasim.NewTestServer(t, oktasim.Options{Token: testToken, Seed: oktasim.SeedDemo,
		ServiceApps: []oktasim.ServiceApp{{ClientID: "0oa-least", Keys: []jose.JSONWebKey{oktasim.ServiceKey("k1", &key.PublicKey)}, Scopes: scopes}}})
	client, err := okta.NewClient(okta.Config{OrgURL: srv.URL(), OAuth: &okta.OAuth{ClientID: "0oa-least", KeyID: "k1", PrivateKey: key, Scopes: scopes}})
	require.NoError(t, err)
	acts := guardedActivities(client, slog.New(slog.DiscardHandler), guard.Config{}, guard.OktaDirectory{Okta: client})
	acts.Connection = "globex"
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts.Register(env)
	_, err = env.ExecuteActivity(action.DeactivateUsers, action.Request{Params: leastParams[action.DeactivateUsers], Step: "least"})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, action.ErrScopeMissing, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), `Deactivate Users: connection "globex" (OAuth client 0oa-least) was not granted the scope okta.users.manage the action needs; nothing was sent to Okta.`)
	assert.Empty(t, srv.Sim().Requests(), "the refused step sent a request")

	_, err = client.DeactivateUser(t.Context(), oktasim.DemoActiveUserID)
	var apiErr *okta.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.HTTPStatus)
	assert.Equal(t, "E0000006", apiErr.Code)
	_, u, err := client.GetUser(t.Context(), oktasim.DemoActiveUserID)
	require.NoError(t, err)
	assert.Equal(t, "ACTIVE", u.Status, "the org refused the write")
}

// TestAnAPITokenIsNotScopeChecked: an SSWS token acts with its admin's
// roles, not scopes, so the activity's scope check lets it through.
func TestAnAPITokenIsNotScopeChecked(t *testing.T) {
	srv := oktasim.NewTestServer(t, oktasim.Options{Token: testToken, Seed: oktasim.SeedDemo})
	client, err := okta.NewClient(okta.Config{OrgURL: srv.URL(), Token: testToken})
	require.NoError(t, err)
	acts := guardedActivities(client, slog.New(slog.DiscardHandler), guard.Config{}, guard.OktaDirectory{Okta: client})
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts.Register(env)
	_, err = env.ExecuteActivity(action.SuspendUsers, action.Request{Params: leastParams[action.SuspendUsers], Step: "sws"})
	require.NoError(t, err)
	_, u, err := client.GetUser(t.Context(), oktasim.DemoActiveUserLogin)
	require.NoError(t, err)
	assert.Equal(t, "SUSPENDED", u.Status)
}
