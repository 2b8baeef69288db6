package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// noOktaEnv keeps the process environment's Okta settings out of a test.
func noOktaEnv(t *testing.T) {
	for _, k := range []string{"OKTA_ORG_URL", "OKTA_API_TOKEN", "OKTA_API_TOKEN_FILE", "OKTA_CLIENT_ORGURL", "OKTA_CLIENT_TOKEN", connections.EnvFile} {
		t.Setenv(k, "")
	}
}

// ecKeyFile writes a new P-256 private key as PEM and returns it and the path.
func ecKeyFile(t *testing.T, dir, name string) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	return key, p
}

// connFixture is a connections file with an SSWS connection to one
// simulated org and an OAuth+DPoP connection to another, whose service
// app 0oa-globex is granted allowed (default: okta.users.read).
type connFixture struct {
	dir, file string
	sim       *oktasim.Server
	globex    *oktasim.Server
}

func newConnFixture(t *testing.T, allowed []string, extra string) *connFixture {
	t.Helper()
	noOktaEnv(t)
	dir := t.TempDir()
	f := &connFixture{dir: dir, file: filepath.Join(dir, "connections.yaml")}
	f.sim = oktasim.NewTestServer(t, oktasim.Options{Token: "acme-secret-token"})
	key, _ := ecKeyFile(t, dir, "globex.pem")
	if allowed == nil {
		allowed = []string{action.ScopeUsersRead}
	}
	f.globex = oktasim.NewTestServer(t, oktasim.Options{Token: "globex-unused-token", ServiceApps: []oktasim.ServiceApp{{ClientID: "0oa-globex",
		Keys: []jose.JSONWebKey{oktasim.ServiceKey("k1", &key.PublicKey)}, Scopes: allowed, RequireDPoP: true}}})
	t.Setenv("ACME_TOKEN", "acme-secret-token")
	yaml := `connections:
  - name: acme
    org_url: ` + f.sim.URL() + `
    auth: {type: ssws, token_env: ACME_TOKEN}
    health_interval: 5m
  - name: globex
    org_url: ` + f.globex.URL() + `
    auth:
      type: oauth
      client_id: 0oa-globex
      key_id: k1
      private_key_file: globex.pem
      dpop: true
` + extra
	require.NoError(t, os.WriteFile(f.file, []byte(yaml), 0o600))
	return f
}

// crossOrgLibrary is a library with one playbook whose steps act on
// globex: a read, and a suspend that needs okta.users.manage.
func crossOrgLibrary(t *testing.T, dir string) string {
	t.Helper()
	lib := filepath.Join(dir, "playbooks")
	require.NoError(t, os.Mkdir(lib, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(lib, "globex-suspend.yaml"), []byte(`name: globex-suspend
connection: globex
steps:
  - id: find
    action: okta.get_users
    with: {filter: 'status eq "ACTIVE"'}
  - id: suspend
    action: okta.suspend_users
    with:
      user_ids: ${{ jsonpath(steps.find.output, "$[*].id") }}
`), 0o600))
	return lib
}

func TestConnectionsList(t *testing.T) {
	f := newConnFixture(t, nil, "")
	lib := crossOrgLibrary(t, f.dir)
	code, out, errOut := runCordon(t, "connections", "list", "--connections", f.file, "--playbooks", lib)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Regexp(t, `^NAME\s+ORG URL\s+AUTH\s+SCOPES\s+GUARDRAILS\s+HEALTH$`, lines[0])
	assert.Regexp(t, `^acme\s+`+f.sim.URL()+`\s+ssws\s+- \(API token: its owner's admin roles\)\s+-\s+5m0s$`, lines[1])
	want := strings.Join(action.Okta().ScopesFor([]string{action.GetUsers, action.SuspendUsers, action.TestConnection}), " ")
	assert.Regexp(t, `^globex\s+`+f.globex.URL()+`\s+oauth\+dpop\s+`+want+` \(from playbooks\)\s+-\s+worker default$`, lines[2])

	code, out, _ = runCordon(t, "connections", "list", "--json", "--connections", f.file, "--playbooks", lib)
	require.Equal(t, 0, code)
	var views []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &views))
	require.Len(t, views, 2)
	assert.Equal(t, "oauth+dpop", views[1]["auth"])
	assert.Equal(t, "0oa-globex", views[1]["client_id"])

	// The environment alone is the connection "default".
	noOktaEnv(t)
	t.Setenv("OKTA_ORG_URL", f.sim.URL())
	t.Setenv("OKTA_API_TOKEN", "acme-secret-token")
	code, out, _ = runCordon(t, "connections", "list")
	require.Equal(t, 0, code)
	assert.Regexp(t, `(?m)^default\s+`+f.sim.URL()+`\s+ssws`, out)
	assert.NotContains(t, out, "acme-secret-token")
}

