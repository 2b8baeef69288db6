package oktasim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newDPoPSvc(t *testing.T, h *harness, scopes ...string) *svc {
	t.Helper()
	d := ecKey(t, "dpop")
	return newSvc(h, rsaKey(t, "rsa-1"), &d, scopes...)
}

func TestDPoPTokenEndpointNonce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	c := newDPoPSvc(t, h, "okta.users.read")
	// An app that requires DPoP: no proof, no token.
	oauthErr(t, c.tokenRequest("okta.users.read", c.assertion(nil), ""), http.StatusBadRequest,
		"invalid_dpop_proof", "The DPoP proof JWT header is missing.")
	// A proof without the nonce: 400 use_dpop_nonce with the nonce to use.
	a := c.assertion(nil)
	r := c.tokenRequest("okta.users.read", a, c.proof("POST", c.tokenURL(), "", nil))
	oauthErr(t, r, http.StatusBadRequest, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
	require.NotEmpty(t, r.header.Get("DPoP-Nonce"))
	// The same assertion with a new proof carrying the nonce succeeds.
	r = c.tokenRequest("okta.users.read", a, c.proof("POST", c.tokenURL(), "", nil))
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "DPoP", r.obj()["token_type"])
}

func TestDPoPProofRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	c := newDPoPSvc(t, h, "okta.users.read")
	tok, typ := c.token("okta.users.read")
	require.Equal(t, "DPoP", typ)
	target := c.org + "/api/v1/users/me"
	call := func(auth, proof string) resp {
		hdr := http.Header{"Authorization": {auth}}
		if proof != "" {
			hdr.Set("DPoP", proof)
		}
		return send(t, "GET", target, hdr, "")
	}
	ok := call("DPoP "+tok, c.proof("GET", target, tok, nil))
	require.Equal(t, http.StatusOK, ok.status, "%s", ok.raw)
	assert.Equal(t, c.nonce, ok.header.Get("DPoP-Nonce"), "every DPoP answer carries the current nonce")

	other := ecKey(t, "other")
	thief := *c
	thief.dpop = &other
	replayed := c.proof("GET", target, tok, nil)
	require.Equal(t, http.StatusOK, call("DPoP "+tok, replayed).status)
	for name, tc := range map[string]struct{ auth, proof, want string }{
		"missing proof":   {"DPoP " + tok, "", `error="invalid_dpop_proof", error_description="The DPoP proof JWT header is missing."`},
		"bearer scheme":   {"Bearer " + tok, "", `error="invalid_token"`},
		"ath mismatch":    {"DPoP " + tok, c.proof("GET", target, "another-token", nil), "'ath' claim does not match"},
		"htm mismatch":    {"DPoP " + tok, c.proof("POST", target, tok, nil), "'htm' claim does not match"},
		"htu mismatch":    {"DPoP " + tok, c.proof("GET", c.org+"/api/v1/groups", tok, nil), "'htu' claim does not match"},
		"stale iat":       {"DPoP " + tok, c.proof("GET", target, tok, func(m map[string]any) { m["iat"] = c.now().Add(-10 * time.Minute).Unix() }), "'iat' claim is outside"},
		"replayed jti":    {"DPoP " + tok, replayed, "'jti' has already been used"},
		"wrong typ":       {"DPoP " + tok, c.key.sign(t, map[string]any{"htm": "GET"}, nil), "must be 'dpop+jwt'"},
		"another key":     {"DPoP " + tok, thief.proof("GET", target, tok, nil), "not the key the access token is bound to"},
		"unknown token":   {"DPoP nope", c.proof("GET", target, "nope", nil), `error="invalid_token"`},
		"no nonce at all": {"DPoP " + tok, c.proof("GET", target, tok, func(m map[string]any) { delete(m, "nonce") }), `error="use_dpop_nonce"`},
	} {
		r := call(tc.auth, tc.proof)
		expectError(t, r, 401, "E0000011")
		assert.Contains(t, r.header.Get("WWW-Authenticate"), tc.want, name)
	}
	// Scopes hold for bound tokens too; the challenge uses the DPoP scheme.
	r := c.api("GET", "/api/v1/groups", tok, "")
	expectError(t, r, 403, "E0000006")
	assert.True(t, strings.HasPrefix(r.header.Get("WWW-Authenticate"), `DPoP authorization_uri=`), r.header.Get("WWW-Authenticate"))
}

func TestDPoPNonceRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{DPoPNonceLifetime: time.Minute})
	c := newDPoPSvc(t, h, "okta.users.read")
	tok, _ := c.token("okta.users.read")
	require.Equal(t, http.StatusOK, c.api("GET", "/api/v1/users/me", tok, "").status)

	old := c.nonce
	fresh := h.sim.RotateDPoPNonce()
	require.NotEqual(t, old, fresh)
	r := c.api("GET", "/api/v1/users/me", tok, "")
	expectError(t, r, 401, "E0000011")
	assert.Equal(t, `DPoP algs="RS256 ES256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof."`,
		r.header.Get("WWW-Authenticate"))
	assert.Equal(t, fresh, r.header.Get("DPoP-Nonce"))
	require.Equal(t, http.StatusOK, c.api("GET", "/api/v1/users/me", tok, "").status, "a retry with the new nonce passes")

	// The nonce also rotates on its own once older than its lifetime.
	h.clock.Advance(time.Minute)
	r = c.api("GET", "/api/v1/users/me", tok, "")
	require.Equal(t, http.StatusUnauthorized, r.status)
	assert.NotEqual(t, fresh, r.header.Get("DPoP-Nonce"))
	require.Equal(t, http.StatusOK, c.api("GET", "/api/v1/users/me", tok, "").status)
}

func TestDPoPOptionalForApps(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	// An app that does not require DPoP gets a DPoP-bound token when it
	// sends a proof anyway, and a Bearer token otherwise.
	c := newSvc(h, ecKey(t, "k"), nil, "okta.users.read")
	tok, typ := c.token("okta.users.read")
	assert.Equal(t, "Bearer", typ)
	expectError(t, send(t, "GET", c.org+"/api/v1/users/me", http.Header{"Authorization": {"DPoP " + tok}}, ""), 401, "E0000011")
	d := ecKey(t, "d")
	c.dpop = &d
	tok, typ = c.token("okta.users.read")
	assert.Equal(t, "DPoP", typ)
	require.Equal(t, http.StatusOK, c.api("GET", "/api/v1/users/me", tok, "").status)
}
