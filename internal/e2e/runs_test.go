package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

var (
	usersMu sync.Mutex
	// userPools holds each simulated org's users, so that the stacks of
	// the PostgreSQL tier and the SQLite tests take users independently.
	userPools = map[*oktasim.Server]*userPool{}
)

type userPool struct {
	active []oktasim.User
	used   map[string]bool
}

// takeUsers hands each test ACTIVE demo users no other test touches.
func (s *stack) takeUsers(t *testing.T, n int) []oktasim.User {
	t.Helper()
	usersMu.Lock()
	defer usersMu.Unlock()
	pool := userPools[s.sim]
	if pool == nil {
		pool = &userPool{used: map[string]bool{}}
		userPools[s.sim] = pool
	}
	active, usersUsed := &pool.active, pool.used
	if *active == nil {
		oc, err := okta.NewClient(okta.Config{OrgURL: s.sim.URL(), Token: simToken})
		require.NoError(t, err)
		raw, err := oc.ListUsers(context.Background(), `status eq "ACTIVE"`, 0)
		require.NoError(t, err)
		for _, r := range raw {
			var u okta.User
			require.NoError(t, json.Unmarshal(r, &u))
			su, _ := s.sim.Sim().User(u.ID)
			if u.ID == oktasim.DemoAdminID || u.ID == oktasim.DemoActiveUserID || slices.Contains(su.Groups, oktasim.DemoITAdminsGroupID) {
				continue
			}
			*active = append(*active, su)
		}
	}
	var out []oktasim.User
	for _, u := range *active {
		if len(out) == n {
			break
		}
		if !usersUsed[u.ID] {
			usersUsed[u.ID] = true
			out = append(out, u)
		}
	}
	require.Len(t, out, n, "enough unused ACTIVE demo users")
	return out
}

func TestFindAndDeactivate(t *testing.T) {
	s := getStackShared(t)
	u := s.takeUsers(t, 1)[0]
	id := s.start(t, runs.Request{Playbook: s.load(t, "deactivate.yaml"), Inputs: map[string]any{"login": u.Login}, StartedBy: "e2e"})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, []any{u.ID}, st.Outputs["deactivated"])
	got, _ := s.sim.Sim().User(u.ID)
	assert.Equal(t, "DEPROVISIONED", got.Status, "the simulated org's user is deactivated")

	// The same run again is idempotent: the user is already deprovisioned.
	id2 := s.start(t, runs.Request{Playbook: s.load(t, "deactivate.yaml"), Inputs: map[string]any{"login": u.Login}})
	st2 := s.wait(t, id2)
	require.Equal(t, workflows.RunSucceeded, st2.Status, st2.Error)
	res := decode[action.BulkResult](t, st2.Steps[2].Output)
	require.Len(t, res.Results, 1)
	assert.Equal(t, "already_deprovisioned", res.Results[0].Outcome)
}

func TestUnknownUserFailsWithMessage(t *testing.T) {
	s := getStackShared(t)
	id := s.start(t, runs.Request{Playbook: s.load(t, "deactivate.yaml"), Inputs: map[string]any{"login": "nobody@acme.com"}})
	st := s.wait(t, id)
	assert.Equal(t, workflows.RunFailed, st.Status)
	assert.Equal(t, "no Okta user with login nobody@acme.com", st.Error)
}

