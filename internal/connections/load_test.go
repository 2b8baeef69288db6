package connections

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFile writes content to name in a fresh directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

const goodFile = `connections:
  - name: acme
    org_url: https://acme.okta.com
    auth:
      type: ssws
      token_file: secrets/acme.token
    guardrails: acme-guardrails.yaml
    rate_share: 0.5
    health_interval: 5m
  - name: globex
    org_url: https://globex.okta.com
    api_version: v1
    auth:
      type: oauth
      client_id: 0oa1b2c3d4e5f6g7h8i9
      key_id: cordon-2026
      private_key_file: /etc/cordon/globex.pem
      dpop: true
    scopes: [okta.users.read, okta.users.manage]
`

func TestLoadGoodFile(t *testing.T) {
	path := writeFile(t, "connections.yaml", goodFile)
	dir := filepath.Dir(path)
	f, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "globex"}, f.Names())
	acme, ok := f.Lookup("acme")
	require.True(t, ok)
	assert.Equal(t, filepath.Join(dir, "secrets/acme.token"), acme.Auth.TokenFile, "relative to the file's directory")
	assert.Equal(t, filepath.Join(dir, "acme-guardrails.yaml"), acme.Guardrails)
	assert.Equal(t, 5*time.Minute, acme.HealthInterval)
	assert.Equal(t, 0.5, acme.RateShare)
	assert.Equal(t, "ssws", acme.AuthLabel())
	globex, _ := f.Lookup("globex")
	assert.Equal(t, "/etc/cordon/globex.pem", globex.Auth.PrivateKeyFile, "absolute paths stay")
	assert.Equal(t, "oauth+dpop", globex.AuthLabel())
	assert.Equal(t, []string{"okta.users.read", "okta.users.manage"}, globex.Scopes)
	_, ok = f.Lookup("initech")
	assert.False(t, ok)
	assert.EqualError(t, f.UnknownError("initech"), `unknown connection "initech": `+path+` defines "acme", "globex"`)
}

func TestLoadErrorsHavePositions(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown top key", "connection:\n  - name: a\n", `1:1: unknown field "connection"`},
		{"unknown key", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    token: x\n    auth: {type: ssws, token_env: T}\n", `4:5: unknown field "token"`},
		{"unknown auth key", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth:\n      type: ssws\n      token_env: T\n      secret: x\n", `7:7: unknown field "secret"`},
		{"duplicate key", "connections:\n  - name: acme\n    name: b\n", `3:5: mapping key "name" already defined at [2:5]`},
		{"bad duration", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    health_interval: soon\n    auth: {type: ssws, token_env: T}\n", `4:22: health_interval "soon": want a duration`},
		{"empty", "connections: []\n", `1:1: no connections`},
		{"bad name", "connections:\n  - name: Acme_Prod\n    org_url: https://acme.okta.com\n    auth: {type: ssws, token_env: T}\n", `2:11: connection name "Acme_Prod": want lower-case letters`},
		{"duplicate name", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth: {type: ssws, token_env: T}\n  - name: acme\n    org_url: https://acme2.okta.com\n    auth: {type: ssws, token_env: T}\n", `5:11: connection "acme" is also defined as connection 1: names must be unique`},
		{"http org", "connections:\n  - name: acme\n    org_url: http://acme.okta.com\n    auth: {type: ssws, token_env: T}\n", `3:14: connection "acme": org URL "http://acme.okta.com" must use https`},
		{"no org", "connections:\n  - name: acme\n    auth: {type: ssws, token_env: T}\n", `2:5: connection "acme" has no org_url`},
		{"ssws both", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth:\n      type: ssws\n      token_env: T\n      token_file: t\n", `5:7: connection "acme": auth type ssws needs exactly one of token_file and token_env`},
		{"ssws neither", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth:\n      type: ssws\n", `5:7: connection "acme": auth type ssws needs exactly one of token_file and token_env`},
		{"ssws with oauth key", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth:\n      type: ssws\n      token_env: T\n      client_id: x\n", `7:18: connection "acme": client_id is for auth type oauth, not ssws`},
		{"oauth missing", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth:\n      type: oauth\n      client_id: x\n", `5:7: connection "acme": auth type oauth needs key_id`},
		{"dpop key without dpop", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth:\n      type: oauth\n      client_id: x\n      key_id: k\n      private_key_file: k.pem\n      dpop_key_file: d.pem\n", `9:22: connection "acme": dpop_key_file needs dpop: true`},
		{"bad type", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    auth: {type: basic}\n", `4:18: connection "acme": auth type "basic": want ssws or oauth`},
		{"bad share", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    rate_share: 1.5\n    auth: {type: ssws, token_env: T}\n", `4:17: connection "acme": rate_share 1.5`},
		{"bad scope", "connections:\n  - name: acme\n    org_url: https://acme.okta.com\n    scopes: [users.read]\n    auth: {type: ssws, token_env: T}\n", `4:14: connection "acme": scope "users.read" is not an Okta scope`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", c.yaml)
			f, err := Load(path)
			require.Error(t, err)
			assert.Nil(t, f)
			var list ErrorList
			require.ErrorAs(t, err, &list)
			assert.Contains(t, err.Error(), path+":"+c.want)
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connections file: open ")
}
