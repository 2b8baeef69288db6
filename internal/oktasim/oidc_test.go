package oktasim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The sign-in protocol as a relying party sees it, over plain HTTP: the
// test checks the ID token's signature with the JWKS by hand, so nothing
// of Cordon's client side is involved.
func TestOIDCAuthorizationCodeWithPKCE(t *testing.T) {
	srv := NewTestServer(t, Options{Seed: SeedDemo})
	iss := srv.URL() + "/oauth2/default"
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	var disc map[string]any
	getJSON(t, iss+"/.well-known/openid-configuration", &disc)
	assert.Equal(t, iss, disc["issuer"])
	assert.Equal(t, iss+"/v1/keys", disc["jwks_uri"])
	assert.Equal(t, []any{"S256"}, disc["code_challenge_methods_supported"])

	verifier := "a-verifier-of-at-least-43-characters-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	params := url.Values{"client_id": {DefaultOIDCClientID}, "redirect_uri": {"http://127.0.0.1:9/callback"}, "response_type": {"code"},
		"scope": {"openid profile email groups"}, "state": {"st"}, "nonce": {"n0"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}

	resp, err := http.Get(iss + "/v1/authorize?" + params.Encode())
	require.NoError(t, err)
	page := readBody(t, resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `<input id="password" name="password" type="password"`)

	login := func(user, password string) *http.Response {
		f := url.Values{}
		for k, v := range params {
			f[k] = v
		}
		f.Set("username", user)
		f.Set("password", password)
		resp, err := noRedirect.PostForm(iss+"/v1/authorize", f)
		require.NoError(t, err)
		return resp
	}
	resp = login(DemoAdminLogin, "wrong")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, readBody(t, resp), "Sign-in failed")

	resp = login(DemoAdminLogin, DefaultDevPassword)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "st", back.Query().Get("state"))
	code := back.Query().Get("code")
	require.NotEmpty(t, code)

	redeem := func(code, verifier string) (int, map[string]any) {
		resp, err := http.PostForm(iss+"/v1/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {"http://127.0.0.1:9/callback"}, "client_id": {DefaultOIDCClientID}, "code_verifier": {verifier}})
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, json.Unmarshal([]byte(readBody(t, resp)), &out))
		return resp.StatusCode, out
	}
	status, out := redeem(code, "not-the-verifier")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "PKCE verification failed.", out["error_description"])
	status, out = redeem(code, verifier)
	assert.Equal(t, http.StatusBadRequest, status, "a code is used once, also after a failed attempt")
	assert.Equal(t, "invalid_grant", out["error"])

	resp = login(DemoAdminLogin, DefaultDevPassword)
	back, _ = url.Parse(resp.Header.Get("Location"))
	status, out = redeem(back.Query().Get("code"), verifier)
	require.Equal(t, http.StatusOK, status, out)
	claims := verifyRS256(t, iss, out["id_token"].(string))
	assert.Equal(t, iss, claims["iss"])
	assert.Equal(t, DefaultOIDCClientID, claims["aud"])
	assert.Equal(t, "n0", claims["nonce"])
	assert.Equal(t, DemoAdminLogin, claims["preferred_username"])
	assert.Contains(t, claims["groups"], "Everyone")
}

func TestOIDCRefusesBadAuthorizeRequests(t *testing.T) {
	srv := NewTestServer(t, Options{Seed: SeedDemo})
	iss := srv.URL() + "/oauth2/default"
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := url.Values{"client_id": {DefaultOIDCClientID}, "redirect_uri": {"http://127.0.0.1:9/callback"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "code_challenge": {"x"}, "code_challenge_method": {"S256"}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for kk, vv := range base {
			out[kk] = vv
		}
		if v == "" {
			out.Del(k)
		} else {
			out.Set(k, v)
		}
		return out
	}
	for name, tc := range map[string]struct {
		q        url.Values
		status   int
		contains string
	}{
		"unknown client":  {with("client_id", "other"), http.StatusBadRequest, "Unknown client_id other."},
		"remote http":     {with("redirect_uri", "http://evil.example/cb"), http.StatusBadRequest, "must be a Login redirect URI"},
		"unregistered":    {with("redirect_uri", "https://evil.example/cb"), http.StatusBadRequest, "must be a Login redirect URI"},
		"no state":        {with("state", ""), http.StatusFound, "error=invalid_request"},
		"no PKCE":         {with("code_challenge", ""), http.StatusFound, "error=invalid_request"},
		"plain PKCE":      {with("code_challenge_method", "plain"), http.StatusFound, "error=invalid_request"},
		"no openid scope": {with("scope", "profile"), http.StatusFound, "error=invalid_scope"},
		"implicit flow":   {with("response_type", "token"), http.StatusFound, "error=unsupported_response_type"},
	} {
		resp, err := noRedirect.Get(iss + "/v1/authorize?" + tc.q.Encode())
		require.NoError(t, err)
		body := readBody(t, resp)
		assert.Equal(t, tc.status, resp.StatusCode, name)
		assert.Contains(t, resp.Header.Get("Location")+body, tc.contains, name)
	}
}

func getJSON(t *testing.T, u string, into any) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.Unmarshal([]byte(readBody(t, resp)), into))
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// verifyRS256 checks a JWT against the issuer's JWKS and returns its claims.
func verifyRS256(t *testing.T, iss, jwt string) map[string]any {
	t.Helper()
	var jwks struct {
		Keys []struct{ Kid, N, E string }
	}
	getJSON(t, iss+"/v1/keys", &jwks)
	require.Len(t, jwks.Keys, 1)
	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3)
	dec := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		require.NoError(t, err)
		return b
	}
	var header map[string]string
	require.NoError(t, json.Unmarshal(dec(parts[0]), &header))
	assert.Equal(t, "RS256", header["alg"])
	assert.Equal(t, jwks.Keys[0].Kid, header["kid"])
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(dec(jwks.Keys[0].N)), E: int(new(big.Int).SetBytes(dec(jwks.Keys[0].E)).Int64())}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	require.NoError(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], dec(parts[2])), "the signature verifies with the JWKS key")
	var claims map[string]any
	require.NoError(t, json.Unmarshal(dec(parts[1]), &claims))
	return claims
}
