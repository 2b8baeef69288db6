package activities

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestBlockIPs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	zid := oktasim.DemoBlockedIPZoneID
	res := f.bulk(action.BlockIPs, map[string]any{action.ParamZoneID: zid,
		action.ParamIPAddresses: " 185.220.101.47, 203.0.113.9/24\n192.0.2.10-192.0.2.20,185.220.101.47"})
	assert.Equal(t, action.StatusSuccessful, res.Status)
	assert.Equal(t, []string{"185.220.101.47/32", "203.0.113.0/24", "192.0.2.10-192.0.2.20"}, res.Succeeded)
	z, _ := f.sim.Zone(zid)
	assert.True(t, z.System, "BlockedIpZone stays a system zone")
	assert.Len(t, z.Gateways, 3)
	require.NotNil(t, res.Zone)

	t.Run("repeat and covered entries are already_blocked, no write", func(t *testing.T) {
		f.sim.ResetRequests()
		again := f.bulk(action.BlockIPs, map[string]any{action.ParamZoneID: zid, action.ParamIPAddresses: []any{"185.220.101.47", "203.0.113.77", "192.0.2.12-192.0.2.13"}})
		for _, r := range again.Results {
			assert.Equal(t, action.OutcomeAlreadyBlocked, r.Outcome, r.ID)
		}
		assert.Zero(t, writes(f.sim))
		z2, _ := f.sim.Zone(zid)
		assert.Equal(t, z.Gateways, z2.Gateways)
	})
	t.Run("unblock", func(t *testing.T) {
		un := f.bulk(action.UnblockIPs, map[string]any{action.ParamZoneID: zid, action.ParamIPAddresses: []any{"185.220.101.47", "203.0.113.200"}})
		assert.Equal(t, action.OutcomeDone, un.Results[0].Outcome)
		assert.Equal(t, action.OutcomeNotBlocked, un.Results[1].Outcome)
		z3, _ := f.sim.Zone(zid)
		assert.Len(t, z3.Gateways, 2)
		assert.True(t, z3.System)
	})
}

func TestBlockIPsRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	tests := []struct {
		name, zone string
		ips        any
		wantParam  string
		wantType   string
		wantStatus int
	}{
		{name: "policy zone", zone: oktasim.DemoPolicyZoneID, ips: "203.0.113.7", wantParam: "usage BLOCKLIST", wantType: action.ErrInvalidInput},
		{name: "IPv6", zone: oktasim.DemoBlockedIPZoneID, ips: "2001:db8::1", wantParam: action.ParamIPAddresses, wantType: action.ErrInvalidInput},
		{name: "bad range", zone: oktasim.DemoBlockedIPZoneID, ips: "10.0.0.9-10.0.0.1", wantParam: action.ParamIPAddresses, wantType: action.ErrInvalidInput},
		{name: "unknown zone", zone: "nzoNOPE", ips: "203.0.113.7", wantParam: "Zone ID Not Found", wantType: action.ErrClientError, wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ae, d := appErr(t, f.run(action.BlockIPs, map[string]any{action.ParamZoneID: tc.zone, action.ParamIPAddresses: tc.ips}, nil))
			assert.Equal(t, tc.wantType, ae.Type())
			assert.True(t, ae.NonRetryable())
			assert.Contains(t, d.Message, tc.wantParam)
			assert.Equal(t, tc.wantStatus, d.HTTPStatus)
		})
	}
	t.Run("1000-entry limit", func(t *testing.T) {
		var ips []any
		for i := range 1001 {
			ips = append(ips, fmt.Sprintf("10.%d.%d.1", i/250, i%250))
		}
		f.sim.ResetRequests()
		ae, d := appErr(t, f.run(action.BlockIPs, map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: ips}, nil))
		assert.Equal(t, action.ErrInvalidInput, ae.Type())
		assert.Contains(t, d.Message, "1000")
		assert.Zero(t, writes(f.sim))
	})
}

