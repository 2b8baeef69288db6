package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The run's connections are checked before anything is dialled: a bad
// name, or one the connections file does not define, exits 2 and starts
// nothing (no Temporal is reachable in this test).
func TestRunConnectionCheckedBeforeStart(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "cross.yaml")
	require.NoError(t, os.WriteFile(pb, []byte("name: cross\nsteps:\n  - id: find\n    action: okta.get_users\n    connection: globex\n"), 0o600))
	conns := filepath.Join(dir, "connections.yaml")
	require.NoError(t, os.WriteFile(conns, []byte("connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth: {type: ssws, token_env: ACME_TOKEN}\n"), 0o600))
	t.Setenv("OKTA_ORG_URL", "")
	t.Setenv("OKTA_API_TOKEN", "")
	t.Setenv("CORDON_CONNECTIONS", "")
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1") // never reached

	code, out, errOut := runCordon(t, "run", pb, "--as", "tester", "--connection", "Not_A_Name")
	require.Equal(t, 2, code, errOut)
	require.Empty(t, out)
	require.Contains(t, errOut, `connection "Not_A_Name" is not a connection name`)

	code, _, errOut = runCordon(t, "run", pb, "--as", "tester", "--connections", conns, "--connection", "initech")
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, `connection "initech" (the run's connection) is not defined; `+pb+`:5:17: connection "globex" is not defined (the connections file defines "acme")`)

	t.Setenv("CORDON_CONNECTIONS", conns)
	code, _, errOut = runCordon(t, "plan", pb, "--as", "tester")
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, `connection "globex" is not defined`, "$CORDON_CONNECTIONS is the default file")
}

func TestListConnectionFlag(t *testing.T) {
	code, out, errOut := runCordon(t, "list", "--connection", "Bad Name")
	require.Equal(t, 2, code)
	require.Empty(t, out)
	require.Contains(t, errOut, `--connection "Bad Name" is not a connection name`)
}
