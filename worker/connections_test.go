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

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/guard"
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

// worker --dev hosts acme (SSWS) and globex (OAuth service app, DPoP)
// on one simulator and writes a connections file naming them and their
// secret files, never a secret; opened as any connections file, it
// serves default (acme's org), acme and globex, and globex's client gets
// a token from its org's authorization server.
func TestDevConnectionsFile(t *testing.T) {
	t.Setenv("OKTA_ORG_URL", "")
	t.Setenv("OKTA_CLIENT_ORGURL", "")
	t.Setenv("CORDON_SIM_TOKEN", "tok-dev")
	dir := filepath.Join(t.TempDir(), "data")
	orgs, err := startDevOrgs(config{simAddr: "127.0.0.1:0"}, dir, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = orgs.Sims.Close() })
	path, err := writeDevConnections(dir, orgs)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, devConnectionsFile), path)

	g := guard.Config{MaxTargets: 7}
	conns, err := devConnections(path, g, func(string) []string { return []string{"okta.users.read"} })
	require.NoError(t, err)
	assert.Equal(t, []string{"default", "acme", "globex"}, servedNames(conns))
	assert.Equal(t, orgs.Sims.URL(devAcme), conns[0].Okta.OrgURL, "the default connection is acme's org")
	assert.Equal(t, "tok-dev", conns[1].Okta.Token)
	globexCfg := conns[2].Okta
	assert.Equal(t, orgs.Sims.URL(devGlobex), globexCfg.OrgURL)
	require.NotNil(t, globexCfg.OAuth, "globex authenticates with its service app")
	assert.Empty(t, globexCfg.Token)
	assert.Equal(t, 7, conns[2].Guard.MaxTargets)

	oc, err := okta.NewClient(globexCfg)
	require.NoError(t, err)
	users, err := oc.ListUsers(t.Context(), "", 1)
	require.NoError(t, err, "a DPoP-bound token for okta.users.read")
	assert.NotEmpty(t, users)

	body, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(body), "tok-dev", "the file names token files, never tokens")
	assert.NotContains(t, string(body), "PRIVATE KEY")
	assert.Contains(t, string(body), "name: globex\n    org_url: "+orgs.Sims.URL(devGlobex))
	assert.Contains(t, string(body), "private_key_file: globex.key\n      dpop: true")
	for _, f := range []string{devConnectionsFile, "acme.token", "globex.key"} {
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
