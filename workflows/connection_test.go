package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// The test environment's own task queue: the workflow's, where the
// default connection's activities and the engine's own run.
const testQueue = "default-test-taskqueue"

const crossOrg = `
name: cross-org
connection: acme
steps:
  - id: find
    action: okta.get_users
    with: {filter: 'profile.login eq "jane@example.com"'}
  - id: approve
    approval: {message: "Suspend jane in globex?"}
  - id: suspend
    action: okta.suspend_users
    connection: globex
    with: {user_ids: [jane@example.com]}
`

// Each step's Okta activities (the action, the resolve of spellings, the
// guardrails' check, the approval's preview) run on the queue of the
// step's connection; the engine's own (notify, audit) stay on the
// workflow's queue.
func TestStepsRouteToTheirConnectionsQueue(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	pending := h.pendingAt(time.Minute)
	h.decide(2*time.Minute, Decision{Approver: "bob"})
	st, err := h.run(crossOrg, RunInput{Options: RunOptions{StartedBy: "alice"}})
	require.NoError(t, err)
	assert.Equal(t, RunSucceeded, st.Status)

	assert.Equal(t, []string{"cordon-okta-acme"}, h.okta.queuesOf(action.GetUsers), "the playbook's connection")
	assert.Equal(t, []string{"cordon-okta-globex"}, h.okta.queuesOf(action.SuspendUsers), "the step's own connection wins")
	for _, q := range h.okta.queuesOf(action.ResolveActivity) {
		assert.Equal(t, "cordon-okta-globex", q, "the resolve of the globex step's spellings")
	}
	require.NotEmpty(t, h.okta.queuesOf(action.GuardActivity))
	for _, q := range h.okta.queuesOf(action.GuardActivity) {
		assert.Equal(t, "cordon-okta-globex", q, "globex's guardrails are checked by globex's workers")
	}
	for _, q := range h.okta.queuesOf(action.DescribeActivity) {
		assert.Equal(t, "cordon-okta-globex", q)
	}
	require.Len(t, *pending, 1)
	assert.Equal(t, map[string]string{"suspend": "globex"}, (*pending)[0].Connections, "the approver sees which org")
	assert.Equal(t, "acts on connection globex", ConnectionsLine((*pending)[0]))
	require.NotEmpty(t, h.okta.notices)
	assert.Equal(t, "acts on connection globex", h.okta.notices[0].Connections)
}

func TestRunConnectionOverridesThePlaybooks(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	h.decide(time.Minute, Decision{Approver: "bob"})
	_, err := h.run(crossOrg, RunInput{Connection: "initech", Options: RunOptions{StartedBy: "alice"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"cordon-okta-initech"}, h.okta.queuesOf(action.GetUsers), "the run's connection over the playbook's")
	assert.Equal(t, []string{"cordon-okta-globex"}, h.okta.queuesOf(action.SuspendUsers), "a step's own still wins")
}

// A run that names no connection acts on the default one, on the queue
// and with the local guardrails' check it always used.
func TestDefaultConnectionKeepsTheWorkflowsQueue(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	_, err := h.run(findAndDeactivate, RunInput{Inputs: map[string]any{"login": "jane@acme.test"}})
	require.NoError(t, err)
	assert.Equal(t, []string{testQueue}, h.okta.queuesOf(action.GetUsers))
	assert.Equal(t, []string{testQueue}, h.okta.queuesOf(action.DeactivateUsers))
	for _, q := range h.okta.queuesOf(action.GuardActivity) {
		assert.Equal(t, testQueue, q)
	}

	h = newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	_, err = h.run(findAndDeactivate, RunInput{Connection: "default", Inputs: map[string]any{"login": "jane@acme.test"}})
	require.NoError(t, err)
	assert.Equal(t, []string{testQueue}, h.okta.queuesOf(action.DeactivateUsers), "naming default is the same")
}

// The undo acts on the connection of the step it undoes.
func TestUndoRunsOnTheStepsConnection(t *testing.T) {
	h := newHarness(t)
	src := `
name: t
steps:
  - id: block
    action: okta.block_ips
    connection: globex
    with: {zone_id: nzo1, ip_addresses: [203.0.113.7]}
    undo_after: 24h
`
	st, err := h.run(src, RunInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"cordon-okta-globex"}, h.okta.queuesOf(action.BlockIPs))
	require.Len(t, h.okta.callsTo(action.UnblockIPs), 1, "the undo ran (the test clock skips the 24h)")
	assert.Equal(t, []string{"cordon-okta-globex"}, h.okta.queuesOf(action.UnblockIPs))
	assert.Equal(t, []string{ZoneWriteWorkflowName}, h.okta.workflowsOf(action.UnblockIPs), "still serialised on its zone")
	h.okta.mu.Lock()
	ids := append(h.okta.workflowIDs[action.BlockIPs], h.okta.workflowIDs[action.UnblockIPs]...)
	h.okta.mu.Unlock()
	assert.Equal(t, []string{"cordon-zone-globex-nzo1", "cordon-zone-globex-nzo1"}, ids, "globex's zone nzo1 is not acme's")
	assert.Equal(t, "okta.unblock_ips", stepOf(st, "block").Output.(map[string]any)["undo"].(map[string]any)["action"])
}

