package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// Blocking checks each entry right before the zone is written: a
// protected or private network (or an entry overlapping one, such as
// 0.0.0.0/0) is refused, the others are blocked.
func TestBlockIPsRefusesProtectedEntries(t *testing.T) {
	t.Parallel()
	f := guardedFixture(t, guard.Config{Protected: guard.Protected{Networks: []string{oktasim.DemoCorpCIDR}}})
	zid := oktasim.DemoBlockedIPZoneID
	res := f.bulk(action.BlockIPs, map[string]any{action.ParamZoneID: zid,
		action.ParamIPAddresses: []any{"10.0.0.0/8", oktasim.DemoAttackerIP, "0.0.0.0/0", "198.51.100.7"}})
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, []string{oktasim.DemoAttackerIP + "/32"}, res.Succeeded)
	assert.ElementsMatch(t, []string{"10.0.0.0/8", "0.0.0.0/0", "198.51.100.7/32"}, res.Failed)
	for _, r := range res.Results {
		if r.ID != oktasim.DemoAttackerIP+"/32" {
			assert.Equal(t, action.OutcomeProtected, r.Outcome, r.ID)
			assert.Contains(t, r.Message, "inside protected network", r.ID)
		}
	}
	z, _ := f.sim.Zone(zid)
	assert.Equal(t, []string{oktasim.DemoAttackerIP + "/32"}, z.Gateways)

	f.sim.ResetRequests()
	ae, d := appErr(t, f.run(action.BlockIPs, map[string]any{action.ParamZoneID: zid, action.ParamIPAddresses: []any{"10.1.2.3"}}, nil))
	assert.Equal(t, action.ErrProtected, ae.Type())
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, "10.1.2.3/32: inside protected network 10.0.0.0/8; not written (okta.block_ips re-checks the guardrails before each write)", d.Message)
	assert.Zero(t, writes(f.sim))
}

// A zone write is judged by what the zone blocks afterwards: a usage
// change to BLOCKLIST, a gateway or a proxy must not newly block a
// protected or private network.
func TestZoneWritesCheckTheResultingZone(t *testing.T) {
	t.Parallel()
	f := guardedFixture(t, guard.Config{Protected: guard.Protected{Networks: []string{oktasim.DemoCorpCIDR}}})
	ctx := context.Background()
	// A POLICY zone holding private space, made outside Cordon.
	internal, err := f.acts.Okta.CreateZone(ctx, okta.Zone{"type": "IP", "name": "internal", "status": "ACTIVE", "usage": "POLICY",
		"gateways": []any{map[string]any{"type": "CIDR", "value": "10.20.0.0/16"}}})
	require.NoError(t, err)
	blocklist := map[string]any{}
	require.NoError(t, f.run(action.CreateZone, map[string]any{action.ParamName: "cordon-bl", action.ParamGateways: []any{"203.0.113.5"}}, &blocklist))
	bl, _ := blocklist["id"].(string)
	require.NotEmpty(t, bl)

	cases := []struct {
		name   string
		action string
		params map[string]any
		zone   string
		want   string
	}{
		{"usage change blocks private gateways", action.UpdateZone, map[string]any{action.ParamZoneID: internal.Str("id"), action.ParamUsage: "BLOCKLIST"},
			internal.Str("id"), "gateways 10.20.0.0/16: inside protected network 10.0.0.0/8; zone " + internal.Str("id") + " would block it (usage BLOCKLIST)"},
		{"usage change blocks the corporate network", action.UpdateZone, map[string]any{action.ParamZoneID: oktasim.DemoPolicyZoneID, action.ParamUsage: "BLOCKLIST"},
			oktasim.DemoPolicyZoneID, "gateways 198.51.100.0/24: inside protected network 198.51.100.0/24"},
		{"a private proxy in a blocklist zone", action.UpdateZone, map[string]any{action.ParamZoneID: bl, action.ParamProxies: []any{"192.168.1.0/24"}},
			bl, "proxies 192.168.1.0/24: inside protected network 192.168.0.0/16"},
		{"a new blocklist zone with a private proxy", action.CreateZone, map[string]any{action.ParamName: "evil", action.ParamGateways: []any{"203.0.113.9"},
			action.ParamProxies: []any{"172.16.0.1"}}, "", "proxies 172.16.0.1/32: inside protected network 172.16.0.0/12; the new zone would block it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before oktasim.Zone
			if tc.zone != "" {
				before, _ = f.sim.Zone(tc.zone)
			}
			ae, d := appErr(t, f.run(tc.action, tc.params, nil))
			assert.Equal(t, action.ErrProtected, ae.Type())
			assert.True(t, ae.NonRetryable())
			assert.Contains(t, d.Message, tc.want)
			if tc.zone != "" {
				after, _ := f.sim.Zone(tc.zone)
				assert.Equal(t, before, after, "the zone is unchanged")
			} else {
				_, made := f.sim.ZoneByName("evil")
				assert.False(t, made)
			}
		})
	}

	// A POLICY zone may hold private space, and a blocklist zone may
	// take a public proxy.
	require.NoError(t, f.run(action.UpdateZone, map[string]any{action.ParamZoneID: internal.Str("id"), action.ParamName: "internal networks"}, nil))
	require.NoError(t, f.run(action.UpdateZone, map[string]any{action.ParamZoneID: bl, action.ParamProxies: []any{"203.0.113.50"}}, nil))
	z, _ := f.sim.Zone(bl)
	assert.Equal(t, []string{"203.0.113.50/32"}, z.Proxies)
}

// A protected zone is never deleted; the others in the same step are.
func TestDeleteZonesRefusesAProtectedZone(t *testing.T) {
	t.Parallel()
	f := guardedFixture(t, guard.Config{Protected: guard.Protected{Zones: []string{oktasim.DemoPolicyZoneID}}})
	ae, d := appErr(t, f.run(action.DeleteZones, map[string]any{action.ParamZoneIDs: []any{oktasim.DemoPolicyZoneID}}, nil))
	assert.True(t, ae.NonRetryable())
	assert.Contains(t, d.Message, "protected zone; not written (okta.delete_zones re-checks the guardrails before each write)")
	z, ok := f.sim.Zone(oktasim.DemoPolicyZoneID)
	require.True(t, ok, "the protected zone still exists")
	assert.Equal(t, "ACTIVE", z.Status)
	assert.Zero(t, writes(f.sim))
}
