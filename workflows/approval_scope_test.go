package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// approveThenSuspendAnn opens a playbook whose approval governs the
// suspension of ann; the tests append the steps after it.
const approveThenSuspendAnn = `
name: t
version: 1
steps:
  - id: approve
    approval: {message: "suspend ann?"}
  - id: ann
    action: okta.suspend_users
    with: {user_ids: [00uANN]}`

// An approval binds every destructive step after it: a foreach, a
// parallel branch, a step whose if: turns true later and a child
// playbook act only on the targets the approver was shown.
func TestApprovalBindsEveryLaterWrite(t *testing.T) {
	child := `
name: child
version: 1
steps:
  - id: s
    action: okta.suspend_users
    with: {user_ids: [00uEVE]}
`
	for _, tc := range []struct{ name, steps, want string }{
		{"foreach over later data", `
  - id: more
    set: {ids: [00uANN, 00uEVE]}
  - id: each
    foreach: ${{ vars.ids }}
    action: okta.suspend_users
    with: {user_ids: ["${{ item }}"]}`, "step each: targets [00uEVE] were not shown to the approver of step approve"},
		{"parallel branch", `
  - id: more
    set: {who: 00uEVE}
  - id: both
    parallel:
      - id: p1
        action: okta.clear_user_sessions
        with: {user_ids: [00uANN]}
      - id: p2
        action: okta.suspend_users
        with: {user_ids: ["${{ vars.who }}"]}`, "step p2: targets [00uEVE] were not shown to the approver of step approve"},
		{"if true later", `
  - id: flip
    set: {later: true}
  - id: late
    if: ${{ vars.later == true }}
    action: okta.suspend_users
    with: {user_ids: [00uEVE]}`, "step late: targets [00uEVE] were not shown to the approver of step approve"},
		{"child playbook", `
  - id: c
    playbook: child`, "step s: targets [00uEVE] were not shown to the approver of step approve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			src := approveThenSuspendAnn + tc.steps + "\n"
			h.decide(time.Minute, Decision{Approver: "bob"})
			st, err := h.run(src, RunInput{Library: map[string]Pinned{"child": pin("child", child)}})
			acted := h.okta.userIDsOf(action.SuspendUsers)
			assert.NotContains(t, acted, "00uEVE", "nobody approved eve")
			assert.Contains(t, acted, "00uANN")
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, st.Error, tc.want)
		})
	}
}

// What the approval shows is the union of the targets of every
// destructive step it governs, foreach items and parallel entries
// included; those steps then run.
func TestApprovalShowsEveryStepItGoverns(t *testing.T) {
	h := newHarness(t)
	src := `
name: t
version: 1
steps:
  - id: approve
    approval: {message: "go?"}
  - id: ann
    action: okta.suspend_users
    with: {user_ids: [00uANN]}
  - id: each
    foreach: [00uBOB, 00uCAT]
    action: okta.clear_user_sessions
    with: {user_ids: ["${{ item }}"]}
  - id: both
    parallel:
      - id: p1
        action: okta.reset_factors
        with: {user_ids: [00uDAN]}
      - id: p2
        action: okta.suspend_users
        with: {user_ids: [00uANN]}
  - id: again
    approval: {message: "and eve?"}
  - id: eve
    action: okta.suspend_users
    with: {user_ids: [00uEVE]}
`
	pending := h.pendingAt(30 * time.Second)
	h.decide(time.Minute, Decision{Approver: "bob", Step: "approve"})
	h.decide(2*time.Minute, Decision{Approver: "bob", Step: "again"})
	_, err := h.run(src, RunInput{})
	require.NoError(t, err)
	require.Len(t, *pending, 1)
	assert.Equal(t, []string{"00uANN", "00uBOB", "00uCAT", "00uDAN"}, (*pending)[0].Targets)
	assert.Equal(t, "ann", (*pending)[0].ForStep)
	assert.Len(t, h.okta.callsTo(action.SuspendUsers), 3, "ann, p2 and eve (after its own approval)")
	assert.Len(t, h.okta.callsTo(action.ClearUserSessions), 2)
}

// A dry run plans the steps after an approval as if it were approved: a
// write the approval would not cover fails the plan.
func TestApprovalScopeInDryRun(t *testing.T) {
	h := newHarness(t)
	src := approveThenSuspendAnn + `
  - id: flip
    set: {later: true}
  - id: late
    if: ${{ vars.later == true }}
    action: okta.suspend_users
    with: {user_ids: [00uEVE]}
`
	st, err := h.run(src, RunInput{Options: RunOptions{DryRun: true}})
	require.Error(t, err)
	assert.Contains(t, st.Error, "step late: targets [00uEVE] were not shown to the approver of step approve")
	assert.Empty(t, h.okta.callsTo(action.SuspendUsers))
}
