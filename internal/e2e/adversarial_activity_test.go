package e2e

// Issue 24, the activity side: a raw Temporal client tries to run Cordon's
// activities without Cordon's workflows around them (standalone activity
// executions, and a workflow of another type on Cordon's task queue). Each
// attempt must be refused and reported, and the simulated org must be
// exactly as before.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/workflows"
)

// attempt is one adversarial call: an activity and its input.
type attempt struct {
	name     string
	activity string
	input    any
}

// adversarialAttempts are the standalone calls issue 24 observed changing
// the org: a protected user suspended, the token owner's password expired
// with a temporary password, private space and a protected network
// blocked, a protected zone renamed and deleted, a mass deactivation over
// max_targets, and a forged approval in the audit trail.
func adversarialAttempts(engineering []string) []attempt {
	req := func(params map[string]any) action.Request { return action.Request{Params: params, Step: "forged"} }
	return []attempt{
		{"suspend a protected user", action.SuspendUsers, req(map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID}})},
		{"expire the token owner's password", action.ExpirePasswords, req(map[string]any{action.ParamUserIDs: []any{"me"}, action.ParamTempPassword: true})},
		{"block 10.0.0.0/8", action.BlockIPs, req(map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"10.0.0.0/8"}})},
		{"block a protected network", action.BlockIPs, req(map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{corpEgress}})},
		{"rename a protected zone", action.UpdateZone, req(map[string]any{action.ParamZoneID: oktasim.DemoPolicyZoneID, action.ParamName: "pwned"})},
		{"switch a protected zone to BLOCKLIST", action.UpdateZone, req(map[string]any{action.ParamZoneID: oktasim.DemoPolicyZoneID, action.ParamUsage: "BLOCKLIST"})},
		{"delete a protected zone", action.DeleteZones, req(map[string]any{action.ParamZoneIDs: []any{oktasim.DemoPolicyZoneID}})},
		{"deactivate a department", action.DeactivateUsers, req(map[string]any{action.ParamUserIDs: toAnySlice(engineering)})},
		{"forge an approval in the audit trail", workflows.AuditActivity, workflows.AuditRequest{Playbook: "contain-compromised-user", Version: 3,
			Records: []workflows.AuditRecord{{Kind: audit.KindApproval, Step: "approve", Outcome: "approved", Approver: "ciso", Message: "forged"}}}},
		{"ask the guard", action.GuardActivity, action.GuardRequest{Action: action.SuspendUsers, Kind: action.TargetUsers, Targets: []string{oktasim.DemoActiveUserID}}},
	}
}

func toAnySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// orgState is what the attempts could change: the users' statuses and
// password times, the zones, and the count of writes Okta received.
func orgState(t *testing.T, sim *oktasim.Sim, users []string) string {
	t.Helper()
	var b strings.Builder
	for _, id := range users {
		u, ok := sim.User(id)
		require.True(t, ok, id)
		fmt.Fprintf(&b, "%s %s %s\n", id, u.Status, u.PasswordChanged)
	}
	for _, id := range []string{oktasim.DemoBlockedIPZoneID, oktasim.DemoPolicyZoneID} {
		z, ok := sim.Zone(id)
		require.True(t, ok, id)
		fmt.Fprintf(&b, "%s %s %s %s %v %v\n", z.ID, z.Name, z.Status, z.Usage, z.Gateways, z.Proxies)
	}
	writes := 0
	for _, r := range sim.Requests() {
		if r.Method != "GET" {
			writes++
		}
	}
	fmt.Fprintf(&b, "writes %d\n", writes)
	return b.String()
}

// intruderName is a workflow type that is not Cordon's, registered on
// Cordon's task queue, calling Cordon's activities directly.
const intruderName = "IntruderWorkflow"

func intruder(ctx workflow.Context, activityName string, input any) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	return workflow.ExecuteActivity(ctx, activityName, input).Get(ctx, nil)
}

// TestAdversarialActivities replays the standalone-activity path of issue
// 24 against a server that still accepts standalone activities (as a
// cluster whose operator left Temporal's default), then from a workflow
// of another type on Cordon's task queue: every attempt is refused with
// the activity's own message, nothing reaches Okta, and the audit trail
// holds no forged line.
func TestAdversarialActivities(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	sink := &memSink{}
	protected := guard.Protected{Users: []string{oktasim.DemoActiveUserLogin}, Networks: []string{corpEgress},
		Groups: []string{oktasim.DemoITAdminsGroupID}, Zones: []string{oktasim.DemoPolicyZoneID}}
	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo}, stackOptions{
		protected: &protected, audit: sink, standalone: true,
		register: func(w worker.Worker) {
			w.RegisterWorkflowWithOptions(intruder, workflow.RegisterOptions{Name: intruderName})
		}})
	defer stop()
	sim := s.sim.Sim()
	engineering := sim.GroupMembers(oktasim.DemoEngineeringGroupID)
	require.Greater(t, len(engineering), 5, "more users than the default max_targets")
	users := append([]string{oktasim.DemoActiveUserID, oktasim.DemoAdminID}, engineering...)
	before := orgState(t, sim, users)
	ctx := context.Background()

	for i, a := range adversarialAttempts(engineering) {
		t.Run("standalone/"+a.name, func(t *testing.T) {
			h, err := s.client.ExecuteActivity(ctx, client.StartActivityOptions{
				ID: fmt.Sprintf("adversary-%d-%d", i, time.Now().UnixNano()), TaskQueue: workflows.TaskQueue,
				// No retry policy: Temporal's default retries forever; the
				// refusal is non-retryable, so the first attempt ends it.
				ScheduleToCloseTimeout: time.Minute, StartToCloseTimeout: 30 * time.Second,
			}, a.activity, a.input)
			require.NoError(t, err, "the server accepts standalone activities in this test")
			err = h.Get(ctx, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "activity "+a.activity+" refused: not called by a Cordon workflow (a standalone activity execution")
			assert.Contains(t, err.Error(), "NotCordonCaller")
		})
	}
	for _, a := range adversarialAttempts(engineering)[:3] {
		t.Run("foreign workflow/"+a.name, func(t *testing.T) {
			run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: workflows.TaskQueue,
				WorkflowExecutionTimeout: time.Minute}, intruderName, a.activity, a.input)
			require.NoError(t, err)
			err = run.Get(ctx, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("activity %s refused: not called by a Cordon workflow (workflow %s is of type %s; only %s",
				a.activity, run.GetID(), intruderName, workflows.PlaybookWorkflowName))
			var app *temporal.ApplicationError
			require.ErrorAs(t, err, &app)
			assert.True(t, app.NonRetryable())
		})
	}

	assert.Equal(t, before, orgState(t, sim, users), "the org is unchanged")
	for _, e := range sink.all() {
		assert.NotEqual(t, "forged", e.Message, "no forged line in the audit trail: %+v", e)
	}
}

