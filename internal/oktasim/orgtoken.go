package oktasim

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The org authorization server's token endpoint, as API Services apps use
// it: the client credentials grant, authenticated with a private_key_jwt
// client assertion, optionally DPoP-bound. Access tokens are opaque random
// strings the org looks up (serviceapps.go); a client must not read them,
// and Okta documents its org authorization server's tokens as opaque to
// clients too. Errors are OAuth's {"error", "error_description"}; the
// descriptions follow Okta's where they are known (noted) and otherwise
// say plainly what to fix.

// orgTokenPath is the org authorization server's token endpoint.
const orgTokenPath = "/oauth2/v1/token"

const (
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionMaxLife is how far in the future an assertion may expire:
	// Okta refuses client assertions valid for more than an hour.
	assertionMaxLife = time.Hour
	// clockSkew is the leeway for an assertion's iat and exp.
	clockSkew = 60 * time.Second
)

var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// tokenFail is a refused token request.
type tokenFail struct {
	status    int
	code      string
	desc      string
	withNonce bool
}

func (s *Sim) serveOrgToken(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	s.countTokenRequest()
	if r.Method != http.MethodPost {
		h.Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "The token endpoint accepts only POST.")
		return
	}
	resp, fail := s.orgToken(r)
	if r.Header.Get("DPoP") != "" || (fail != nil && fail.withNonce) {
		h.Set("DPoP-Nonce", s.dpopNonce())
	}
	if fail != nil {
		oauthError(w, fail.status, fail.code, fail.desc)
		return
	}
	writeJSONBody(w, http.StatusOK, resp)
}

// orgToken checks a client credentials request and mints its token.
func (s *Sim) orgToken(r *http.Request) (map[string]any, *tokenFail) {
	bad := func(code, desc string) *tokenFail {
		return &tokenFail{status: http.StatusBadRequest, code: code, desc: desc}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<16)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.ParseForm() != nil {
		return nil, bad("invalid_request", "The request must be a form (application/x-www-form-urlencoded).")
	}
	f := r.PostForm
	if gt := f.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			return nil, bad("invalid_request", "The 'grant_type' parameter is required.")
		}
		return nil, bad("unsupported_grant_type", "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].")
	}
	if f.Get("client_assertion_type") != assertionType || f.Get("client_assertion") == "" {
		return nil, &tokenFail{status: http.StatusUnauthorized, code: "invalid_client",
			desc: "Client authentication failed: send client_assertion_type=" + assertionType + " and a signed client_assertion (private_key_jwt)."}
	}
	claimed := unverifiedIssuer(f.Get("client_assertion"))
	app, known := s.serviceApp(claimed)
	// DPoP first: a use_dpop_nonce answer must not spend the assertion's
	// jti, so the client may retry with the same assertion and a new proof.
	jkt := ""
	if r.Header.Get("DPoP") != "" || (known && app.RequireDPoP) {
		tp, e := s.checkDPoP(r, "", "Authorization server")
		if e != nil {
			return nil, &tokenFail{status: http.StatusBadRequest, code: e.code, desc: e.desc, withNonce: e.code == "use_dpop_nonce"}
		}
		jkt = tp
	}
	if fail := s.checkAssertion(r, f.Get("client_assertion"), f.Get("client_id")); fail != nil {
		return nil, fail
	}
	scopes, fail := grantedScopes(app, f.Get("scope"))
	if fail != nil {
		return nil, fail
	}
	tok, _ := s.mint(app.ClientID, scopes, jkt)
	typ := "Bearer"
	if jkt != "" {
		typ = "DPoP"
	}
	return map[string]any{"token_type": typ, "expires_in": int(s.opts.AccessTokenLifetime.Seconds()),
		"access_token": tok, "scope": strings.Join(scopes, " ")}, nil
}

// unverifiedIssuer reads an assertion's iss before it is verified, to find
// the app whose keys verify it.
func unverifiedIssuer(raw string) string {
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil {
		return ""
	}
	var c jwt.Claims
	if tok.UnsafeClaimsWithoutVerification(&c) != nil {
		return ""
	}
	return c.Issuer
}

// checkAssertion verifies a private_key_jwt client assertion: signature by
// the registered key its kid names, iss = sub = client_id, aud = this
// token endpoint, exp in the future but within the hour, iat not in the
// future, jti used once.
func (s *Sim) checkAssertion(r *http.Request, raw, formClientID string) *tokenFail {
	fail := func(desc string) *tokenFail {
		return &tokenFail{status: http.StatusUnauthorized, code: "invalid_client", desc: desc}
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return fail("The client_assertion is not a JWT signed with RS256 or ES256.")
	}
	app, ok := s.serviceApp(unverifiedIssuer(raw))
	if !ok || (formClientID != "" && formClientID != app.ClientID) {
		return fail("Invalid value for 'client_id' parameter.") // Okta's text
	}
	var key *jose.JSONWebKey
	for i := range app.Keys {
		if app.Keys[i].KeyID == tok.Headers[0].KeyID {
			key = &app.Keys[i]
		}
	}
	if key == nil {
		return fail("The client_assertion 'kid' header does not name a public key registered for client " + app.ClientID + ".")
	}
	var c jwt.Claims
	if tok.Claims(key.Key, &c) != nil {
		return fail("The client_assertion signature is invalid.")
	}
	if c.Issuer != app.ClientID || c.Subject != app.ClientID {
		return fail("The 'iss' and 'sub' claims of the client_assertion must both be the client_id.")
	}
	if !c.Audience.Contains(s.baseURL(r) + orgTokenPath) {
		return fail("The audience claim for client_assertion must be the endpoint invoked for the request.") // Okta's text
	}
	now := s.now()
	switch {
	case c.Expiry == nil:
		return fail("The client_assertion must have an 'exp' claim.")
	case !c.Expiry.Time().After(now.Add(-clockSkew)):
		return fail("The client_assertion token is expired.") // Okta's text
	case c.Expiry.Time().After(now.Add(assertionMaxLife + clockSkew)):
		return fail("The client_assertion token has an expiration too far into the future.") // Okta's text
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(clockSkew)):
		return fail("The client_assertion 'iat' claim is in the future; check the client's clock.")
	case c.ID == "":
		return fail("The client_assertion must have a 'jti' claim.")
	}
	if !s.remember(func(a *authzState) map[string]time.Time { return a.jtis }, app.ClientID+" "+c.ID, c.Expiry.Time().Add(clockSkew)) {
		return fail("The client_assertion token has already been used; sign a new one with a fresh 'jti'.")
	}
	return nil
}

// grantedScopes checks the requested scopes against the app's grants.
func grantedScopes(app ServiceApp, requested string) ([]string, *tokenFail) {
	want := strings.Fields(requested)
	if len(want) == 0 {
		return nil, &tokenFail{status: http.StatusBadRequest, code: "invalid_scope",
			desc: "The authorization server resource does not have any configured default scopes, 'scope' must be provided."} // Okta's text
	}
	granted := map[string]bool{}
	for _, sc := range app.Scopes {
		granted[sc] = true
	}
	var missing []string
	for _, sc := range want {
		if !granted[sc] {
			missing = append(missing, sc)
		}
	}
	if len(missing) > 0 {
		return nil, &tokenFail{status: http.StatusBadRequest, code: "invalid_scope",
			desc: "The following scopes are not granted to client " + app.ClientID + ": " + strings.Join(missing, " ") + ". Grant them on the app's Okta API Scopes tab, or request fewer."}
	}
	return want, nil
}