func TestConnectionsCheck(t *testing.T) {
	users := action.Okta().ScopesFor([]string{action.GetUsers, action.SuspendUsers, action.TestConnection})
	f := newConnFixture(t, users, "")
	lib := crossOrgLibrary(t, f.dir)
	code, out, errOut := runCordon(t, "connections", "check", "--connections", f.file, "--playbooks", lib)
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "acme (ssws): ok: token of "+oktasim.DemoAdminLogin+"\n")
	assert.Contains(t, out, "globex (oauth+dpop): ok: DPoP token minted; granted "+strings.Join(users, " ")+"\n")
	assert.NotContains(t, out, "acme-secret-token")

	code, out, _ = runCordon(t, "connections", "check", "acme", "--connections", f.file, "--playbooks", lib)
	assert.Equal(t, 0, code)
	assert.NotContains(t, out, "globex")

	code, _, errOut = runCordon(t, "connections", "check", "initech", "--connections", f.file)
	assert.Equal(t, 2, code, "an unknown name is a usage error")
	assert.Contains(t, errOut, `unknown connection "initech": `+f.file+` defines "acme", "globex"`)
}

func TestConnectionsCheckReportsMissingScopesPerStep(t *testing.T) {
	read := action.Okta().ScopesFor([]string{action.GetUsers, action.TestConnection})
	f := newConnFixture(t, read, "")
	lib := crossOrgLibrary(t, f.dir)
	code, out, _ := runCordon(t, "connections", "check", "globex", "--connections", f.file, "--playbooks", lib)
	assert.Equal(t, 1, code, out)
	book := filepath.Join(lib, "globex-suspend.yaml")
	assert.Contains(t, out, "globex (oauth+dpop): MISSING SCOPES: the key works, but Okta refused some requested scopes (asked scope by scope); granted "+strings.Join(read, " ")+"\n")
	assert.Contains(t, out, "  "+book+`:7:5: step "suspend" (okta.suspend_users) needs okta.groups.read, okta.logs.read, okta.users.manage, which the token was not granted`)
	assert.NotContains(t, out, `step "find"`)
}

func TestConnectionsCheckBadCredentials(t *testing.T) {
	f := newConnFixture(t, nil, "")
	require.NoError(t, os.Remove(filepath.Join(f.dir, "globex.pem")))
	t.Setenv("ACME_TOKEN", "wrong-token")
	code, out, _ := runCordon(t, "connections", "check", "--connections", f.file, "--playbooks", f.dir+"/none")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `acme (ssws): FAILED: connection "acme": `)
	assert.NotContains(t, out, "wrong-token")
	assert.Contains(t, out, `globex (oauth+dpop): FAILED: connection "globex": private_key_file: `+filepath.Join(f.dir, "globex.pem")+" does not exist\n")

	// A key that is not the registered one.
	ecKeyFile(t, f.dir, "globex.pem")
	code, out, _ = runCordon(t, "connections", "check", "globex", "--connections", f.file, "--playbooks", f.dir+"/none")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `globex (oauth+dpop): FAILED: connection "globex": okta: OAuth token for client 0oa-globex from `+f.globex.URL()+
		`/oauth2/v1/token: HTTP 401 invalid_client: The client_assertion signature is invalid (the client id is unknown to this org, or the private key does not match the public key registered on the app (kid "k1")`)

	code, _, errOut := runCordon(t, "connections", "check")
	assert.Equal(t, 2, code, "no connections at all")
	assert.Contains(t, errOut, "no connections")
	code, _, _ = runCordon(t, "connections", "remove", "--connections", f.file)
	assert.Equal(t, 2, code)
}

