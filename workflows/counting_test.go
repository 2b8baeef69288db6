package workflows

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
)

// max_targets counts a step's distinct targets over all its foreach
// items: the item that would pass the limit is refused before its write.
func TestMaxTargetsCountsAcrossItems(t *testing.T) {
	h := newHarness(t)
	src := `
name: t
version: 1
steps:
  - id: each
    foreach: [00u1, 00u2, 00u3, 00u1, 00u4, 00u5, 00u6, 00u7, 00u8]
    concurrency: 1
    max_targets: 5
    action: okta.suspend_users
    with: {user_ids: ["${{ item }}"]}
`
	st, err := h.run(src, RunInput{})
	require.Error(t, err)
	assert.Contains(t, st.Error, "step each (Suspend Users) item 6 would bring the step to 6 distinct targets, above the limit of 5 (guardrails.max_targets); this item was not run")
	assert.Equal(t, []any{"00u1", "00u2", "00u3", "00u1", "00u4", "00u5"}, h.okta.userIDsOf(action.SuspendUsers), "a repeated target counts once; nothing past the limit")
	assert.Equal(t, 5, st.TargetsCounted)
}

// Items running side by side cannot both take the last place.
func TestMaxTargetsHoldsForConcurrentItems(t *testing.T) {
	h := newHarness(t)
	src := `
name: t
version: 1
steps:
  - id: each
    foreach: [00u1, 00u2, 00u3, 00u4, 00u5, 00u6, 00u7, 00u8]
    max_targets: 5
    action: okta.suspend_users
    with: {user_ids: ["${{ item }}"]}
`
	st, err := h.run(src, RunInput{})
	require.Error(t, err)
	assert.Contains(t, st.Error, "would bring the step to 6 distinct targets, above the limit of 5")
	assert.LessOrEqual(t, len(h.okta.callsTo(action.SuspendUsers)), 5)
}

// max_run_targets counts every destructive step of the run and what its
// children counted; a root run cannot hand itself a count or a limit.
func TestMaxRunTargets(t *testing.T) {
	h := newHarness(t)
	child := `
name: child
version: 1
inputs:
  id: {type: string, required: true}
steps:
  - id: s
    action: okta.suspend_users
    with: {user_ids: ["${{ inputs.id }}"]}
`
	parent := `
name: parent
version: 1
guardrails: {max_run_targets: 3}
steps:
  - id: a
    action: okta.suspend_users
    with: {user_ids: [00u1, 00u2]}
  - id: c
    playbook: child
    with: {id: 00u3}
  - id: b
    action: okta.expire_passwords
    with: {user_ids: [00u1, 00u4]}
`
	lib := map[string]Pinned{"child": pin("child", child)}
	st, err := h.run(parent, RunInput{Library: lib})
	require.Error(t, err)
	assert.Contains(t, st.Error, "step b (Expire Passwords) would bring the run to 4 distinct targets (3 before it, children and parent runs included), above the run's limit of 3 (guardrails.max_run_targets)")
	assert.Len(t, h.okta.callsTo(action.SuspendUsers), 2, "the parent's step and the child's")
	assert.Empty(t, h.okta.callsTo(action.ExpirePasswords))

	// The child gets the parent's count: it cannot start from zero.
	h = newHarness(t)
	parent2 := `
name: parent
version: 1
guardrails: {max_run_targets: 2}
steps:
  - id: a
    action: okta.suspend_users
    with: {user_ids: [00u1, 00u2]}
  - id: c
    playbook: child
    with: {id: 00u3}
`
	st, err = h.run(parent2, RunInput{Library: lib})
	require.Error(t, err)
	assert.Len(t, h.okta.callsTo(action.SuspendUsers), 1, "the child's write is refused")
	assert.Contains(t, st.Error, "above the run's limit of 2")

	h = newHarness(t)
	st, err = h.runRaw(RunInput{Playbook: pin("child", child), Inputs: map[string]any{"id": "00u1"},
		Options: RunOptions{StartedBy: "alice"}, MaxRunTargets: 100000})
	require.Error(t, err)
	assert.Contains(t, st.Error, "run refused: run_targets and max_run_targets are set by a parent run for its children")
}

// The counts survive continue-as-new: a run cannot reset them by
// continuing.
func TestCountsCarriedOverContinueAsNew(t *testing.T) {
	src := `
name: t
version: 1
guardrails: {max_run_targets: 2}
steps:
  - id: a
    action: okta.suspend_users
    with: {user_ids: [00u1, 00u2]}
  - id: b
    action: okta.suspend_users
    with: {user_ids: [00u3]}
`
	h := newHarness(t)
	h.env.SetContinueAsNewSuggested(true)
	h.env.ExecuteWorkflow(PlaybookWorkflowName, RunInput{Playbook: pin("t", src), Options: RunOptions{StartedBy: "alice"}})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(h.env.GetWorkflowError(), &can), "got %v", h.env.GetWorkflowError())
	var next RunInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	assert.Equal(t, []string{"users/00u1", "users/00u2"}, next.Resume.RunTargets)

	h2 := newHarness(t)
	h2.env.SetContinuedExecutionRunID(next.Resume.From)
	st, err := h2.run(src, next)
	require.Error(t, err)
	assert.Contains(t, st.Error, "step b (Suspend Users) would bring the run to 3 distinct targets")
	assert.Empty(t, h2.okta.callsTo(action.SuspendUsers))
}
