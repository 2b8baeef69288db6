package oktasim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceAppTokenFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	for _, key := range []testKey{ecKey(t, "ec-1"), rsaKey(t, "rsa-1")} {
		c := newSvc(h, key, nil, "okta.users.read", "okta.users.manage")
		r := c.tokenRequest("okta.users.read", c.assertion(nil), "")
		require.Equal(t, http.StatusOK, r.status, "%s: %s", key.alg, r.raw)
		assert.Equal(t, "Bearer", r.obj()["token_type"])
		assert.Equal(t, float64(3600), r.obj()["expires_in"])
		assert.Equal(t, "okta.users.read", r.obj()["scope"], "the token carries the requested scopes, not all granted ones")
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
		tok := r.obj()["access_token"].(string)

		got := c.api("GET", "/api/v1/users/"+DemoActiveUserID, tok, "")
		require.Equal(t, http.StatusOK, got.status, "%s", got.raw)
		assert.Equal(t, DemoActiveUserID, got.obj()["id"])
		// Only okta.users.read was requested: a write is refused.
		expectError(t, c.api("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/suspend", tok, ""), 403, "E0000006")
	}
	req, minted := h.sim.TokenStats()
	assert.Equal(t, 2, req)
	assert.Equal(t, 2, minted)
}

func TestServiceAppAssertionRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	key := ecKey(t, "k1")
	c := newSvc(h, key, nil, "okta.users.read")
	impostor := *c
	impostor.key = ecKey(t, "k1") // same kid, another key: a private key that does not match
	wrongKid := *c
	wrongKid.key = testKey{kid: "k2", priv: key.priv, alg: key.alg}
	now := h.clock.Now()
	cases := []struct {
		name, assertion, desc string
	}{
		{"bad signature", impostor.assertion(nil), "The client_assertion signature is invalid."},
		{"wrong kid", wrongKid.assertion(nil), "'kid' header does not name a public key registered for client " + c.clientID},
		{"aud mismatch", c.assertion(func(cl *jwt.Claims) { cl.Audience = jwt.Audience{h.srv.URL() + "/oauth2/default/v1/token"} }),
			"The audience claim for client_assertion must be the endpoint invoked for the request."},
		{"expired", c.assertion(func(cl *jwt.Claims) { cl.Expiry = jwt.NewNumericDate(now.Add(-2 * time.Minute)) }),
			"The client_assertion token is expired."},
		{"exp too far", c.assertion(func(cl *jwt.Claims) { cl.Expiry = jwt.NewNumericDate(now.Add(2 * time.Hour)) }),
			"The client_assertion token has an expiration too far into the future."},
		{"iat in the future", c.assertion(func(cl *jwt.Claims) { cl.IssuedAt = jwt.NewNumericDate(now.Add(10 * time.Minute)) }),
			"'iat' claim is in the future"},
		{"sub is not the client", c.assertion(func(cl *jwt.Claims) { cl.Subject = "someone" }), "must both be the client_id"},
		{"no jti", c.assertion(func(cl *jwt.Claims) { cl.ID = "" }), "must have a 'jti' claim"},
		{"unknown client", c.assertion(func(cl *jwt.Claims) { cl.Issuer, cl.Subject = "0oanobody", "0oanobody" }),
			"Invalid value for 'client_id' parameter."},
		{"not a JWT", "garbage", "not a JWT signed with RS256 or ES256"},
	}
	for _, tc := range cases {
		oauthErr(t, c.tokenRequest("okta.users.read", tc.assertion, ""), http.StatusUnauthorized, "invalid_client", tc.desc)
	}
	// A replayed assertion: the first use succeeds, the second is refused.
	a := c.assertion(nil)
	require.Equal(t, http.StatusOK, c.tokenRequest("okta.users.read", a, "").status)
	oauthErr(t, c.tokenRequest("okta.users.read", a, ""), http.StatusUnauthorized, "invalid_client", "already been used")
	_, minted := h.sim.TokenStats()
	assert.Equal(t, 1, minted, "no refused request minted a token")
}

