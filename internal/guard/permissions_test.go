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
	assert.NoError(t, p.MayStart("contain-compromised-user", "00u1", "jane@acme.com", []string{"soc analysts"}))
	assert.NoError(t, p.MayStart("offboard-user", "00uLEAD", "lead@acme.com", nil))
	assert.NoError(t, p.MayStart("offboard-user", "webhook:bearer", "", nil))
	assert.EqualError(t, p.MayStart("offboard-user", "00u1", "jane@acme.com", []string{"SOC Analysts"}),
		"jane@acme.com may not start playbook offboard-user: no permissions.start rule names them for it")
	assert.NoError(t, p.MayApprove("00u2", "lead@acme.com", []string{"SOC Leads"}))
	assert.EqualError(t, p.MayApprove("00u1", "jane@acme.com", []string{"SOC Analysts"}),
		"jane@acme.com may not decide approvals: steps without approvers: are decided by the people permissions.approve names")
	assert.NoError(t, Permissions{}.MayStart("anything", "x", "x", nil), "no rules: everyone")
}

func TestPermissionsLoadErrors(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "g.yaml")
	require.NoError(t, os.WriteFile(f, []byte("permissions:\n  start:\n    - playbooks: [\"[\"]\n      users: [a]\n"), 0o600))
	_, err := Load(f)
	assert.ErrorContains(t, err, `permissions.start[0]: bad glob "[": syntax error in pattern`)
	require.NoError(t, os.WriteFile(f, []byte("permissions:\n  start:\n    - playbooks: [a]\n"), 0o600))
	_, err = Load(f)
	assert.ErrorContains(t, err, "permissions.start[0]: name playbooks and users or groups")
}
