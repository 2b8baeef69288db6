package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// Routing runs and steps to connections (issue 29, helper D): the
// playbook workflow schedules each step's Okta activities on its
// connection's queue, so a cross-org playbook reads one org and writes
// the other, and the undo acts where the step acted.

const crossOrgPlaybook = `name: cross-org-suspend
connection: globex
inputs:
  login: {type: string, required: true}
steps:
  - id: find_in_acme
    action: okta.get_users
    connection: default
    with: {filter: 'profile.login eq "${{ inputs.login }}"'}
  - id: find
    action: okta.get_users
    with: {filter: 'profile.login eq "${{ inputs.login }}"'}
  - id: suspend
    action: okta.suspend_users
    with: {user_ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
    undo_after: 2s
outputs:
  acme_id: ${{ steps.find_in_acme.output[0].id }}
  globex_id: ${{ steps.find.output[0].id }}
`

func TestConnectionsRouteStepsToTheirOrg(t *testing.T) {
	parallel(t)
	s := newConnStack(t, oktasim.Options{Seed: oktasim.SeedDemo}, oktasim.Options{Seed: oktasim.SeedDemo})
	defer s.startWorker(t, nil)()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cross-org-suspend.yaml"), []byte(crossOrgPlaybook), 0o600))
	lib := runs.Library{Dir: dir, Registry: action.Okta()}
	pb, err := lib.Resolve("cross-org-suspend")
	require.NoError(t, err)
	login := oktasim.DemoActiveUserLogin
	acmeUser, _ := s.orgs[connections.Default].Sim().User(login)
	globexUser, _ := s.orgs[globex].Sim().User(login)
	s.orgs[connections.Default].Sim().ResetRequests()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: lib, Inputs: map[string]any{"login": login},
		StartedBy: "e2e", Connections: []string{connections.Default, globex}})
	require.NoError(t, err)
	st, err := runs.Wait(ctx, s.client, started.WorkflowID, nil)
	require.NoError(t, err)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, globex, st.Connection, "the playbook's connection is the run's")
	assert.Equal(t, acmeUser.ID, st.Outputs["acme_id"], "find_in_acme read acme's org")
	assert.Equal(t, globexUser.ID, st.Outputs["globex_id"], "find read globex's org")

	acmeNow, _ := s.orgs[connections.Default].Sim().User(login)
	assert.Equal(t, "ACTIVE", acmeNow.Status, "acme's user is untouched")
	assert.Zero(t, requests(s.orgs[connections.Default], "/lifecycle/"), "no write reached acme's org")
	assert.Equal(t, 1, requests(s.orgs[globex], "/lifecycle/suspend"), "the suspension went to globex's org")

	// The undo (unsuspend after 2s) acts on globex, the org of the step.
	require.Eventually(t, func() bool {
		u, _ := s.orgs[globex].Sim().User(login)
		return u.Status == "ACTIVE"
	}, time.Minute, 100*time.Millisecond, "the undo reactivated globex's user")
	assert.Equal(t, 1, requests(s.orgs[globex], "/lifecycle/unsuspend"))
	assert.Zero(t, requests(s.orgs[connections.Default], "/lifecycle/"), "nor did the undo touch acme")

	// CordonConnection holds the run's connection: cordon list --connection.
	q, err := runs.ListFilter{Connection: globex}.Query()
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		list, err := runs.List(ctx, s.client, q, 10)
		return err == nil && len(list) == 1 && list[0].WorkflowID == started.WorkflowID && list[0].Connection == globex
	}, 30*time.Second, 200*time.Millisecond)
	q, err = runs.ListFilter{Connection: "initech"}.Query()
	require.NoError(t, err)
	list, err := runs.List(ctx, s.client, q, 10)
	require.NoError(t, err)
	assert.Empty(t, list)
}

