package runs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

func TestCheckConnections(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(src), 0o600))
	}
	write("child", "name: child\nconnection: initech\nsteps:\n  - id: find\n    action: okta.get_users\n")
	write("root", "name: root\nconnection: acme\nsteps:\n  - id: find\n    action: okta.get_users\n    connection: globex\n  - id: call\n    playbook: child\n")
	lib := Library{Dir: dir, Registry: action.Okta()}
	pb, err := lib.Resolve("root")
	require.NoError(t, err)

	assert.NoError(t, lib.CheckConnections([]string{"acme", "globex", "initech"}, pb, ""))
	assert.NoError(t, lib.CheckConnections([]string{"acme", "globex", "initech", "default"}, pb, "default"))

	err = lib.CheckConnections([]string{"acme", "default"}, pb, "nowhere")
	var in *InputError
	require.ErrorAs(t, err, &in, "refused as bad input: exit 2, nothing started")
	root, child := filepath.Join(dir, "root.yaml"), filepath.Join(dir, "child.yaml")
	assert.EqualError(t, err, `connection "nowhere" (the run's connection) is not defined; `+
		root+`:6:17: connection "globex" is not defined; `+
		child+`:2:13: connection "initech" is not defined (the connections file defines "acme", "default")`)
}
