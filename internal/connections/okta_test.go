package connections

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/activities/okta"
)

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvIsTheDefaultConnection(t *testing.T) {
	f, err := FromEnv(envMap(map[string]string{okta.EnvOrgURL: "https://acme.okta.com", okta.EnvAPIToken: "00secret-token"}))
	require.NoError(t, err)
	assert.Equal(t, []string{Default}, f.Names())
	c, _ := f.Lookup(Default)
	assert.Equal(t, "https://acme.okta.com", c.OrgURL)
	assert.Equal(t, Auth{Type: AuthSSWS, TokenEnv: okta.EnvAPIToken}, c.Auth)
	assert.True(t, c.FromEnvironment())
	cfg, err := c.OktaConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, "00secret-token", cfg.Token)

	sdk, err := FromEnv(envMap(map[string]string{okta.EnvSDKOrgURL: "https://acme.okta.com", okta.EnvSDKToken: "t"}))
	require.NoError(t, err)
	assert.Equal(t, okta.EnvSDKToken, sdk.Connections[0].Auth.TokenEnv, "Okta's SDK names keep working")

	_, err = FromEnv(envMap(nil))
	require.ErrorIs(t, err, okta.ErrNoCredentials)
}

func TestOpenAddsTheEnvironmentDefault(t *testing.T) {
	path := writeFile(t, "c.yaml", goodFile)
	env := envMap(map[string]string{okta.EnvOrgURL: "https://dev.okta.com", okta.EnvAPIToken: "t", EnvFile: path})
	f, err := Open("", env)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "globex", Default}, f.Names(), "CORDON_CONNECTIONS names the file")

	f, err = Open(path, envMap(nil))
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "globex"}, f.Names(), "no environment: the file alone")

	_, err = Open(path, envMap(map[string]string{okta.EnvOrgURL: "ftp://dev", okta.EnvAPIToken: "t"}))
	require.Error(t, err, "a broken environment is reported")
	assert.NotContains(t, err.Error(), "\"t\"")
}

func pemFile(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return p
}

func oauthConn(key string) Connection {
	return Connection{Name: "globex", OrgURL: "https://globex.okta.com",
		Auth: Auth{Type: AuthOAuth, ClientID: "0oa1", KeyID: "k1", PrivateKeyFile: key}}
}

func TestOktaConfigReadsKeys(t *testing.T) {
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	jwk, _ := json.Marshal(jose.JSONWebKey{Key: ecKey, KeyID: "k1"})
	jwkPath := filepath.Join(dir, "key.jwk")
	require.NoError(t, os.WriteFile(jwkPath, jwk, 0o600))
	for name, path := range map[string]string{
		"pkcs8": pemFile(t, dir, "k8.pem", "PRIVATE KEY", pkcs8),
		"pkcs1": pemFile(t, dir, "k1.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)),
		"sec1":  pemFile(t, dir, "ec.pem", "EC PRIVATE KEY", sec1),
		"jwk":   jwkPath,
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := oauthConn(path).OktaConfig([]string{"okta.users.read", "okta.logs.read"})
			require.NoError(t, err)
			require.NotNil(t, cfg.OAuth)
			assert.NotNil(t, cfg.OAuth.PrivateKey)
			assert.Equal(t, []string{"okta.logs.read", "okta.users.read"}, cfg.OAuth.Scopes)
			assert.Nil(t, cfg.OAuth.DPoPKey)
			assert.False(t, cfg.OAuth.DPoP)
		})
	}

	c := oauthConn(pemFile(t, dir, "k.pem", "PRIVATE KEY", pkcs8))
	c.Auth.DPoP = true
	c.Scopes = []string{"okta.users.manage"}
	cfg, err := c.OktaConfig([]string{"okta.users.read"})
	require.NoError(t, err)
	assert.True(t, cfg.OAuth.DPoP)
	assert.Nil(t, cfg.OAuth.DPoPKey, "dpop without a key file: the client generates a key")
	assert.Equal(t, []string{"okta.users.manage"}, cfg.OAuth.Scopes, "the connection's own scopes win")

	c.Auth.DPoPKeyFile = pemFile(t, dir, "d.pem", "EC PRIVATE KEY", sec1)
	cfg, err = c.OktaConfig(nil)
	require.NoError(t, err)
	assert.True(t, ecKey.PublicKey.Equal(cfg.OAuth.DPoPKey.Public()), "the DPoP key file is read")

	// A key Okta's client cannot sign with is refused when read.
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	c.Auth.DPoPKeyFile = pemFile(t, dir, "small.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small))
	_, err = c.OktaConfig(nil)
	assert.ErrorContains(t, err, `connection "globex": dpop_key_file: `+c.Auth.DPoPKeyFile+" is not a usable private key: ")
}

