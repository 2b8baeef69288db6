package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// TestUndoAfterWithTestClock: block_ips with undo_after schedules an
// UndoWorkflow that unblocks exactly the entries the step added, after the
// delay on the workflow clock.
func TestUndoAfterWithTestClock(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.BlockIPs, func(p map[string]any) (any, error) {
		return action.BulkResult{Status: action.StatusSuccessful, Succeeded: []string{"203.0.113.7", "203.0.113.8"}, Failed: []string{},
			Results: []action.ItemResult{
				{ID: "203.0.113.7", OK: true, Outcome: action.OutcomeDone},
				{ID: "203.0.113.8", OK: true, Outcome: action.OutcomeAlreadyBlocked},
			}}, nil
	})
	var undoAt time.Time
	h.okta.on(action.UnblockIPs, func(p map[string]any) (any, error) {
		undoAt = h.env.Now()
		return bulkOK(p)
	})
	src := `
name: t
version: 1
steps:
  - id: block
    action: okta.block_ips
    with: {zone_id: nzo1, ip_addresses: [203.0.113.7, 203.0.113.8]}
    undo_after: 24h
`
	start := h.env.Now()
	st, err := h.run(src, RunInput{})
	require.NoError(t, err)
	undo := stepOf(st, "block").Output.(map[string]any)["undo"].(map[string]any)
	assert.Equal(t, "okta.unblock_ips", undo["action"])
	assert.Equal(t, []any{"203.0.113.7"}, undo["targets"], "only what the step changed is undone")
	calls := h.okta.callsTo(action.UnblockIPs)
	require.Len(t, calls, 1, "the undo ran (the test clock skips the 24h)")
	assert.Equal(t, []any{"203.0.113.7"}, calls[0][action.ParamIPAddresses])
	assert.Equal(t, "nzo1", calls[0][action.ParamZoneID])
	assert.GreaterOrEqual(t, undoAt.Sub(start), 24*time.Hour)
}