// The run's connection (cordon run --connection, the run input) moves the
// steps that name none; the CLI's check refuses a name the connections
// file does not define before anything starts.
func TestConnectionsRunOverride(t *testing.T) {
	parallel(t)
	s := newConnStack(t, oktasim.Options{Seed: oktasim.SeedDemo}, oktasim.Options{Seed: oktasim.SeedDemo})
	defer s.startWorker(t, nil)()
	dir := t.TempDir()
	src := "name: suspend-one\ninputs:\n  user_id: {type: string, required: true}\nsteps:\n  - id: suspend\n    action: okta.suspend_users\n    with: {user_ids: ['${{ inputs.user_id }}']}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "suspend-one.yaml"), []byte(src), 0o600))
	lib := runs.Library{Dir: dir, Registry: action.Okta()}
	pb, err := lib.Resolve("suspend-one")
	require.NoError(t, err)
	u, _ := s.orgs[globex].Sim().User(oktasim.DemoActiveUserLogin)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: lib, Inputs: map[string]any{"user_id": u.ID},
		StartedBy: "e2e", Connection: "initech", Connections: []string{connections.Default, globex}})
	var in *runs.InputError
	require.ErrorAs(t, err, &in)
	assert.Contains(t, err.Error(), `connection "initech" (the run's connection) is not defined`)

	started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: lib, Inputs: map[string]any{"user_id": u.ID},
		StartedBy: "e2e", Connection: globex})
	require.NoError(t, err)
	st, err := runs.Wait(ctx, s.client, started.WorkflowID, nil)
	require.NoError(t, err)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	now, _ := s.orgs[globex].Sim().User(oktasim.DemoActiveUserLogin)
	assert.Equal(t, "SUSPENDED", now.Status, "the run's connection moved the step to globex")
	acme, _ := s.orgs[connections.Default].Sim().User(oktasim.DemoActiveUserLogin)
	assert.Equal(t, "ACTIVE", acme.Status)
}

// A step whose action needs a scope its connection's token was not
// granted is refused by the activity before it sends anything
// (activities/scopes.go): globex's clients request every scope of the
// playbook but okta.users.manage (a connection's scopes: list), so the find step runs and the suspension
// fails with OktaScopeMissing, naming the connection and the scope, and
// globex's user stays ACTIVE with no lifecycle request sent.
func TestConnectionsMissingScopeRefusedBeforeAnyWrite(t *testing.T) {
	parallel(t)
	s := newConnStack(t, oktasim.Options{Seed: oktasim.SeedDemo}, oktasim.Options{Seed: oktasim.SeedDemo})
	reg := action.Okta()
	s.globexScopes = slices.DeleteFunc(reg.ScopesFor([]string{action.GetUsers, action.SuspendUsers}),
		func(s string) bool { return s == action.ScopeUsersManage })
	defer s.startWorker(t, nil)()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cross-org-suspend.yaml"), []byte(crossOrgPlaybook), 0o600))
	lib := runs.Library{Dir: dir, Registry: reg}
	pb, err := lib.Resolve("cross-org-suspend")
	require.NoError(t, err)
	login := oktasim.DemoActiveUserLogin

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: lib, Inputs: map[string]any{"login": login},
		StartedBy: "e2e", Connections: []string{connections.Default, globex}})
	require.NoError(t, err)
	st, err := runs.Wait(ctx, s.client, started.WorkflowID, nil)
	require.NoError(t, err)
	require.Equal(t, workflows.RunFailed, st.Status)
	assert.Contains(t, st.Error, `connection "globex" (OAuth client 0oae2eglobex) was not granted the scope okta.users.manage the action needs; nothing was sent to Okta`)
	status := map[string]playbook.StepState{}
	for _, step := range st.Steps {
		status[step.ID] = step.Status
	}
	assert.Equal(t, playbook.StatusSucceeded, status["find"], "the read step had its scope")
	assert.Equal(t, playbook.StatusFailed, status["suspend"])
	u, _ := s.orgs[globex].Sim().User(login)
	assert.Equal(t, "ACTIVE", u.Status)
	assert.Zero(t, requests(s.orgs[globex], "/lifecycle/"), "no write reached globex's org")
}
