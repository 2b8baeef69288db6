package guard

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

type fakeDir struct {
	members map[string][]string
	calls   int
}

func (f *fakeDir) GroupMembers(_ context.Context, gid string) ([]string, error) {
	f.calls++
	return f.members[gid], nil
}

func (f *fakeDir) Me(context.Context) (string, string, error) {
	return "00uOWNER", "cordon-bot@acme.test", nil
}

// logins maps logins (lower case) to IDs, as Okta's user lookup does.
var logins = map[string]string{"breakglass@acme.test": "00uBREAKGLASS", "jane@acme.test": "00uJANE"}

func (f *fakeDir) UserID(_ context.Context, key string) (string, error) {
	if id, ok := logins[strings.ToLower(key)]; ok {
		return id, nil
	}
	if strings.HasPrefix(key, "00u") {
		return key, nil
	}
	return "", nil
}

func (f *fakeDir) GroupID(_ context.Context, key string) (string, error) {
	switch key {
	case "IT Admins", "00gADMINS":
		return "00gADMINS", nil
	}
	return "", nil
}

func TestCheckUsers(t *testing.T) {
	dir := &fakeDir{members: map[string][]string{"00gADMINS": {"00uADMIN1", "root@acme.test"}}}
	g, err := New(Config{MaxTargets: 10, Protected: Protected{Users: []string{"BreakGlass@acme.test"}, Groups: []string{"00gADMINS"}}}, dir)
	require.NoError(t, err)
	res, err := g.Check(context.Background(), action.GuardRequest{Kind: action.TargetUsers,
		Targets: []string{"00uA", "breakglass@acme.test", "00uADMIN1", "00uOWNER", "00uB"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"00uA", "00uB"}, res.Allowed)
	assert.Equal(t, []action.ProtectedEntry{
		{Target: "breakglass@acme.test", Reason: "protected user"},
		{Target: "00uADMIN1", Reason: "member of protected group 00gADMINS"},
		{Target: "00uOWNER", Reason: "owner of Cordon's Okta API token"},
	}, res.Protected)
	assert.Equal(t, 10, res.DefaultMaxTargets)

	_, err = g.Check(context.Background(), action.GuardRequest{Kind: action.TargetUsers, Targets: []string{"x"}})
	require.NoError(t, err)
	assert.Equal(t, 1, dir.calls, "group members are cached")
}

// A user protected by login is protected by ID, and a group protected by
// name refuses membership changes given its ID.
func TestCheckCanonicalIdentities(t *testing.T) {
	dir := &fakeDir{members: map[string][]string{}}
	g, err := New(Config{Protected: Protected{Users: []string{" BreakGlass@acme.test ", "00uJANE"}, Groups: []string{"IT Admins"}}}, dir)
	require.NoError(t, err)
	res, err := g.Check(context.Background(), action.GuardRequest{Kind: action.TargetUsers,
		Targets: []string{"00uBREAKGLASS", "00uJANE", "00uOTHER"},
		Scopes:  []action.Scope{{Param: action.ParamGroupID, Kind: action.TargetGroups, Values: []string{"00gADMINS"}}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"00uOTHER"}, res.Allowed)
	assert.Len(t, res.Protected, 2)
	assert.Equal(t, "group_id 00gADMINS: protected group IT Admins (00gADMINS): its membership is never changed by automation", res.Refused)

	// An ID in another case is the same identity to the guard.
	res, err = g.Check(context.Background(), action.GuardRequest{Kind: action.TargetUsers, Targets: []string{"00ujane"},
		Scopes: []action.Scope{{Param: action.ParamGroupID, Kind: action.TargetGroups, Values: []string{"00gadmins"}}}})
	require.NoError(t, err)
	assert.Empty(t, res.Allowed)
	assert.NotEmpty(t, res.Refused)

	bad, _ := New(Config{Protected: Protected{Groups: []string{"No Such Group"}}}, dir)
	_, err = bad.Check(context.Background(), action.GuardRequest{Kind: action.TargetUsers, Targets: []string{"00uX"}})
	assert.EqualError(t, err, `protected group "No Such Group" does not exist in the Okta org: fix the guardrails file`)
}

func TestCheckIPv6AndMapped(t *testing.T) {
	g, err := New(Config{Protected: Protected{Networks: []string{"2001:db8::/32"}}}, nil)
	require.NoError(t, err)
	for _, target := range []string{"2001:db8::1", "2001:DB8:0:0::1/128", "2001:db8::-2001:db8::ff", "::ffff:10.1.2.3", "::ffff:10.1.2.3/128"} {
		e, err := action.ParseIPEntry(target)
		require.NoError(t, err, target)
		res, err := g.Check(context.Background(), action.GuardRequest{Kind: action.TargetIPs, Targets: []string{e.String()}})
		require.NoError(t, err)
		assert.Empty(t, res.Allowed, "%s (%s) is protected", target, e)
	}
}

func TestCheckIPs(t *testing.T) {
	off := false
	for _, tc := range []struct {
		name      string
		cfg       Protected
		target    string
		protected string
	}{
		{"public address", Protected{}, "203.0.113.7", ""},
		{"private by default", Protected{}, "10.1.2.3", "inside protected network 10.0.0.0/8"},
		{"loopback cidr", Protected{}, "127.0.0.0/30", "inside protected network 127.0.0.0/8"},
		{"range touching private", Protected{}, "192.167.255.250-192.168.0.2", "inside protected network 192.168.0.0/16"},
		{"defaults off", Protected{DefaultNetworks: &off}, "10.1.2.3", ""},
		{"corporate egress", Protected{Networks: []string{"198.51.100.0/24"}}, "198.51.100.200", "inside protected network 198.51.100.0/24"},
		{"egress as range", Protected{Networks: []string{"198.51.100.10-198.51.100.11"}}, "198.51.100.11", "inside protected network 198.51.100.10/31"},
		{"next to egress", Protected{Networks: []string{"198.51.100.0/24"}}, "198.51.101.0/24", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := New(Config{Protected: tc.cfg}, nil)
			require.NoError(t, err)
			res, err := g.Check(context.Background(), action.GuardRequest{Kind: action.TargetIPs, Targets: []string{tc.target}})
			require.NoError(t, err)
			if tc.protected == "" {
				assert.Equal(t, []string{tc.target}, res.Allowed)
				assert.Empty(t, res.Protected)
				return
			}
			assert.Empty(t, res.Allowed)
			assert.Equal(t, []action.ProtectedEntry{{Target: tc.target, Reason: tc.protected}}, res.Protected)
			assert.Equal(t, DefaultMaxTargets, res.DefaultMaxTargets)
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	require.NoError(t, os.WriteFile(good, []byte("max_targets: 5\nprotected:\n  users: [a@b.c]\n  networks: [198.51.100.0/24]\n"), 0o600))
	c, err := Load(good)
	require.NoError(t, err)
	assert.Equal(t, 5, c.MaxTargets)
	assert.Equal(t, []string{"a@b.c"}, c.Protected.Users)

	typo := filepath.Join(dir, "typo.yaml")
	require.NoError(t, os.WriteFile(typo, []byte("protectd:\n  users: [a]\n"), 0o600))
	_, err = Load(typo)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown field "protectd"`)

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("protected:\n  networks: [300.1.1.1/8]\n"), 0o600))
	_, err = Load(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `protected network "300.1.1.1/8"`)
}

func TestCheckProtectedGroup(t *testing.T) {
	g, err := New(Config{Protected: Protected{Groups: []string{"00gADMINS"}}}, &fakeDir{})
	require.NoError(t, err)
	res, err := g.Check(context.Background(), action.GuardRequest{Kind: action.TargetUsers, Targets: []string{"00uA"}, Group: "00gADMINS"})
	require.NoError(t, err)
	assert.Equal(t, "group_id 00gADMINS: protected group 00gADMINS: its membership is never changed by automation", res.Refused)
	res, err = g.Check(context.Background(), action.GuardRequest{Kind: action.TargetUsers, Targets: []string{"00uA"}, Group: "00gOTHER"})
	require.NoError(t, err)
	assert.Empty(t, res.Refused)
}
