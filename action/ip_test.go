package action

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every spelling of the same addresses has one canonical form, in both
// families; that is what the guard, the approval and the action compare.
func TestParseIPEntryCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7/32"},
		{" 203.0.113.7/32\n", "203.0.113.7/32"},
		{"203.0.113.7-203.0.113.7", "203.0.113.7/32"},
		{"203.0.113.9/24", "203.0.113.0/24"},
		{"203.0.113.0-203.0.113.255", "203.0.113.0/24"},
		{"192.0.2.10-192.0.2.20", "192.0.2.10-192.0.2.20"},
		{"::ffff:10.1.2.3", "10.1.2.3/32"},
		{"::ffff:10.1.2.0/120", "10.1.2.0/24"},
		{"2001:DB8::1", "2001:db8::1/128"},
		{"2001:db8:0:0:0:0:0:1/128", "2001:db8::1/128"},
		{"2001:db8::1/32", "2001:db8::/32"},
		{"2001:db8::-2001:db8::ffff", "2001:db8::/112"},
		{"0.0.0.0/0", "0.0.0.0/0"},
	}
	for _, tc := range tests {
		e, err := ParseIPEntry(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, e.String(), tc.in)
	}
	for _, bad := range []string{"", "300.1.1.1", "10.0.0.9-10.0.0.1", "10.0.0.1-2001:db8::1", "fe80::1%eth0", "10.0.0.0/33", "jane"} {
		_, err := ParseIPEntry(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestIPEntryOverlapsAndPrefixes(t *testing.T) {
	t.Parallel()
	r, _ := ParseIPEntry("192.167.255.250-192.168.0.2")
	p, _ := ParseIPEntry("192.168.0.0/16")
	v6, _ := ParseIPEntry("::/0")
	assert.True(t, r.Overlaps(p))
	assert.False(t, r.Overlaps(v6), "families never overlap")
	assert.Equal(t, "[192.167.255.250/31 192.167.255.252/30 192.168.0.0/31 192.168.0.2/32]", fmtPrefixes(r))
}

func fmtPrefixes(e IPEntry) string {
	out := "["
	for i, p := range e.Prefixes() {
		if i > 0 {
			out += " "
		}
		out += p.String()
	}
	return out + "]"
}

// TestEveryDestructiveActionIsGuarded walks the registry: an action that
// can grant or take access must declare its targets, and every parameter
// naming a user, group, zone or network must be guarded as that kind.
// Register enforces the same rule, so an action added later without
// guard coverage cannot even be registered.
func TestEveryDestructiveActionIsGuarded(t *testing.T) {
	t.Parallel()
	for _, a := range Okta().All() {
		if !a.Destructive {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			require.NotNil(t, a.Targets, "destructive without targets")
			guarded := map[string]TargetKind{}
			for _, g := range a.Guarded() {
				guarded[g.Param] = g.Kind
			}
			for _, p := range a.Params {
				if kind, ok := IdentityKind(p.Name); ok {
					assert.Equal(t, kind, guarded[p.Name], "parameter %s is not guarded", p.Name)
				}
			}
		})
	}
	unguarded := &Action{Name: "okta.grant_admin", Title: "Grant Admin", Destructive: true,
		Params:  []Param{{Name: ParamUserIDs, Type: TypeStringList}, {Name: ParamGroupID, Type: TypeString}},
		Targets: &Targets{Param: ParamUserIDs, Kind: TargetUsers}}
	assert.PanicsWithValue(t, "spec: destructive action okta.grant_admin: parameter group_id names groups but is not guarded as such",
		func() { NewRegistry().Register(unguarded) })
	noTargets := &Action{Name: "okta.wipe", Title: "Wipe", Destructive: true}
	assert.Panics(t, func() { NewRegistry().Register(noTargets) })
}
