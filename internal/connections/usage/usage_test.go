package usage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/playbook"
)

const crossOrg = "../../../testdata/playbooks/ok/connections.yaml"

func load(t *testing.T, path string, opts playbook.Options) (*playbook.Playbook, error) {
	t.Helper()
	opts.Registry = action.Okta()
	return playbook.LoadFile(path, opts)
}

func TestStepsAndNeededScopes(t *testing.T) {
	reg := action.Okta()
	p, err := load(t, crossOrg, playbook.Options{})
	require.NoError(t, err)
	var got []string
	for _, s := range Steps(p) {
		got = append(got, s.ID+"@"+s.Connection)
	}
	assert.Equal(t, []string{"find@acme", "find_in_globex@globex", "suspend_in_globex@globex", "suspend_in_acme@acme"}, got)

	lib := []*playbook.Playbook{p}
	suspend := reg.ScopesFor([]string{action.SuspendUsers, action.GetUsers, action.TestConnection})
	assert.Equal(t, suspend, Needed(reg, lib, "acme"))
	assert.Equal(t, suspend, Needed(reg, lib, "globex"))
	assert.Equal(t, suspend, Needed(reg, lib, "initech"), "unpinned steps may run on any connection (--connection)")
	assert.Equal(t, []string{action.ScopeUsersRead}, Needed(reg, nil, "acme"), "the health check alone")

	pinned := &playbook.Playbook{Name: "x", Steps: []*playbook.Step{
		{ID: "a", Kind: playbook.KindAction, Action: action.BlockIPs, Connection: "globex"},
		{ID: "b", Kind: playbook.KindAction, Action: action.GetLogs}}}
	assert.NotContains(t, Needed(reg, []*playbook.Playbook{pinned}, "acme"), action.ScopeZonesManage, "a step pinned elsewhere does not count")
	assert.Contains(t, Needed(reg, []*playbook.Playbook{pinned}, "globex"), action.ScopeZonesManage)
	assert.Contains(t, Needed(reg, []*playbook.Playbook{pinned}, "acme"), action.ScopeLogsRead)
}

func TestLibraryUsesEveryValidPlaybook(t *testing.T) {
	lib := Library("../../../playbooks", action.Okta())
	require.NotEmpty(t, lib)
	needed := Needed(action.Okta(), lib, connections.Default)
	assert.Contains(t, needed, action.ScopeUsersManage)
	assert.Empty(t, Library(filepath.Join(t.TempDir(), "none"), action.Okta()))
}

func TestCheckUnknownConnectionAndMissingScopes(t *testing.T) {
	conns := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(conns, []byte(`connections:
  - name: acme
    org_url: https://acme.okta.com
    auth: {type: ssws, token_env: ACME_TOKEN}
    scopes: [okta.users.read, okta.groups.read, okta.logs.read]
`), 0o600))
	f, err := connections.Load(conns)
	require.NoError(t, err)
	reg := action.Okta()
	_, err = load(t, crossOrg, playbook.Options{Check: func(p *playbook.Playbook) playbook.ErrorList { return Check(p, f, reg) }})
	require.Error(t, err)
	assert.Equal(t, crossOrg+`:13:17: unknown connection "globex": `+conns+` defines "acme" [unknown-connection]
`+crossOrg+`:20:21: unknown connection "globex": `+conns+` defines "acme" [unknown-connection]
`+crossOrg+`:23:9: step "suspend_in_acme" (okta.suspend_users) acts on connection "acme", whose scopes list lacks okta.users.manage: `+
		`add it to the connection's scopes and grant it to the connection's Okta app [oauth-scope]`, err.Error())
}
