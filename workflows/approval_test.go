package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

const approveThenDeactivate = `
name: approve-then-deactivate
version: 1
steps:
  - id: find
    action: okta.get_users
  - id: approve
    approval:
      approvers: [alice, bob]
      message: "Deactivate ${{ len(steps.find.output) }} users?"
      timeout: 30m
  - id: deactivate
    action: okta.deactivate_users
    with: {user_ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
`

// decide sends an approve update after delay and records how it ended.
type updateResult struct {
	rejected error
	err      error
	rec      *ApprovalRecord
}

func (h *harness) decide(after time.Duration, d Decision) *updateResult {
	res := &updateResult{}
	h.env.RegisterDelayedCallback(func() { h.approveNow(res, d) }, after)
	return res
}

// approveNow sends the approve update with d and records in res how it ended.
func (h *harness) approveNow(res *updateResult, d Decision) {
	h.env.UpdateWorkflow(UpdateApprove, "", &testsuite.TestUpdateCallback{
		OnReject: func(err error) { res.rejected = err },
		OnAccept: func() {},
		OnComplete: func(v any, err error) {
			res.err = err
			if r, ok := v.(*ApprovalRecord); ok {
				res.rec = r
			}
		},
	}, d)
}

// pendingAt queries the run's pending approvals after delay; the slice is
// filled when the callback has run.
func (h *harness) pendingAt(delay time.Duration) *[]PendingApproval {
	var pending []PendingApproval
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryStatus)
		require.NoError(h.t, err)
		var st RunStatus
		require.NoError(h.t, v.Get(&st))
		pending = st.PendingApprovals
	}, delay)
	return &pending
}

func TestApprovalApproved(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1", "00u2"))
	pending := h.pendingAt(time.Minute)
	res := h.decide(2*time.Minute, Decision{Approver: "bob", Comment: "confirmed with manager"})
	st, err := h.run(approveThenDeactivate, RunInput{Options: RunOptions{StartedBy: "alice"}})
	require.NoError(t, err)
	require.NoError(t, res.rejected)
	require.Len(t, *pending, 1)
	p := (*pending)[0]
	assert.Equal(t, "Deactivate 2 users?", p.Message)
	assert.Equal(t, []string{"00u1", "00u2"}, p.Targets, "the approval names the exact targets")
	assert.Equal(t, "deactivate", p.ForStep)
	a := stepOf(st, "approve").Approval
	require.NotNil(t, a)
	assert.Equal(t, playbook.Approved, a.Decision)
	assert.Equal(t, "bob", a.Approver)
	assert.Equal(t, "confirmed with manager", a.Comment)
	assert.Len(t, h.okta.callsTo(action.DeactivateUsers), 1)
}

func TestApprovalRejectedStopsRun(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	h.decide(time.Minute, Decision{Approver: "alice", Reject: true, Comment: "false positive"})
	st, err := h.run(approveThenDeactivate, RunInput{Options: RunOptions{StartedBy: "alice"}})
	require.Error(t, err)
	assert.Equal(t, RunRejected, st.Status)
	assert.Equal(t, "step approve was rejected by alice: false positive", st.Error)
	assert.Equal(t, playbook.StatusRejected, stepOf(st, "approve").Status)
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))
}

func TestApprovalValidatorRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Decision
		want string
	}{
		{"no approver", Decision{}, "the decision names no approver (approver is required)"},
		{"not an approver", Decision{Approver: "mallory"}, "mallory may not decide step approve (approvers: alice, bob)"},
		{"self approval", Decision{Approver: "alice"}, "alice started this run and may not approve it: step approve needs a second person (four eyes)"},
		{"self approval in capitals", Decision{Approver: "ALICE"}, "ALICE started this run and may not approve it"},
		{"self approval with spaces", Decision{Approver: " Alice \n"}, "Alice started this run and may not approve it"},
		{"not an approver, only similar", Decision{Approver: "bob2"}, "bob2 may not decide step approve"},
		{"the starter, with the org's domain", Decision{Approver: "alice@acme.com"}, "alice@acme.com started this run and may not approve it: step approve needs a second person (four eyes)"},
		{"a service identity", Decision{Approver: "webhook:bearer"}, "webhook:bearer is a service identity; only people decide approvals"},
		{"unknown step", Decision{Approver: "bob", Step: "nope"}, "no step nope in playbook approve-then-deactivate"},
		{"step not waiting", Decision{Approver: "bob", Step: "deactivate"}, "step deactivate is not awaiting approval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.okta.on(action.GetUsers, users("00u1"))
			bad := h.decide(time.Minute, tc.d)
			h.decide(2*time.Minute, Decision{Approver: "bob"})
			_, err := h.run(approveThenDeactivate, RunInput{Options: RunOptions{StartedBy: "alice"}})
			require.NoError(t, err)
			require.Error(t, bad.rejected)
			assert.Contains(t, bad.rejected.Error(), tc.want)
		})
	}
}

