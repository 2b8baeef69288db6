package connections_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/connections/conntest"
)

func TestMintWithDPoPNonce(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	dpop, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts := conntest.NewTokenServer(t, "0oa-app", &key.PublicKey, []string{"okta.users.read", "okta.logs.read"}, true)
	cfg := okta.Config{OrgURL: ts.URL, OAuth: &okta.OAuth{ClientID: "0oa-app", KeyID: "k1", PrivateKey: key, DPoPKey: dpop,
		Scopes: []string{"okta.users.read"}}}
	g, err := connections.Mint(t.Context(), http.DefaultClient, cfg)
	require.NoError(t, err)
	assert.Equal(t, "DPoP", g.TokenType)
	assert.Equal(t, []string{"okta.users.read"}, g.Scopes)
	assert.Equal(t, 1, ts.Issued, "one token, after the nonce round trip")
}

func TestMintRefusals(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts := conntest.NewTokenServer(t, "0oa-app", &key.PublicKey, []string{"okta.users.read"}, false)
	cfg := func(k *ecdsa.PrivateKey, scopes ...string) okta.Config {
		return okta.Config{OrgURL: ts.URL, OAuth: &okta.OAuth{ClientID: "0oa-app", KeyID: "k1", PrivateKey: k, Scopes: scopes}}
	}
	_, err := connections.Mint(t.Context(), http.DefaultClient, cfg(other, "okta.users.read"))
	assert.EqualError(t, err, "token endpoint "+ts.URL+"/oauth2/v1/token refused the request: invalid_client: The client_assertion signature is invalid.")
	_, err = connections.Mint(t.Context(), http.DefaultClient, cfg(key, "okta.users.manage"))
	assert.EqualError(t, err, "token endpoint "+ts.URL+"/oauth2/v1/token refused the request: invalid_scope: The following scopes are not allowed: okta.users.manage")
	g, err := connections.Mint(t.Context(), http.DefaultClient, cfg(key, "okta.users.read"))
	require.NoError(t, err)
	assert.Equal(t, "Bearer", g.TokenType)
}
