package workflows

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// permissions.start is checked against every connection a run may act on:
// the run's own, a step's connection:, and those of the library playbooks
// it calls, so naming another org in a step or a child gains nothing.
func TestRunConnections(t *testing.T) {
	load := func(src string) *playbook.Playbook {
		pb, err := playbook.Load("p.yaml", []byte(src), playbook.Options{Registry: action.Okta()})
		require.NoError(t, err)
		return pb
	}
	root := load(`name: root
steps:
  - id: find
    action: okta.get_users
    with: {filter: 'status eq "ACTIVE"'}
  - id: other
    action: okta.get_users
    connection: globex
    with: {filter: 'status eq "ACTIVE"'}
`)
	child := load(`name: child
connection: initech
steps:
  - id: find
    action: okta.get_users
    with: {filter: 'status eq "ACTIVE"'}
`)
	assert.Equal(t, []string{"default", "globex"}, playbook.RunConnections(root, ""))
	assert.Equal(t, []string{"acme", "globex"}, playbook.RunConnections(root, "acme"))
	assert.Equal(t, []string{"default", "globex", "initech"}, playbook.RunConnections(root, "", child))
}
