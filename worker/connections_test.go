package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestConnectionFlagNarrowsWhatIsServed(t *testing.T) {
	t.Parallel()
	all := []served{{Name: "default"}, {Name: "acme"}, {Name: "globex"}}
	got, err := pick(all, nil, "conns.yaml")
	require.NoError(t, err)
	assert.Equal(t, []string{"default", "acme", "globex"}, servedNames(got))

	got, err = pick(all, names{"globex"}, "conns.yaml")
	require.NoError(t, err)
	assert.Equal(t, []string{"globex"}, servedNames(got), "an MSSP's worker serves its one customer")

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

// The file's own default connection wins over the environment's.
func TestFileDefaultWinsOverEnvironment(t *testing.T) {
	t.Parallel()
	env := &served{Name: "default", Okta: okta.Config{OrgURL: "https://env.okta.com"}}
	file := []served{{Name: "acme"}}
	assert.Equal(t, []string{"default", "acme"}, servedNames(withDefault(file, env, slog.New(slog.DiscardHandler))))
	file = []served{{Name: "default", Okta: okta.Config{OrgURL: "https://file.okta.com"}}}
	got := withDefault(file, env, slog.New(slog.DiscardHandler))
	require.Len(t, got, 1)
	assert.Equal(t, "https://file.okta.com", got[0].Okta.OrgURL)
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
	for _, f := range []string{devConnectionsFile, "acme.token", "globex.token"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
	}
}
