package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// The registry alone drives plan wording, zone serialisation and undo for
// every action: an action that exists only in a test registry is planned
// with its PlanWords and PlanCall, written through ZoneWriteWorkflow
// because it says ZoneWrite, and undone with its UndoKeep and UndoSet, with
// no table in the workflow or the CLI naming it.
func TestRegistryAloneDrivesPlanZoneAndUndo(t *testing.T) {
	const quarantine, release, note = "okta.quarantine_ips", "okta.release_ips", "note"
	ipAction := func(name, undo string) *action.Action {
		return &action.Action{
			Name: name, Title: name, Method: "docs only",
			Params: []action.Param{
				{Name: action.ParamZoneID, Type: action.TypeString, Required: true},
				{Name: action.ParamIPAddresses, Type: action.TypeStringList, Required: true},
				{Name: note, Type: action.TypeString},
			},
			Destructive: true, Targets: &action.Targets{Param: action.ParamIPAddresses, Kind: action.TargetIPs},
			Guards:    []action.Guarded{{Param: action.ParamZoneID, Kind: action.TargetZones}},
			PlanWords: "quarantine {n} IPs in {zone_id}", PlanCall: "POST /quarantine/{zone_id}/{target}",
			ZoneWrite: true, ReadBack: &action.ReadBack{Kind: action.ReadZone}, Undo: undo, UndoKeep: []string{action.ParamZoneID}, UndoSet: map[string]any{note: "undone"},
			StartToCloseTimeout: time.Minute, Retry: action.Retry{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Second, MaximumAttempts: 1},
		}
	}
	reg := action.Okta()
	reg.Register(ipAction(quarantine, release))
	reg.Register(ipAction(release, quarantine))
	src := `
name: t
version: 1
steps:
  - id: q
    action: okta.quarantine_ips
    with: {zone_id: nzo1, ip_addresses: [203.0.113.7, 203.0.113.8], note: why}
    undo_after: 1h
`
	a, _ := reg.Lookup(quarantine)

	t.Run("plan", func(t *testing.T) {
		h := newHarnessWith(t, reg)
		st, err := h.run(src, RunInput{Options: RunOptions{DryRun: true}})
		require.NoError(t, err)
		p := stepOf(st, "q").Plan
		require.NotNil(t, p)
		assert.Equal(t, []string{"POST /quarantine/nzo1/203.0.113.7/32", "POST /quarantine/nzo1/203.0.113.8/32"}, p.Calls)
		assert.Equal(t, "quarantine 2 IPs in nzo1", a.PlanText(p.Params, len(p.Targets)))
		assert.Empty(t, h.okta.callsTo(quarantine))
	})

	t.Run("zone and undo", func(t *testing.T) {
		h := newHarnessWith(t, reg)
		_, err := h.run(src, RunInput{})
		require.NoError(t, err)
		assert.Equal(t, []string{ZoneWriteWorkflowName}, h.okta.workflowsOf(quarantine), "a zone write runs as the zone's ZoneWriteWorkflow")
		calls := h.okta.callsTo(release)
		require.Len(t, calls, 1, "the undo ran")
		assert.Equal(t, map[string]any{action.ParamZoneID: "nzo1", action.ParamIPAddresses: []any{"203.0.113.7/32", "203.0.113.8/32"}, note: "undone"}, calls[0])
		assert.Equal(t, []string{ZoneWriteWorkflowName}, h.okta.workflowsOf(release), "the undo's write is serialised on the zone too")
	})
}