func TestApprovalRepeatedDecisionRefused(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	src := `
name: two
version: 1
steps:
  - id: approve
    approval: {message: first}
  - id: wait
    wait: 1h
`
	h.decide(time.Minute, Decision{Approver: "bob"})
	again := h.decide(2*time.Minute, Decision{Approver: "carol", Step: "approve"})
	_, err := h.run(src, RunInput{})
	require.NoError(t, err)
	require.Error(t, again.rejected)
	assert.Contains(t, again.rejected.Error(), "step approve was already approved by bob")
}

func TestApprovalTimeout(t *testing.T) {
	for _, onTimeout := range []string{"reject", "approve"} {
		t.Run(onTimeout, func(t *testing.T) {
			h := newHarness(t)
			h.okta.on(action.GetUsers, users("00u1"))
			src := `
name: t
version: 1
steps:
  - id: approve
    approval: {message: ok?, timeout: 10m, on_timeout: ` + onTimeout + `}
  - id: after
    set: {done: true}
`
			st, err := h.run(src, RunInput{})
			a := stepOf(st, "approve").Approval
			require.NotNil(t, a)
			assert.Equal(t, "timeout", a.Approver)
			if onTimeout == "reject" {
				require.Error(t, err)
				assert.Equal(t, RunRejected, st.Status)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, playbook.Approved, a.Decision)
			assert.Equal(t, playbook.StatusSucceeded, stepOf(st, "after").Status)
		})
	}
}

func TestApprovalBoundToTargets(t *testing.T) {
	h := newHarness(t)
	h.decide(time.Minute, Decision{Approver: "bob"})
	st, err := h.run(approveThenTargetsGrow, RunInput{})
	require.Error(t, err)
	assert.Equal(t, []string{"00u1"}, stepOf(st, "approve").Approval.Targets)
	assert.Equal(t, "step deactivate: targets differ from the approved set (not approved: [00u9]; approved but gone: []); nothing was changed", st.Error)
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))
}

// The approval is bound to deactivate's targets as they are when it is
// asked; a later step changes them before deactivate runs.
const approveThenTargetsGrow = `
name: growing
version: 1
steps:
  - id: init
    set: {ids: ["00u1"]}
  - id: approve
    approval: {message: go?}
  - id: grow
    set: {ids: ["00u1", "00u9"]}
  - id: deactivate
    action: okta.deactivate_users
    with: {user_ids: "${{ vars.ids }}"}
`

func TestApprovalBindsToTheStepThatWillRun(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	src := `
name: modes
version: 1
inputs:
  mode: {type: string, default: reset}
steps:
  - id: find
    action: okta.get_users
  - id: approve
    approval: {message: go?}
  - id: deactivate
    if: ${{ inputs.mode == "deactivate" }}
    action: okta.deactivate_users
    with: {user_ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
  - id: reset
    if: ${{ inputs.mode == "reset" }}
    action: okta.reset_user_passwords
    with: {user_ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
`
	h.decide(time.Minute, Decision{Approver: "bob"})
	st, err := h.run(src, RunInput{Inputs: map[string]any{"mode": "reset"}})
	require.NoError(t, err)
	a := stepOf(st, "approve").Approval
	assert.Equal(t, "reset", a.ForStep)
	assert.Equal(t, []string{"00u1"}, a.Targets)
	assert.Len(t, h.okta.callsTo(action.ResetUserPasswords), 1)
}

func TestDryRunDoesNotWaitForApprovals(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	st, err := h.run(approveThenDeactivate, RunInput{Options: RunOptions{DryRun: true}})
	require.NoError(t, err)
	assert.Equal(t, playbook.StatusPlanned, stepOf(st, "approve").Status)
	assert.Equal(t, []any{"00u1"}, stepOf(st, "approve").Output.(map[string]any)["targets"])
	assert.Equal(t, playbook.StatusPlanned, stepOf(st, "deactivate").Status)
}

func TestAboveLimitAsksForApproval(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("a", "b", "c", "d"))
	src := findAndDeactivate + "guardrails: {max_targets: 3, above_limit: approval}\n"
	pending := h.pendingAt(time.Minute)
	h.decide(2*time.Minute, Decision{Approver: "bob", Step: "deactivate-limit", Comment: "known incident, all four"})
	st, err := h.run(src, RunInput{Inputs: map[string]any{"login": "x"}, Options: RunOptions{StartedBy: "alice"}})
	require.NoError(t, err)
	require.Len(t, *pending, 1)
	p := (*pending)[0]
	assert.Equal(t, "step deactivate (Deactivate Users) would act on 4 targets, above the limit of 3: approve these targets?", p.Message)
	assert.Equal(t, []string{"a", "b", "c", "d"}, p.Targets)
	assert.Equal(t, "deactivate", p.ForStep)
	assert.Equal(t, "bob", stepOf(st, "deactivate-limit").Approval.Approver)
	assert.Equal(t, []any{"a", "b", "c", "d"}, h.okta.callsTo(action.DeactivateUsers)[0][action.ParamUserIDs])
}

func TestAboveLimitRejected(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("a", "b", "c", "d"))
	src := findAndDeactivate + "guardrails: {max_targets: 3, above_limit: approval}\n"
	h.decide(time.Minute, Decision{Approver: "bob", Reject: true})
	st, err := h.run(src, RunInput{Inputs: map[string]any{"login": "x"}})
	require.Error(t, err)
	assert.Equal(t, RunRejected, st.Status)
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))
}
