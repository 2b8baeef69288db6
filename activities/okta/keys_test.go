package okta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
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
)

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	rk := testRSAKey(t)
	ek := testECKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	pkcs8RSA, err := x509.MarshalPKCS8PrivateKey(rk)
	require.NoError(t, err)
	sec1, err := x509.MarshalECPrivateKey(ek)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(rk.Public())
	require.NoError(t, err)
	jwk, err := json.Marshal(jose.JSONWebKey{Key: ek, KeyID: "k1"})
	require.NoError(t, err)
	pubJWK, err := json.Marshal(jose.JSONWebKey{Key: ek.Public()})
	require.NoError(t, err)
	p384DER, err := x509.MarshalECPrivateKey(p384)
	require.NoError(t, err)
	ecParams := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"

	ok := []struct {
		name string
		in   []byte
		want any
	}{
		{"PKCS#8 RSA", pemOf("PRIVATE KEY", pkcs8RSA), rk},
		{"PKCS#1 RSA", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), rk},
		{"SEC 1 EC after EC PARAMETERS", append([]byte(ecParams), pemOf("EC PRIVATE KEY", sec1)...), ek},
		{"JWK", jwk, ek},
		{"JWK Set of one", []byte(`{"keys":[` + string(jwk) + `]}`), ek},
		{"P-384", pemOf("EC PRIVATE KEY", p384DER), p384},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePrivateKey(tc.in)
			require.NoError(t, err)
			assert.True(t, tc.want.(interface {
				Equal(x crypto.PrivateKey) bool
			}).Equal(k))
		})
	}
	bad := []struct {
		name, in, wantErr string
	}{
		{"empty", "  \n", "okta: private key is empty"},
		{"garbage", "not a key", "okta: private key is neither PEM (-----BEGIN ... PRIVATE KEY-----) nor a JWK"},
		{"public PEM", string(pemOf("PUBLIC KEY", pubDER)), `okta: found a PEM "PUBLIC KEY" block: want the private key, not the public key registered in Okta`},
		{"public JWK", string(pubJWK), `okta: the JWK is a public key: want the private key (with its "d" member)`},
		{"encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "okta: private key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)"},
		{"two keys", `{"keys":[{},{}]}`, "okta: JWK Set holds 2 keys: want exactly one private key"},
		{"corrupt PKCS#8", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "okta: PKCS#8 private key: "},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePrivateKey([]byte(tc.in))
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tc.wantErr), err.Error())
		})
	}
}

func TestConfigFromEnvOAuth(t *testing.T) {
	t.Parallel()
	ek := testECKey(t)
	der, err := x509.MarshalPKCS8PrivateKey(ek)
	require.NoError(t, err)
	keyPEM := string(pemOf("PRIVATE KEY", der))
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(keyFile, []byte(keyPEM), 0o600))
	badFile := filepath.Join(dir, "bad.pem")
	require.NoError(t, os.WriteFile(badFile, []byte("SECRET-NOT-A-KEY"), 0o600))
	base := func(kv ...string) map[string]string {
		m := map[string]string{EnvSDKOrgURL: "https://acme.okta.com", EnvSDKAuthMode: "PrivateKey",
			EnvSDKClientID: "0oa1", EnvSDKPrivateKeyID: "kid-1"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name       string
		env        map[string]string
		wantScopes []string
		wantDPoP   bool
		wantErr    string
	}{
		{name: "PEM text with escaped newlines, comma scopes", env: base(EnvSDKPrivateKey, strings.ReplaceAll(keyPEM, "\n", `\n`),
			EnvSDKScopes, "okta.users.read,okta.groups.manage"), wantScopes: []string{"okta.users.read", "okta.groups.manage"}},
		{name: "key file, space scopes, DPoP", env: base(EnvPrivateKeyFile, keyFile, EnvSDKScopes, "okta.users.read okta.logs.read", EnvDPoP, "true"),
			wantScopes: []string{"okta.users.read", "okta.logs.read"}, wantDPoP: true},
		{name: "DPoP key file implies DPoP", env: base(EnvPrivateKeyFile, keyFile, EnvDPoPKeyFile, keyFile), wantDPoP: true},
		{name: "no client id", env: base(EnvSDKClientID, "", EnvSDKPrivateKey, keyPEM),
			wantErr: "okta: OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey needs OKTA_CLIENT_CLIENTID (the API Services app's client id)"},
		{name: "no key", env: base(), wantErr: "okta: OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey needs OKTA_CLIENT_PRIVATEKEY or OKTA_PRIVATE_KEY_FILE"},
		{name: "unreadable key file", env: base(EnvPrivateKeyFile, filepath.Join(dir, "missing.pem")),
			wantErr: "OKTA_PRIVATE_KEY_FILE: okta: reading the private key: open " + filepath.Join(dir, "missing.pem") + ": no such file or directory"},
		{name: "not a key", env: base(EnvPrivateKeyFile, badFile),
			wantErr: "OKTA_PRIVATE_KEY_FILE: " + badFile + ": okta: private key is neither PEM (-----BEGIN ... PRIVATE KEY-----) nor a JWK"},
		{name: "bad DPoP flag", env: base(EnvPrivateKeyFile, keyFile, EnvDPoP, "sometimes"), wantErr: `okta: OKTA_CLIENT_DPOP="sometimes": want true or false`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				assert.NotContains(t, err.Error(), "SECRET-NOT-A-KEY")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, cfg.OAuth)
			assert.Empty(t, cfg.Token)
			assert.Equal(t, "0oa1", cfg.OAuth.ClientID)
			assert.Equal(t, "kid-1", cfg.OAuth.KeyID)
			assert.True(t, ek.Equal(cfg.OAuth.PrivateKey))
			assert.ElementsMatch(t, tc.wantScopes, cfg.OAuth.Scopes)
			assert.Equal(t, tc.wantDPoP, cfg.OAuth.DPoP)
		})
	}
}

func TestConfigFromEnvSDKModes(t *testing.T) {
	t.Parallel()
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{EnvSDKOrgURL: "https://acme.okta.com", EnvSDKToken: secret, EnvSDKAuthMode: "Bearer"}[k]
	})
	require.NoError(t, err)
	assert.Equal(t, SchemeBearer, cfg.AuthScheme)
	assert.Nil(t, cfg.OAuth)
}

func TestNilKeysRefused(t *testing.T) {
	t.Parallel()
	for _, k := range []crypto.Signer{nil, (*rsa.PrivateKey)(nil), (*ecdsa.PrivateKey)(nil), &ecdsa.PrivateKey{}} {
		_, err := signingAlg(k)
		assert.EqualError(t, err, "okta: no private key")
	}
}

func TestRSAKeyTooSmallForDPoP(t *testing.T) {
	t.Parallel()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	_, err = newDPoPProver(small, nil)
	assert.EqualError(t, err, "okta: RSA key of 1024 bits: Okta requires at least 2048")
}

// FuzzParsePrivateKey: no input panics, and every refusal is one of the
// package's own messages.
func FuzzParsePrivateKey(f *testing.F) {
	der, _ := x509.MarshalECPrivateKey(testECKey(f))
	f.Add(pemOf("EC PRIVATE KEY", der))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","d":"AAAA"}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA"}]}`))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParsePrivateKey(b)
		if err != nil && !strings.HasPrefix(err.Error(), "okta: ") {
			t.Fatalf("error %q is not the package's", err)
		}
		if err == nil && k == nil {
			t.Fatal("no key and no error")
		}
	})
}