func TestForeachTwoThousandItems(t *testing.T) {
	s := ownDemoStack(t, false) // 2,000 activities: not on the shared stack's chain
	id := s.start(t, runs.Request{Playbook: s.load(t, "foreach.yaml"),
		Inputs: map[string]any{"n": float64(2000), "user": oktasim.DemoActiveUserID}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 2000, st.Outputs["count"])
}

func TestBlastRadiusStopsBeforeAnyWrite(t *testing.T) {
	s := getStackAlone(t)
	s.sim.Sim().ResetRequests()
	id := s.start(t, runs.Request{Playbook: s.load(t, "everyone.yaml")})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunFailed, st.Status)
	assert.Regexp(t, `^step deactivate \(Deactivate Users\) names \d+ distinct targets \(\d+ of them protected\), above the limit of 25 \(guardrails.max_targets\); nothing was changed$`, st.Error)
	for _, r := range s.sim.Sim().Requests() {
		assert.Equal(t, "GET", r.Method, "no write reached Okta: %s %s", r.Method, r.Path)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	s := getStackShared(t)
	u := s.takeUsers(t, 1)[0]
	id := s.start(t, runs.Request{Playbook: s.load(t, "deactivate.yaml"), Inputs: map[string]any{"login": u.Login}, DryRun: true})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	var plan *workflows.Plan
	for _, step := range st.Steps {
		if step.ID == "deactivate" {
			plan = step.Plan
			assert.Equal(t, playbook.StatusPlanned, step.Status)
		}
	}
	require.NotNil(t, plan)
	assert.Equal(t, []string{u.ID}, plan.Targets)
	assert.Equal(t, []string{"POST /api/v1/users/" + u.ID + "/lifecycle/deactivate"}, plan.Calls)
	got, _ := s.sim.Sim().User(u.ID)
	assert.Equal(t, "ACTIVE", got.Status)
}

func TestProtectedUsersAreSkipped(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	targets := []any{u.ID, oktasim.DemoAdminID}
	id := s.start(t, runs.Request{Playbook: s.load(t, "protected.yaml"), Inputs: map[string]any{"users": targets}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	results := decode[action.BulkResult](t, st.Steps[0].Output).Results
	require.Len(t, results, 2)
	admin := results[1]
	assert.Equal(t, oktasim.DemoAdminID, admin.ID)
	assert.Equal(t, "protected", admin.Outcome)
	got, _ := s.sim.Sim().User(oktasim.DemoAdminID)
	assert.Equal(t, "ACTIVE", got.Status, "the protected admin was never sent to Okta")
	reset, _ := s.sim.Sim().User(u.ID)
	assert.Equal(t, "RECOVERY", reset.Status)
}

func TestProtectedNetworksAndConcurrentZoneWrites(t *testing.T) {
	s := ownDemoStack(t, true) // 20 runs on one zone: not on the shared stack's chain
	zone := oktasim.DemoBlockedIPZoneID
	var ids []string
	for i := range 20 {
		ips := []any{fmt.Sprintf("203.0.113.%d", i+1)}
		if i == 0 {
			ips = append(ips, "198.51.100.9") // inside the protected corporate egress
		}
		ids = append(ids, s.start(t, runs.Request{Playbook: s.load(t, "block.yaml"),
			Inputs: map[string]any{"ips": ips, "zone": zone}}))
	}
	for _, id := range ids {
		st := s.wait(t, id)
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	}
	z, ok := s.sim.Sim().Zone(zone)
	require.True(t, ok)
	for i := range 20 {
		assert.Contains(t, z.Gateways, fmt.Sprintf("203.0.113.%d/32", i+1), "no run lost another's entry")
	}
	for _, g := range z.Gateways {
		assert.False(t, strings.HasPrefix(g, "198.51.100."), "protected network %s was blocked", g)
	}
}

func TestUndoAfterUnblocks(t *testing.T) {
	s := getStackAlone(t)
	zone := oktasim.DemoBlockedIPZoneID
	id := s.start(t, runs.Request{Playbook: s.load(t, "block-briefly.yaml"), Inputs: map[string]any{"ips": []any{"192.0.2.77"}, "zone": zone}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	undo := decode[action.BulkResult](t, st.Steps[0].Output).Undo
	require.NotNil(t, undo, "the step scheduled its undo")
	assert.Equal(t, id+"/undo-block", undo.WorkflowID)
	has := func() bool {
		z, _ := s.sim.Sim().Zone(zone)
		return slices.Contains(z.Gateways, "192.0.2.77/32")
	}
	assert.True(t, has(), "blocked right after the run")
	undoID := id + "/undo-block"
	pending, err := runs.Status(context.Background(), s.client, undoID)
	require.NoError(t, err, "cordon status answers for an undo run")
	assert.Equal(t, workflows.RunRunning, pending.Status)
	assert.Equal(t, "block-undo", pending.Steps[0].ID)
	require.Eventually(t, func() bool { return !has() }, 30*time.Second, 50*time.Millisecond, "the undo to unblock 192.0.2.77")
	require.Eventually(t, func() bool {
		st, err := runs.Status(context.Background(), s.client, undoID)
		return err == nil && st.Status == workflows.RunSucceeded
	}, 30*time.Second, 50*time.Millisecond, "the undo run to finish")
	done, err := runs.Status(context.Background(), s.client, undoID)
	require.NoError(t, err)
	assert.Equal(t, "okta.unblock_ips", done.Steps[0].Action)
	assert.Equal(t, playbook.StatusSucceeded, done.Steps[0].Status)
}

func TestTerminatedRunIsReportedAsTerminated(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	id := s.start(t, runs.Request{Playbook: s.load(t, "approval.yaml"), Inputs: map[string]any{"login": u.Login}, StartedBy: "alice"})
	s.awaitApproval(t, id)
	require.NoError(t, s.client.TerminateWorkflow(context.Background(), id, "", "operator stopped it: wrong alert"))
	st, err := runs.Status(context.Background(), s.client, id)
	require.NoError(t, err)
	assert.Equal(t, workflows.RunTerminated, st.Status)
	assert.Contains(t, st.Error, "terminated: operator stopped it: wrong alert")
	require.Eventually(t, func() bool {
		q, _ := runs.ListQuery("e2e-approval", string(workflows.RunTerminated), "")
		list, err := runs.List(context.Background(), s.client, q, 100)
		if err != nil {
			return false
		}
		for _, r := range list {
			if r.WorkflowID == id {
				return r.Status == workflows.RunTerminated && r.ClosedAt != nil
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "the run to be listed as terminated")
}

// Suspending with undo_after unsuspends exactly the users the step
// suspended: one already SUSPENDED before the run stays suspended.
func TestUndoAfterUnsuspends(t *testing.T) {
	s := getStackAlone(t)
	users := s.takeUsers(t, 2)
	sim := s.sim.Sim()
	require.True(t, sim.SetUserStatus(users[1].ID, "SUSPENDED"))
	id := s.start(t, runs.Request{Playbook: s.load(t, "suspend-briefly.yaml"),
		Inputs: map[string]any{"users": []any{users[0].Login, users[1].ID}}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	out := decode[action.BulkResult](t, st.Steps[0].Output)
	require.NotNil(t, out.Undo, "the step scheduled its undo")
	assert.Equal(t, "okta.unsuspend_users", out.Undo.Action)
	assert.Equal(t, []string{users[0].ID}, out.Undo.Targets, "only the user this step suspended is unsuspended")
	require.Len(t, out.Results, 2)
	assert.Equal(t, "already_suspended", out.Results[1].Outcome)
	status := func(id string) string { u, _ := sim.User(id); return u.Status }
	require.Eventually(t, func() bool { return status(users[0].ID) == "ACTIVE" }, 30*time.Second, 50*time.Millisecond, "the undo to unsuspend "+users[0].Login)
	assert.Equal(t, "SUSPENDED", status(users[1].ID), "the user suspended before the run stays suspended")
}

func TestApprovalThroughCLI(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	out, errOut, code := s.cli(t, "run", "testdata/approval.yaml", "--input", "login="+u.Login, "--as", "alice")
	require.Equal(t, 0, code, errOut)
	id := strings.TrimSpace(out)
	require.NotEmpty(t, id)

	s.awaitApproval(t, id)
	_, errOut, code = s.cli(t, "approve", id, "--as", "mallory")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "mallory may not decide step approve (approvers: bob, carol)")
	_, _, code = s.cli(t, "approve", id)
	assert.Equal(t, 2, code, "--as is required")

	out, errOut, code = s.cli(t, "approve", id, "--as", "bob", "--comment", "confirmed phish")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, id+" approved by bob\n", out)

	st := s.wait(t, id)
	assert.Equal(t, workflows.RunSucceeded, st.Status)
	got, _ := s.sim.Sim().User(u.ID)
	assert.Equal(t, "DEPROVISIONED", got.Status)

	// cordon status reads a finished run back, approval record included.
	out, errOut, code = s.cli(t, "status", id, "--output", "json")
	require.Equal(t, 0, code, errOut)
	var shown workflows.RunStatus
	require.NoError(t, json.Unmarshal([]byte(out), &shown))
	assert.Equal(t, workflows.RunSucceeded, shown.Status)
	require.NotNil(t, shown.Steps[1].Approval)
	assert.Equal(t, "bob", shown.Steps[1].Approval.Approver)
	assert.Equal(t, "confirmed phish", shown.Steps[1].Approval.Comment)
}

func TestRunCLIExitCodes(t *testing.T) {
	s := getStackAlone(t)
	_, errOut, code := s.cli(t, "run", "testdata/deactivate.yaml", "--input", "nope=1")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `input nope is not declared by playbook e2e-deactivate`)

	_, errOut, code = s.cli(t, "run", "testdata/deactivate.yaml")
	assert.Equal(t, 2, code, "missing required input")
	assert.Contains(t, errOut, "login")

	_, errOut, code = s.cli(t, "run", "testdata/missing.yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "testdata/missing.yaml")

	out, errOut, code := s.cli(t, "run", "testdata/deactivate.yaml", "--input", "login=nobody@acme.com", "--wait", "--output", "json")
	assert.Equal(t, 1, code, errOut)
	var st workflows.RunStatus
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.Equal(t, workflows.RunFailed, st.Status)
}

func TestAlertIDDeduplicatesRunsButNotPlans(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	alert := map[string]any{"id": "SIEM-DEDUP-1"}
	req := runs.Request{Playbook: s.load(t, "deactivate.yaml"), Library: s.lib, Inputs: map[string]any{"login": u.Login}, Alert: alert, StartedBy: "e2e"}
	ctx := context.Background()

	req.DryRun = true
	plan, err := runs.Start(ctx, s.client, req)
	require.NoError(t, err)
	assert.Regexp(t, `^e2e-deactivate-SIEM-DEDUP-1-plan-[0-9a-f]{12}$`, plan.WorkflowID)
	s.wait(t, plan.WorkflowID)

	req.DryRun = false
	first, err := runs.Start(ctx, s.client, req)
	require.NoError(t, err)
	assert.Equal(t, "e2e-deactivate-SIEM-DEDUP-1", first.WorkflowID)
	assert.False(t, first.Duplicate, "a plan does not take the real run's ID")
	again, err := runs.Start(ctx, s.client, req)
	require.NoError(t, err)
	assert.True(t, again.Duplicate, "a re-sent alert does not start a second run")
	assert.Equal(t, first.RunID, again.RunID)
	s.wait(t, first.WorkflowID)
}

// TestRunSurvivesWorkerRestart stops the worker while a run waits for its
// approval and starts a new one (as after a crash or a deploy, with the
// sticky workflow cache gone): the run resumes from its history.
func TestRunSurvivesWorkerRestart(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo})
	t.Cleanup(stop)
	u := s.takeUsers(t, 1)[0]
	id := s.start(t, runs.Request{Playbook: s.load(t, "approval.yaml"), Inputs: map[string]any{"login": u.Login}, StartedBy: "alice"})
	s.awaitApproval(t, id)
	s.restartWorker(t)
	_, err := runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: "carol"})
	require.NoError(t, err)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	got, _ := s.sim.Sim().User(u.ID)
	assert.Equal(t, "DEPROVISIONED", got.Status)
}

// foreachMany is the size of the large foreach: beyond the 51,200 events
// one execution may hold (about six per item, with the workflow tasks), so
// the run must continue as new, carrying a bitmap of finished items. (A
// 100,000-item run is the same code for longer: about 70 items a second
// here; see docs/benchmarks.md.)
const foreachMany = 10000

func TestForeachBeyondHistoryLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10,000-item run takes minutes")
	}
	s := ownDemoStack(t, true) // 10,000 activities: not on the shared stack's chain
	id := s.start(t, runs.Request{Playbook: s.load(t, "foreach-many.yaml"), Inputs: map[string]any{"n": foreachMany}})
	st := s.waitWithin(t, id, 30*time.Minute)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	each := st.Steps[0]
	assert.Equal(t, foreachMany, each.Items)
	assert.Equal(t, playbook.StatusSucceeded, each.Status)
	assert.Nil(t, each.Output, "outputs nothing reads are not kept")
	d, err := s.client.DescribeWorkflowExecution(context.Background(), id, "")
	require.NoError(t, err)
	assert.Less(t, d.GetWorkflowExecutionInfo().GetHistoryLength(), int64(51200), "the last execution's history stays under the limit")
	assert.NotEqual(t, d.GetWorkflowExecutionInfo().GetFirstRunId(), d.GetWorkflowExecutionInfo().GetExecution().GetRunId(), "the run continued as new")
}

func TestNonFiniteNumberFailsItsStep(t *testing.T) {
	s := getStackShared(t)
	id := s.start(t, runs.Request{Playbook: s.load(t, "nan.yaml"), Inputs: map[string]any{"d": 0}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunFailed, st.Status)
	ratio, after := st.Steps[0], st.Steps[1]
	assert.Equal(t, playbook.StatusFailed, ratio.Status)
	require.NotNil(t, ratio.Error)
	assert.Contains(t, ratio.Error.Message, "testdata/nan.yaml:8:")
	assert.Contains(t, ratio.Error.Message, "${{ 100 / inputs.d }}: the result is +Inf, which is not a number")
	assert.Equal(t, playbook.StatusSkipped, after.Status, "no later step ran")
	again, err := runs.Status(context.Background(), s.client, id)
	require.NoError(t, err, "cordon status shows the failed run")
	assert.Len(t, again.Steps, 2)
}

// TestLargeReportsNeverStickARun: six steps of about 220 KB make a status
// of 1.3 MB. The run's result and status query must still be answered,
// and outputs too large for a result fail the run with what to do.
func TestLargeReportsNeverStickARun(t *testing.T) {
	s := getStackShared(t)
	id := s.start(t, runs.Request{Playbook: s.load(t, "big-report.yaml")})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 11000, st.Outputs["count"], "expressions saw the full outputs")
	b, err := json.Marshal(st)
	require.NoError(t, err)
	assert.Less(t, len(b), 1<<20, "the result is kept under 1 MiB")
	q, err := runs.Status(context.Background(), s.client, id)
	require.NoError(t, err, "the status query is answered")
	assert.Equal(t, workflows.RunSucceeded, q.Status)

	id = s.start(t, runs.Request{Playbook: s.load(t, "big-report.yaml"), Inputs: map[string]any{"everything": true}})
	st = s.wait(t, id)
	require.Equal(t, workflows.RunFailed, st.Status)
	assert.Regexp(t, `^outputs are \d+ bytes \(output everything alone \d+\), over the limit of 786432 bytes for a run's result: return counts, ids or a sample instead`, st.Error)
}