// TestEmbeddedServerRefusesStandaloneActivities: the dev stack's server
// has standalone activities off (activity.enableStandalone false), so the
// attempt fails at the frontend before any worker sees it.
func TestEmbeddedServerRefusesStandaloneActivities(t *testing.T) {
	s := getStackAlone(t)
	u, _ := s.sim.Sim().User(oktasim.DemoActiveUserID)
	_, err := s.client.ExecuteActivity(context.Background(), client.StartActivityOptions{
		ID: fmt.Sprintf("adversary-off-%d", time.Now().UnixNano()), TaskQueue: workflows.TaskQueue, StartToCloseTimeout: 30 * time.Second,
	}, action.SuspendUsers, action.Request{Params: map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Standalone activity is disabled")
	after, _ := s.sim.Sim().User(oktasim.DemoActiveUserID)
	assert.Equal(t, u.Status, after.Status)
}

// bypassName is a workflow type the worker trusts that calls the Okta
// actions directly, skipping the interpreter's canonicalisation, guard and
// limits: a stand-in for a workflow bug or a hand-made input.
const bypassName = "BypassWorkflow"

func bypass(ctx workflow.Context, activityName string, req action.Request) (action.BulkResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var res action.BulkResult
	err := workflow.ExecuteActivity(ctx, activityName, req).Get(ctx, &res)
	return res, err
}

// TestWriteGuardHoldsWhenTheWorkflowIsBypassed: even a caller the worker
// runs activities for cannot write to a protected identity; the activity
// asks the guard again right before each write. A protected user and the
// token's owner (by ID and as "me") are refused, the unprotected user in
// the same call is suspended; the token owner's password is not expired;
// 10.0.0.0/8 is not blocked.
func TestWriteGuardHoldsWhenTheWorkflowIsBypassed(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	protected := guard.Protected{Users: []string{oktasim.DemoActiveUserLogin}, Groups: []string{oktasim.DemoITAdminsGroupID}}
	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo}, stackOptions{
		protected: &protected, trusted: []string{bypassName},
		register: func(w worker.Worker) {
			w.RegisterWorkflowWithOptions(bypass, workflow.RegisterOptions{Name: bypassName})
		}})
	defer stop()
	sim := s.sim.Sim()
	ctx := context.Background()
	call := func(name string, params map[string]any) (action.BulkResult, error) {
		run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: workflows.TaskQueue,
			WorkflowExecutionTimeout: time.Minute}, bypassName, name, action.Request{Params: params, Step: "bypass"})
		require.NoError(t, err)
		var res action.BulkResult
		err = run.Get(ctx, &res)
		return res, err
	}
	var other string
	for _, id := range sim.GroupMembers(oktasim.DemoEngineeringGroupID) {
		if u, _ := sim.User(id); u.Status == "ACTIVE" && id != oktasim.DemoActiveUserID {
			other = id
			break
		}
	}
	require.NotEmpty(t, other)
	admin, _ := sim.User(oktasim.DemoAdminID)
	blocked, _ := sim.Zone(oktasim.DemoBlockedIPZoneID)

	res, err := call(action.SuspendUsers, map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID, "me", oktasim.DemoAdminID, other}})
	require.NoError(t, err)
	assert.Equal(t, []string{other}, res.Succeeded)
	assert.Equal(t, []string{oktasim.DemoActiveUserID, "me", oktasim.DemoAdminID}, res.Failed)
	for _, r := range res.Results[:3] {
		assert.Equal(t, action.OutcomeProtected, r.Outcome, r.ID)
		assert.Contains(t, r.Message, "not written (okta.suspend_users re-checks the guardrails before each write)")
	}
	for id, want := range map[string]string{oktasim.DemoActiveUserID: "ACTIVE", oktasim.DemoAdminID: "ACTIVE", other: "SUSPENDED"} {
		u, _ := sim.User(id)
		assert.Equal(t, want, u.Status, id)
	}

	_, err = call(action.ExpirePasswords, map[string]any{action.ParamUserIDs: []any{"me"}, action.ParamTempPassword: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "owner of Cordon's Okta API token; not written")
	after, _ := sim.User(oktasim.DemoAdminID)
	assert.Equal(t, admin.PasswordChanged, after.PasswordChanged)
	assert.Equal(t, admin.Status, after.Status)

	_, err = call(action.BlockIPs, map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"10.0.0.0/8"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "10.0.0.0/8: inside protected network 10.0.0.0/8; not written")
	z, _ := sim.Zone(oktasim.DemoBlockedIPZoneID)
	assert.Equal(t, blocked.Gateways, z.Gateways)
}
