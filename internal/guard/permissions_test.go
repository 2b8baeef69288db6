package guard

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPermissions(t *testing.T) {
	p := Permissions{
		Start: []StartRule{
			{Playbooks: []string{"contain-*"}, Who: Who{Groups: []string{"SOC Analysts"}}},
			{Playbooks: []string{"*"}, Who: Who{Users: []string{"00uLEAD", "webhook:*"}}},
		},
		Approve: &Who{Groups: []string{"SOC Leads"}},
	}
	assert.NoError(t, p.MayStart("contain-compromised-user", nil, "00u1", "jane@acme.com", []string{"soc analysts"}))
	assert.NoError(t, p.MayStart("offboard-user", nil, "00uLEAD", "lead@acme.com", nil))
	assert.NoError(t, p.MayStart("offboard-user", nil, "webhook:bearer", "", nil))
	assert.EqualError(t, p.MayStart("offboard-user", []string{"default"}, "00u1", "jane@acme.com", []string{"SOC Analysts"}),
		"jane@acme.com may not start playbook offboard-user: no permissions.start rule names them for it")
	assert.NoError(t, p.MayApprove("00u2", "lead@acme.com", []string{"SOC Leads"}))
	assert.EqualError(t, p.MayApprove("00u1", "jane@acme.com", []string{"SOC Analysts"}),
		"jane@acme.com may not decide approvals: steps without approvers: are decided by the people permissions.approve names")
	assert.NoError(t, Permissions{}.MayStart("anything", []string{"globex"}, "x", "x", nil), "no rules: everyone")
}

// A rule's connections: narrows it to those connections; a run is allowed
// only when each connection it may act on is covered for the person.
func TestPermissionsPerConnection(t *testing.T) {
	p := Permissions{Start: []StartRule{
		{Playbooks: []string{"*"}, Connections: []string{"acme-*"}, Who: Who{Groups: []string{"Preview SOC"}}},
		{Playbooks: []string{"contain-*"}, Connections: []string{"globex"}, Who: Who{Users: []string{"*@globex.com"}}},
		{Playbooks: []string{"*"}, Who: Who{Users: []string{"00uLEAD"}}},
	}}
	assert.NoError(t, p.MayStart("offboard-user", []string{"acme-preview"}, "00u1", "jane@acme.com", []string{"Preview SOC"}))
	assert.EqualError(t, p.MayStart("offboard-user", []string{"acme-preview", "globex"}, "00u1", "jane@acme.com", []string{"Preview SOC"}),
		"jane@acme.com may not start playbook offboard-user on connection globex: no permissions.start rule names them for it there")
	assert.EqualError(t, p.MayStart("offboard-user", []string{"default"}, "00u1", "jane@acme.com", []string{"Preview SOC"}),
		"jane@acme.com may not start playbook offboard-user on connection default: no permissions.start rule names them for it there")
	assert.NoError(t, p.MayStart("contain-user", []string{"globex"}, "00u9", "bo@globex.com", nil))
	assert.EqualError(t, p.MayStart("offboard-user", []string{"globex"}, "00u9", "bo@globex.com", nil),
		"bo@globex.com may not start playbook offboard-user: no permissions.start rule names them for it")
	assert.NoError(t, p.MayStart("offboard-user", []string{"acme-preview", "default", "globex"}, "00uLEAD", "lead@acme.com", nil), "a rule without connections: covers every one")
	assert.NoError(t, p.MayStart("offboard-user", nil, "00u1", "jane@acme.com", []string{"Preview SOC"}), "no connections: the playbook on some connection")
}

func TestPermissionsLoadErrors(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "g.yaml")
	require.NoError(t, os.WriteFile(f, []byte("permissions:\n  start:\n    - playbooks: [\"[\"]\n      users: [a]\n"), 0o600))
	_, err := Load(f)
	assert.ErrorContains(t, err, `permissions.start[0]: bad glob "[": syntax error in pattern`)
	require.NoError(t, os.WriteFile(f, []byte("permissions:\n  start:\n    - playbooks: [a]\n      connections: [\"acme-[\"]\n      users: [a]\n"), 0o600))
	_, err = Load(f)
	assert.ErrorContains(t, err, `permissions.start[0]: bad glob "acme-[": syntax error in pattern`)
	require.NoError(t, os.WriteFile(f, []byte("permissions:\n  approve:\n    users: [\"lead-[\"]\n"), 0o600))
	_, err = Load(f)
	assert.ErrorContains(t, err, `permissions.approve: bad glob "lead-[": syntax error in pattern`, "a typo is an error at load, not a rule that matches nobody")
	require.NoError(t, os.WriteFile(f, []byte("permissions:\n  start:\n    - playbooks: [a]\n"), 0o600))
	_, err = Load(f)
	assert.ErrorContains(t, err, "permissions.start[0]: name playbooks and users or groups")
}
