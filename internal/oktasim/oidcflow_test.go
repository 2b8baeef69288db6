package oktasim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oidcClient plays a relying party with a browser's cookie jar against
// the sim's authorization server.
type oidcClient struct {
	t        *testing.T
	iss      string
	browser  *http.Client // keeps the org's sid cookie, does not follow redirects
	verifier string
	redirect string
}

func newOIDCClient(t *testing.T, srv *Server) *oidcClient {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &oidcClient{t: t, iss: srv.URL() + authServerPath, verifier: "a-verifier-of-at-least-43-characters-0123456789",
		redirect: "http://127.0.0.1:9/auth/callback",
		browser:  &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *oidcClient) params(extra ...string) url.Values {
	sum := sha256.Sum256([]byte(c.verifier))
	v := url.Values{"client_id": {DefaultOIDCClientID}, "redirect_uri": {c.redirect}, "response_type": {"code"},
		"scope": {"openid profile email groups"}, "state": {"st8"}, "nonce": {"n0"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// authorize GETs the authorization endpoint and returns the status and the
// redirect's query (nil when there is no redirect).
func (c *oidcClient) authorize(v url.Values) (int, url.Values) {
	resp, err := c.browser.Get(c.iss + "/v1/authorize?" + v.Encode())
	require.NoError(c.t, err)
	readBody(c.t, resp)
	return resp.StatusCode, locationQuery(c.t, resp)
}

// signIn posts the login form and returns the code.
func (c *oidcClient) signIn(login string) string {
	f := c.params("username", login, "password", DefaultDevPassword)
	resp, err := c.browser.PostForm(c.iss+"/v1/authorize", f)
	require.NoError(c.t, err)
	readBody(c.t, resp)
	require.Equal(c.t, http.StatusFound, resp.StatusCode)
	q := locationQuery(c.t, resp)
	require.Equal(c.t, "st8", q.Get("state"))
	return q.Get("code")
}

func (c *oidcClient) redeem(code, clientID string) (*http.Response, map[string]any) {
	resp, err := http.PostForm(c.iss+"/v1/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.redirect}, "client_id": {clientID}, "code_verifier": {c.verifier}})
	require.NoError(c.t, err)
	var out map[string]any
	require.NoError(c.t, json.Unmarshal([]byte(readBody(c.t, resp)), &out))
	return resp, out
}

func locationQuery(t *testing.T, resp *http.Response) url.Values {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil
	}
	u, err := url.Parse(loc)
	require.NoError(t, err)
	return u.Query()
}

// TestOIDCTokensAreOktas: the token answer is not cacheable, the access
// token is a JWT of the default server (aud api://default, cid, uid, scp),
// the ID token carries amr, idp, jti, ver and the access token's at_hash.
func TestOIDCTokensAreOktas(t *testing.T) {
	srv := NewTestServer(t, Options{Seed: SeedDemo})
	c := newOIDCClient(t, srv)
	resp, out := c.redeem(c.signIn(DemoAdminLogin), DefaultOIDCClientID)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	assert.Equal(t, "no-cache", resp.Header.Get("Pragma"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	access := out["access_token"].(string)
	at := verifyRS256(t, c.iss, access)
	assert.Equal(t, "api://default", at["aud"])
	assert.Equal(t, c.iss, at["iss"])
	assert.Equal(t, DefaultOIDCClientID, at["cid"])
	assert.Equal(t, DemoAdminID, at["uid"])
	assert.Equal(t, DemoAdminLogin, at["sub"])
	assert.Equal(t, []any{"openid", "profile", "email", "groups"}, at["scp"])
	assert.True(t, strings.HasPrefix(at["jti"].(string), "AT."), at["jti"])

	id := verifyRS256(t, c.iss, out["id_token"].(string))
	assert.Equal(t, []any{"pwd"}, id["amr"])
	assert.Equal(t, simOrgID, id["idp"])
	assert.Equal(t, float64(1), id["ver"])
	assert.True(t, strings.HasPrefix(id["jti"].(string), "ID."), id["jti"])
	sum := sha256.Sum256([]byte(access))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:16]), id["at_hash"])
	assert.Equal(t, DemoAdminID, id["sub"])
	assert.NotNil(t, id["auth_time"])

	// An unknown client is invalid_client 401, not a grant error.
	resp, out = c.redeem(c.signIn(DemoAdminLogin), "someone-else")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "invalid_client", out["error"])
}

// TestOIDCUserinfoAndRevocation: userinfo answers for the access token
// until it is revoked; revocation checks the client.
func TestOIDCUserinfoAndRevocation(t *testing.T) {
	srv := NewTestServer(t, Options{Seed: SeedDemo})
	c := newOIDCClient(t, srv)
	_, out := c.redeem(c.signIn(DemoAdminLogin), DefaultOIDCClientID)
	access := out["access_token"].(string)
	userinfo := func(tok string) (int, map[string]any, string) {
		req, _ := http.NewRequest(http.MethodGet, c.iss+"/v1/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var m map[string]any
		_ = json.Unmarshal([]byte(readBody(t, resp)), &m)
		return resp.StatusCode, m, resp.Header.Get("WWW-Authenticate")
	}
	status, info, _ := userinfo(access)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, DemoAdminID, info["sub"])
	assert.Equal(t, DemoAdminLogin, info["email"])
	assert.Equal(t, DemoAdminLogin, info["preferred_username"])
	assert.Contains(t, info["groups"], "Everyone")

	status, _, hdr := userinfo(out["id_token"].(string))
	assert.Equal(t, http.StatusUnauthorized, status, "an ID token is no access token")
	assert.Contains(t, hdr, `error="invalid_token"`)

	revoke := func(client string) int {
		resp, err := http.PostForm(c.iss+"/v1/revoke", url.Values{"token": {access}, "token_type_hint": {"access_token"}, "client_id": {client}})
		require.NoError(t, err)
		body := readBody(t, resp)
		if client != DefaultOIDCClientID {
			assert.Contains(t, body, "invalid_client")
		}
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusUnauthorized, revoke("someone-else"))
	status, _, _ = userinfo(access)
	assert.Equal(t, http.StatusOK, status, "a refused revocation revokes nothing")
	assert.Equal(t, http.StatusOK, revoke(DefaultOIDCClientID))
	status, _, _ = userinfo(access)
	assert.Equal(t, http.StatusUnauthorized, status, "a revoked access token is refused")
}

// TestOIDCSessionPromptAndLogout: prompt=none without a session redirects
// login_required; after a sign-in the org's session signs in silently;
// end_session ends it.
func TestOIDCSessionPromptAndLogout(t *testing.T) {
	srv := NewTestServer(t, Options{Seed: SeedDemo})
	c := newOIDCClient(t, srv)
	status, q := c.authorize(c.params("prompt", "none"))
	require.Equal(t, http.StatusFound, status)
	assert.Equal(t, "login_required", q.Get("error"))
	assert.Equal(t, "st8", q.Get("state"))

	_, out := c.redeem(c.signIn(DemoAdminLogin), DefaultOIDCClientID)
	idToken := out["id_token"].(string)
	status, q = c.authorize(c.params("prompt", "none"))
	require.Equal(t, http.StatusFound, status)
	require.NotEmpty(t, q.Get("code"), "the session signs in without a prompt")
	resp, out := c.redeem(q.Get("code"), DefaultOIDCClientID)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)

	status, q = c.authorize(c.params("prompt", "login"))
	assert.Equal(t, http.StatusOK, status, "prompt=login shows the form despite the session")
	assert.Nil(t, q)

	logout := func(v url.Values) *http.Response {
		resp, err := c.browser.Get(c.iss + "/v1/logout?" + v.Encode())
		require.NoError(t, err)
		readBody(t, resp)
		return resp
	}
	assert.Equal(t, http.StatusBadRequest, logout(url.Values{}).StatusCode, "id_token_hint is required")
	assert.Equal(t, http.StatusBadRequest, logout(url.Values{"id_token_hint": {idToken},
		"post_logout_redirect_uri": {"https://evil.example/"}}).StatusCode, "unregistered sign-out redirect")
	resp = logout(url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"http://127.0.0.1:9/"}, "state": {"bye"}})
	require.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "http://127.0.0.1:9/?state=bye", resp.Header.Get("Location"))
	status, q = c.authorize(c.params("prompt", "none"))
	require.Equal(t, http.StatusFound, status)
	assert.Equal(t, "login_required", q.Get("error"), "the session ended")

	// Clearing the user's sessions through the API ends the org session too.
	c.signIn(DemoAdminLogin)
	h := &harness{t: t, srv: srv, sim: srv.Sim()}
	require.Equal(t, http.StatusNoContent, h.do("DELETE", "/api/v1/users/"+DemoAdminID+"/sessions", nil).status)
	_, q = c.authorize(c.params("prompt", "none"))
	assert.Equal(t, "login_required", q.Get("error"))
}

// TestOIDCRedirectRegistration: the code goes only to registered redirect
// URIs; a loopback one matches on any port, a path or host that is not
// registered does not.
func TestOIDCRedirectRegistration(t *testing.T) {
	srv := NewTestServer(t, Options{Seed: SeedDemo, OIDCRedirectURIs: []string{"https://cordon.acme.example/auth/callback", "http://127.0.0.1/callback"}})
	c := newOIDCClient(t, srv)
	for uri, ok := range map[string]bool{
		"https://cordon.acme.example/auth/callback":      true,
		"http://127.0.0.1:51234/callback":                true,
		"http://127.0.0.1:51234/other":                   false,
		"https://evil.example/cb":                        false,
		"http://cordon.acme.example/auth/callback":       false,
		"https://cordon.acme.example:8443/auth/callback": false,
		"http://localhost:9/callback":                    false, // localhost is not registered here
	} {
		status, q := c.authorize(c.params("redirect_uri", uri))
		if ok {
			assert.Equal(t, http.StatusOK, status, uri)
		} else {
			assert.Equal(t, http.StatusBadRequest, status, uri)
			assert.Nil(t, q, "no redirect to "+uri)
		}
	}
}