func TestOktaConfigSSWS(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "tok")
	require.NoError(t, os.WriteFile(tok, []byte("00abc-secret\n"), 0o600))
	c := Connection{Name: "acme", OrgURL: "https://acme.okta.com", RateShare: 0.25, Auth: Auth{Type: AuthSSWS, TokenFile: tok}}
	cfg, err := c.OktaConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, "00abc-secret", cfg.Token)
	assert.Equal(t, okta.SchemeSSWS, cfg.AuthScheme)
	assert.InDelta(t, 0.75, cfg.RateReserve, 1e-9)

	t.Setenv("CORDON_TEST_TOKEN", "00env-secret")
	c.Auth = Auth{Type: AuthSSWS, TokenEnv: "CORDON_TEST_TOKEN"}
	c.RateShare = 1
	cfg, err = c.OktaConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, "00env-secret", cfg.Token)
	assert.Negative(t, cfg.RateReserve, "a share of 1 keeps no reserve")
}

// TestOktaConfigErrorsNameTheConnectionNotTheSecret checks each bad
// credential's message: it names the connection and the fix, and never
// holds the file's contents.
func TestOktaConfigErrorsNameTheConnectionNotTheSecret(t *testing.T) {
	dir := t.TempDir()
	const secret = "SECRET-MATERIAL-4242"
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), mode))
		return p
	}
	notKey := write("notkey.pem", "-----BEGIN PRIVATE KEY-----\n"+secret+"\n-----END PRIVATE KEY-----\n", 0o600)
	badJWK := write("bad.jwk", `{"kty":"RSA","n":"`+secret+`"}`, 0o600)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := json.Marshal(jose.JSONWebKey{Key: &ecKey.PublicKey})
	public := write("public.jwk", string(pub), 0o600)
	empty := write("empty.token", "\n", 0o600)
	unreadable := write("unreadable.pem", secret, 0o000)
	missing := filepath.Join(dir, "missing.pem")

	ssws := func(file string) Connection {
		return Connection{Name: "acme", OrgURL: "https://acme.okta.com", Auth: Auth{Type: AuthSSWS, TokenFile: file}}
	}
	cases := []struct {
		c    Connection
		want string
	}{
		{oauthConn(missing), `connection "globex": private_key_file: ` + missing + ` does not exist`},
		{oauthConn(notKey), `connection "globex": private_key_file: ` + notKey + ` is not a usable private key: `},
		{oauthConn(badJWK), `connection "globex": private_key_file: ` + badJWK + ` is not a usable private key: `},
		{oauthConn(public), `connection "globex": private_key_file: ` + public + ` is not a usable private key: `},
		{ssws(empty), `connection "acme": token_file ` + empty + ` is empty: write the org's API token in it`},
		{ssws(missing), `connection "acme": token_file: ` + missing + ` does not exist`},
		{Connection{Name: "acme", OrgURL: "https://acme.okta.com", Auth: Auth{Type: AuthSSWS, TokenEnv: "CORDON_TEST_UNSET_TOKEN"}},
			`connection "acme": environment variable CORDON_TEST_UNSET_TOKEN (token_env) is not set or empty`},
	}
	if os.Geteuid() != 0 { // root reads any file
		cases = append(cases, struct {
			c    Connection
			want string
		}{oauthConn(unreadable), `connection "globex": private_key_file: ` + unreadable + ` is not readable by this process (permission denied)`})
	}
	for _, c := range cases {
		_, err := c.c.OktaConfig([]string{"okta.users.read"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), c.want)
		assert.NotContains(t, err.Error(), secret)
	}

	_, err := oauthConn(notKey).OktaConfig(nil)
	assert.EqualError(t, err, `connection "globex": no OAuth scopes to request: no playbook uses the connection and it lists no scopes: add scopes: to it`)
}