func TestServiceAppScopesAndGrant(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	c := newSvc(h, ecKey(t, "k1"), nil, "okta.users.read")
	oauthErr(t, c.tokenRequest("okta.users.read okta.users.manage", c.assertion(nil), ""), http.StatusBadRequest,
		"invalid_scope", "not granted to client "+c.clientID+": okta.users.manage")
	oauthErr(t, c.tokenRequest("", c.assertion(nil), ""), http.StatusBadRequest, "invalid_scope", "'scope' must be provided")

	r := send(t, "POST", c.tokenURL(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		"grant_type=password&username=x&password=y")
	oauthErr(t, r, http.StatusBadRequest, "unsupported_grant_type", "Configured grant types: [client_credentials]")
	r = send(t, "POST", c.tokenURL(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		"grant_type=client_credentials&scope=okta.users.read&client_id="+c.clientID)
	oauthErr(t, r, http.StatusUnauthorized, "invalid_client", "private_key_jwt")
	r = send(t, "GET", c.tokenURL(), nil, "")
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
}

func TestServiceAppTokenExpiryAndRevocation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{AccessTokenLifetime: 5 * time.Minute})
	c := newSvc(h, ecKey(t, "k1"), nil, "okta.users.read")
	tok, _ := c.token("okta.users.read")
	require.Equal(t, http.StatusOK, c.api("GET", "/api/v1/users/me", tok, "").status)
	h.clock.Advance(5 * time.Minute)
	expired := c.api("GET", "/api/v1/users/me", tok, "")
	expectError(t, expired, 401, "E0000011")
	assert.Contains(t, expired.header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`)

	tok, _ = c.token("okta.users.read")
	other := newSvc(h, ecKey(t, "k9"), nil, "okta.users.read")
	otherTok, _ := other.token("okta.users.read")
	assert.Equal(t, 1, h.sim.RevokeTokens(c.clientID))
	expectError(t, c.api("GET", "/api/v1/users/me", tok, ""), 401, "E0000011")
	assert.Equal(t, http.StatusOK, other.api("GET", "/api/v1/users/me", otherTok, "").status, "another app's token lives on")
	expectError(t, c.api("GET", "/api/v1/users/me", "made-up", ""), 401, "E0000011")
}

func TestServiceAppRegistrationChecks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	k := ecKey(t, "k1")
	priv := jose.JSONWebKey{Key: k.priv, KeyID: "k1"}
	for _, tc := range []struct {
		app  ServiceApp
		want string
	}{
		{ServiceApp{Keys: []jose.JSONWebKey{k.public()}, Scopes: []string{"okta.users.read"}}, "clientId is required"},
		{ServiceApp{ClientID: "a", Scopes: []string{"okta.users.read"}}, "at least one public key"},
		{ServiceApp{ClientID: "a", Keys: []jose.JSONWebKey{priv}, Scopes: []string{"x"}}, "not a public key"},
		{ServiceApp{ClientID: "a", Keys: []jose.JSONWebKey{{Key: k.priv.Public()}}, Scopes: []string{"x"}}, "has no kid"},
		{ServiceApp{ClientID: "a", Keys: []jose.JSONWebKey{k.public()}}, "grant at least one scope"},
	} {
		err := h.sim.RegisterServiceApp(tc.app)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
	pub, err := k.public().MarshalJSON()
	require.NoError(t, err)
	app, err := ParseServiceApp([]byte(`{"clientId":"0oajson","keys":[` + string(pub) + `],"scopes":["okta.logs.read"],"requireDPoP":true}`))
	require.NoError(t, err)
	assert.True(t, app.RequireDPoP)
	assert.Equal(t, "k1", app.Keys[0].KeyID)
	_, err = ParseServiceApp([]byte(`{"clientId":"x","keys":[{"kty":"oct","k":"c2VjcmV0","kid":"s"}],"scopes":["a"]}`))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "public key") || strings.Contains(err.Error(), "RSA"), err.Error())
}