func TestCreateZone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	long := strings.Repeat("z", 140)
	var created map[string]any
	require.NoError(t, f.run(action.CreateZone, map[string]any{action.ParamName: long, action.ParamGateways: "203.0.113.7",
		action.ParamASNs: []any{13335}}, &created))
	z, ok := f.sim.ZoneByName(long[:128])
	require.True(t, ok, "name truncated to 128")
	assert.Equal(t, "IP", z.Type)
	assert.Equal(t, "BLOCKLIST", z.Usage)
	assert.Equal(t, z.ID, created["id"])
	assert.NotContains(t, created, "asns", "dynamic fields ignored for IP zones")

	t.Run("repeat returns the same zone", func(t *testing.T) {
		var again map[string]any
		require.NoError(t, f.run(action.CreateZone, map[string]any{action.ParamName: long, action.ParamGateways: "203.0.113.7"}, &again))
		assert.Equal(t, created["id"], again["id"])
	})
	t.Run("dynamic zone", func(t *testing.T) {
		var dz map[string]any
		require.NoError(t, f.run(action.CreateZone, map[string]any{action.ParamName: "tor", action.ParamType: "dynamic", action.ParamUsage: "blocklist",
			action.ParamProxyType: "TorAnonymizer", action.ParamGateways: "1.2.3.4"}, &dz))
		assert.Equal(t, "DYNAMIC", dz["type"])
		assert.Nil(t, dz["gateways"], "IP fields ignored for dynamic zones")
	})
	t.Run("blocklist needs gateways", func(t *testing.T) {
		ae, d := appErr(t, f.run(action.CreateZone, map[string]any{action.ParamName: "x", action.ParamProxies: "1.2.3.4"}, nil))
		assert.Equal(t, action.ErrInvalidInput, ae.Type())
		assert.Contains(t, d.Message, action.ParamGateways)
	})
}

func TestUpdateZone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	zid := oktasim.DemoPolicyZoneID
	before, _ := f.sim.Zone(zid)
	var out map[string]any
	require.NoError(t, f.run(action.UpdateZone, map[string]any{action.ParamZoneID: zid, action.ParamGateways: "203.0.113.0/24"}, &out))
	after, _ := f.sim.Zone(zid)
	assert.Len(t, after.Gateways, len(before.Gateways)+1, "overwrite false appends")

	require.NoError(t, f.run(action.UpdateZone, map[string]any{action.ParamZoneID: zid, action.ParamOverwrite: true,
		action.ParamGateways: "192.0.2.0/24", action.ParamName: "Offices"}, &out))
	replaced, _ := f.sim.Zone(zid)
	assert.Equal(t, []string{"192.0.2.0/24"}, replaced.Gateways, "overwrite true replaces")
	assert.Equal(t, "Offices", replaced.Name)
	assert.Equal(t, "IP", replaced.Type)
}

func TestDeleteZones(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	res := f.bulk(action.DeleteZones, map[string]any{action.ParamZoneIDs: []any{oktasim.DemoPolicyZoneID, oktasim.DemoBlockedIPZoneID, "nzoNOPE"}})
	assert.Equal(t, action.StatusPartiallySuccessful, res.Status)
	assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome, "ACTIVE zone deactivated then deleted")
	assert.Equal(t, action.OutcomeFailed, res.Results[1].Outcome)
	assert.Contains(t, res.Results[1].Message, "system zone")
	assert.Equal(t, action.OutcomeAlreadyDeleted, res.Results[2].Outcome)
	_, exists := f.sim.Zone(oktasim.DemoPolicyZoneID)
	assert.False(t, exists)
	_, exists = f.sim.Zone(oktasim.DemoBlockedIPZoneID)
	assert.True(t, exists)

	again := f.bulk(action.DeleteZones, map[string]any{action.ParamZoneIDs: oktasim.DemoPolicyZoneID})
	assert.Equal(t, action.OutcomeAlreadyDeleted, again.Results[0].Outcome)
}

func TestListZones(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	tests := []struct {
		name    string
		params  map[string]any
		wantIDs []string
		wantMin int
	}{
		{name: "by usage", params: map[string]any{action.ParamUsage: "blocklist"}, wantIDs: []string{oktasim.DemoBlockedIPZoneID, oktasim.DemoEnhancedDynamicZoneID}},
		{name: "by ids", params: map[string]any{action.ParamZoneIDs: []any{oktasim.DemoPolicyZoneID, oktasim.DemoLegacyIPZoneID}},
			wantIDs: []string{oktasim.DemoLegacyIPZoneID, oktasim.DemoPolicyZoneID}},
		{name: "limit 0 means 20", params: map[string]any{action.ParamLimit: 0}, wantMin: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var zones []map[string]any
			require.NoError(t, f.run(action.ListZones, tc.params, &zones))
			var ids []string
			for _, z := range zones {
				ids = append(ids, z["id"].(string))
			}
			if tc.wantIDs != nil {
				assert.ElementsMatch(t, tc.wantIDs, ids)
			}
			assert.GreaterOrEqual(t, len(ids), tc.wantMin)
			assert.LessOrEqual(t, len(ids), 20)
		})
	}
}