// A connection no worker serves fails the step naming it instead of
// waiting forever (the first activity's schedule-to-start timeout).
func TestConnectionNotServedFailsClearly(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, func(map[string]any) (any, error) {
		return nil, temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START, nil)
	})
	st, err := h.run(findAndDeactivate, RunInput{Connection: "nowhere", Inputs: map[string]any{"login": "jane@acme.test"}})
	require.Error(t, err)
	assert.Equal(t, RunFailed, st.Status)
	assert.Contains(t, st.Error, `connection "nowhere" is not served by any worker (check the worker's connections file)`)
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))
}

func TestRunInputConnectionIsChecked(t *testing.T) {
	h := newHarness(t)
	st, err := h.run(findAndDeactivate, RunInput{Connection: "Not A Name", Inputs: map[string]any{"login": "jane@acme.test"}})
	require.Error(t, err)
	assert.Contains(t, st.Error, `connection "Not A Name" is not a connection name`)
	assert.Empty(t, h.okta.callsTo(action.GetUsers))

	h = newHarness(t)
	st, err = h.run(findAndDeactivate, RunInput{ParentConnection: "globex", Inputs: map[string]any{"login": "jane@acme.test"}})
	require.Error(t, err)
	assert.Contains(t, st.Error, "parent_connection is set by a parent run")
}

func TestConnectionsLine(t *testing.T) {
	assert.Equal(t, "", ConnectionsLine(PendingApproval{}))
	assert.Equal(t, "acts on connections: acme (step a), globex (step b)",
		ConnectionsLine(PendingApproval{Connections: map[string]string{"b": "globex", "a": "acme"}}))
}

// An approval's scope is per connection: an IP shown for a step on acme
// does not let a later step block the same IP in globex's org.
func TestApprovalScopeIsPerConnection(t *testing.T) {
	src := `
name: t
steps:
  - id: approve
    approval: {message: "Block?"}
  - id: block_acme
    action: okta.block_ips
    connection: acme
    with: {zone_id: nzo1, ip_addresses: [203.0.113.9]}
  - id: go
    set: {go: true}
  - id: block_globex
    if: ${{ vars.go }}
    action: okta.block_ips
    connection: globex
    with: {zone_id: nzo1, ip_addresses: [203.0.113.9]}
`
	h := newHarness(t)
	pending := h.pendingAt(time.Minute)
	h.decide(2*time.Minute, Decision{Approver: "bob"})
	st, err := h.run(src, RunInput{Options: RunOptions{StartedBy: "alice"}})
	require.Error(t, err)
	require.Len(t, *pending, 1)
	assert.Equal(t, []string{"203.0.113.9/32"}, (*pending)[0].Targets)
	assert.Equal(t, map[string]string{"block_acme": "acme"}, (*pending)[0].Connections, "block_globex's if: did not hold when the approval asked")
	assert.Equal(t, playbook.StatusSucceeded, stepOf(st, "block_acme").Status)
	assert.Equal(t, playbook.StatusFailed, stepOf(st, "block_globex").Status)
	assert.Contains(t, stepOf(st, "block_globex").Error.Message, "targets [203.0.113.9/32] were not shown to the approver of step approve")
	assert.Equal(t, []string{"cordon-okta-acme"}, h.okta.queuesOf(action.BlockIPs), "nothing was written in globex")
}