func TestValidateChecksConnections(t *testing.T) {
	f := newConnFixture(t, nil, "    scopes: [okta.users.read, okta.groups.read, okta.logs.read]\n")
	lib := crossOrgLibrary(t, f.dir)
	book := filepath.Join(lib, "globex-suspend.yaml")
	code, out, _ := runCordon(t, "validate", "--connections", f.file, book)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, book+`:7:5: step "suspend" (okta.suspend_users) acts on connection "globex", whose scopes list lacks okta.users.manage: `+
		`add it to the connection's scopes and grant it to the connection's Okta app [oauth-scope]`)

	other := filepath.Join(f.dir, "initech.yaml")
	require.NoError(t, os.WriteFile(other, []byte("name: initech\nconnection: initech\nsteps:\n  - id: s\n    action: okta.get_users\n"), 0o600))
	t.Setenv(connections.EnvFile, f.file)
	code, out, _ = runCordon(t, "validate", "--output", "json", other)
	assert.Equal(t, 1, code, "$CORDON_CONNECTIONS names the file")
	assert.Contains(t, out, `"message": "unknown connection \"initech\": `+f.file+` defines \"acme\", \"globex\""`)
	assert.Contains(t, out, `"line": 2,`)

	code, out, _ = runCordon(t, "validate", "--connections", "", other)
	assert.Equal(t, 0, code, "no connections file: names are not checked: %s", out)

	bad := filepath.Join(f.dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("connections:\n  - name: x\n    org: y\n"), 0o600))
	code, out, _ = runCordon(t, "validate", "--connections", bad, other)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, bad+`:3:5: unknown field "org"`)
}

// TestConnectionsCheckOAuthAgainstTheSimulator checks an OAuth+DPoP
// connection against the simulated org's own token endpoint
// (oktasim.ServiceApp): with every scope granted the check passes; with
// the app granted reads only, the suspend step is reported.
func TestConnectionsCheckOAuthAgainstTheSimulator(t *testing.T) {
	noOktaEnv(t)
	reg := action.Okta()
	for _, tc := range []struct {
		name    string
		granted []string
		code    int
		want    string
	}{
		{"all granted", reg.ScopesFor([]string{action.GetUsers, action.SuspendUsers, action.TestConnection}), 0, "initech (oauth+dpop): ok: DPoP token minted; granted "},
		{"reads only", reg.ScopesFor([]string{action.GetUsers, action.TestConnection}), 1, `step "suspend" (okta.suspend_users) needs okta.groups.read, okta.logs.read, okta.users.manage, which the token was not granted`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key, keyFile := ecKeyFile(t, dir, "initech.pem")
			sim := oktasim.NewTestServer(t, oktasim.Options{ServiceApps: []oktasim.ServiceApp{{ClientID: "0oa-initech",
				Keys: []jose.JSONWebKey{oktasim.ServiceKey("k1", &key.PublicKey)}, Scopes: tc.granted, RequireDPoP: true}}})
			file := filepath.Join(dir, "connections.yaml")
			require.NoError(t, os.WriteFile(file, []byte(`connections:
  - name: initech
    org_url: `+sim.URL()+`
    auth: {type: oauth, client_id: 0oa-initech, key_id: k1, private_key_file: `+keyFile+`, dpop: true}
`), 0o600))
			lib := filepath.Join(dir, "playbooks")
			require.NoError(t, os.Mkdir(lib, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(lib, "suspend.yaml"), []byte(`name: suspend
connection: initech
steps:
  - id: find
    action: okta.get_users
  - id: suspend
    action: okta.suspend_users
    with:
      user_ids: ${{ jsonpath(steps.find.output, "$[*].id") }}
`), 0o600))
			code, out, errOut := runCordon(t, "connections", "check", "--connections", file, "--playbooks", lib)
			assert.Equal(t, tc.code, code, out+errOut)
			assert.Contains(t, out, tc.want)
		})
	}
}
