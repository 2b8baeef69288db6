package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestConnectionFlagNarrowsWhatIsServed(t *testing.T) {
	t.Parallel()
	all := []string{"default", "acme", "globex"}
	got, err := pick(all, nil, "conns.yaml")
	require.NoError(t, err)
	assert.Equal(t, all, got)

	got, err = pick(all, names{"globex"}, "conns.yaml")
	require.NoError(t, err)
	assert.Equal(t, []string{"globex"}, got, "an MSSP's worker serves its one customer")

	_, err = pick(all, names{"initech"}, "conns.yaml")
	require.EqualError(t, err, "--connection initech: no such connection (known: default, acme, globex) in conns.yaml or the OKTA_* environment")
}

func TestConnectionFlagValues(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"--connection", "acme", "--connection", "globex", "--connection", "acme"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, names{"acme", "globex"}, cfg.connections)

	var stderr bytes.Buffer
	_, err = parseFlags([]string{"--connection", "Acme Corp"}, &stderr)
	require.Error(t, err)
	assert.Contains(t, stderr.String(), `"Acme Corp" is not a connection name`)
}

func TestNextPort(t *testing.T) {
	t.Parallel()
	got, err := nextPort("127.0.0.1:8089")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8090", got)
	got, err = nextPort("127.0.0.1:0")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:0", got, "any free port stays any free port")
	_, err = nextPort("localhost")
	assert.Error(t, err)
}

// worker --dev writes a connections file naming its two orgs and their
// token files, never the tokens, and serves default (acme's org), acme
// and globex.
func TestDevConnectionsFile(t *testing.T) {
	t.Parallel()
	var orgs []devOrg
	for _, name := range []string{devAcme, devGlobex} {
		sim, err := oktasim.Start("127.0.0.1:0", oktasim.Options{Token: "tok-" + name, Seed: oktasim.SeedEmpty})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sim.Close() })
		orgs = append(orgs, devOrg{Name: name, Sim: sim, Token: "tok-" + name})
	}
	dir := t.TempDir()
	g := guard.Config{MaxTargets: 7}
	path, conns, err := devConnections(dir, orgs, g)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, devConnectionsFile), path)
	assert.Equal(t, []string{"default", "acme", "globex"}, servedNames(conns))
	assert.Equal(t, orgs[0].Sim.URL(), conns[0].Okta.OrgURL, "the default connection is acme's org")
	assert.Equal(t, orgs[1].Sim.URL(), conns[2].Okta.OrgURL)
	assert.Equal(t, "tok-globex", conns[2].Okta.Token)
	assert.Equal(t, 7, conns[2].Guard.MaxTargets)

	body, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(body), "tok-", "the file names token files, never tokens")
	assert.Contains(t, string(body), "name: globex\n    org_url: "+orgs[1].Sim.URL())
	assert.Contains(t, string(body), "token_file: globex.token")
	tok, err := os.ReadFile(filepath.Join(dir, "globex.token"))
	require.NoError(t, err)
	assert.Equal(t, "tok-globex\n", string(tok))
	// It is a connections file like any other: `cordon connections list`
	// and a worker's --connections read it.
	f, err := connections.Load(path)
	require.NoError(t, err)
	c, ok := f.Lookup(devGlobex)
	require.True(t, ok)
	oc, err := c.OktaConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, orgs[1].Sim.URL(), oc.OrgURL)
	assert.Equal(t, "tok-globex", oc.Token)
	for _, f := range []string{devConnectionsFile, "acme.token", "globex.token"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
	}
}

// A worker started with --connection serves only the connections named,
// and opens only theirs: an MSSP's worker for one customer runs with that
// customer's token file alone, and the others' are never read.
func TestConnectionsFileServedByName(t *testing.T) {
	t.Setenv("OKTA_ORG_URL", "")
	t.Setenv("OKTA_CLIENT_ORGURL", "")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "acme.token"), []byte("acme-secret-token\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "acme-guardrails.yaml"), []byte("max_targets: 9\n"), 0o600))
	file := filepath.Join(dir, "connections.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`connections:
  - name: acme
    org_url: https://acme.okta.com
    auth: {type: ssws, token_file: acme.token}
    guardrails: acme-guardrails.yaml
    rate_share: 0.5
    health_interval: 2m
  - name: globex
    org_url: https://globex.okta.com
    auth: {type: ssws, token_file: globex.token}
`), 0o600))
	logger := slog.New(slog.DiscardHandler)

	cfg, err := parseFlags([]string{"--connections", file, "--connection", "acme"}, &bytes.Buffer{})
	require.NoError(t, err)
	conns, err := connectionsToServe(cfg, nil, guard.Config{}, logger)
	require.NoError(t, err)
	require.Len(t, conns, 1)
	acme := conns[0]
	assert.Equal(t, "acme", acme.Name)
	assert.Equal(t, "https://acme.okta.com", acme.Okta.OrgURL)
	assert.Equal(t, "acme-secret-token", acme.Okta.Token)
	assert.InDelta(t, 0.5, acme.Okta.RateReserve, 1e-9, "a rate share of 0.5 leaves half of each window to others")
	assert.Equal(t, 9, acme.Guard.MaxTargets, "the connection's own guardrails")
	assert.Equal(t, 2*time.Minute, acme.HealthInterval)

	cfg, err = parseFlags([]string{"--connections", file}, &bytes.Buffer{})
	require.NoError(t, err)
	_, err = connectionsToServe(cfg, nil, guard.Config{}, logger)
	require.Error(t, err, "globex's token file is missing")
	assert.Contains(t, err.Error(), "globex")
	assert.NotContains(t, err.Error(), "acme-secret-token")
}
