package oktasim

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// routeScopes is the OAuth scope each Management API route needs, from
// the `security` of its operations in Okta's spec
// (shared/okta/openapi-management.yaml); scopes_test.go checks every entry
// against the spec and every served route for an entry. The lifecycle
// route stands for all of its operations, which share one scope. An SSWS
// token (or the static Bearer token) is not scope-limited: it acts with
// its admin's rights.
var routeScopes = map[string][]string{
	"GET /api/v1/users":                       {"okta.users.read"},
	"POST /api/v1/users":                      {"okta.users.manage"},
	"GET /api/v1/users/{id}":                  {"okta.users.read"},
	"POST /api/v1/users/{id}":                 {"okta.users.manage"},
	"DELETE /api/v1/users/{id}":               {"okta.users.manage"},
	"GET /api/v1/users/{id}/groups":           {"okta.users.read"},
	"POST /api/v1/users/{id}/lifecycle/{op}":  {"okta.users.manage"},
	"DELETE /api/v1/users/{id}/sessions":      {"okta.users.manage"},
	"GET /api/v1/users/{id}/factors":          {"okta.users.read"},
	"GET /api/v1/users/{id}/factors/{fid}":    {"okta.users.read"},
	"DELETE /api/v1/users/{id}/factors/{fid}": {"okta.users.manage"},
	"GET /api/v1/users/{id}/appLinks":         {"okta.users.read"},
	"GET /api/v1/groups":                      {"okta.groups.read"},
	"POST /api/v1/groups":                     {"okta.groups.manage"},
	"GET /api/v1/groups/{id}":                 {"okta.groups.read"},
	"DELETE /api/v1/groups/{id}":              {"okta.groups.manage"},
	"GET /api/v1/groups/{id}/apps":            {"okta.groups.read"},
	"GET /api/v1/groups/{id}/users":           {"okta.groups.read"},
	"PUT /api/v1/groups/{id}/users/{uid}":     {"okta.groups.manage"},
	"DELETE /api/v1/groups/{id}/users/{uid}":  {"okta.groups.manage"},
	"GET /api/v1/apps/{id}":                   {"okta.apps.read"},
	"GET /api/v1/zones":                       {"okta.networkZones.read"},
	"POST /api/v1/zones":                      {"okta.networkZones.manage"},
	"GET /api/v1/zones/{id}":                  {"okta.networkZones.read"},
	"PUT /api/v1/zones/{id}":                  {"okta.networkZones.manage"},
	"DELETE /api/v1/zones/{id}":               {"okta.networkZones.manage"},
	"POST /api/v1/zones/{id}/lifecycle/{op}":  {"okta.networkZones.manage"},
	"GET /api/v1/logs":                        {"okta.logs.read"},
	"GET /api/v1/org":                         {"okta.orgs.read"},
	"GET /api/v1/meta/types/user/{id}":        {"okta.userTypes.read"},
	"GET /api/v1/meta/schemas/user/{id}":      {"okta.schemas.read"},
}

// caller is who made an API request: scopes is nil for a token that acts
// with its admin's rights (SSWS), else the access token's granted scopes.
type caller struct {
	scopes map[string]bool
	scheme string // "Bearer" or "DPoP" for OAuth tokens
}

// authFail is a refused credential: always 401 E0000011 as for an SSWS
// token, plus the OAuth challenge for access tokens.
type authFail struct {
	challenge string // WWW-Authenticate value, "" for none
	nonce     bool   // send DPoP-Nonce
}

// authenticate identifies the caller from the Authorization header.
func (s *Sim) authenticate(w http.ResponseWriter, r *http.Request) (*caller, *authFail) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	staticOK := cred != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(s.opts.Token)) == 1
	switch {
	case strings.EqualFold(scheme, "SSWS") && staticOK, strings.EqualFold(scheme, "Bearer") && staticOK:
		return &caller{}, nil
	case strings.EqualFold(scheme, "Bearer"):
		it, ok := s.lookupToken(cred)
		if !ok {
			return nil, &authFail{challenge: challenge("Bearer", "invalid_token", "The access token is invalid or has expired.")}
		}
		if it.jkt != "" {
			return nil, &authFail{challenge: challenge("DPoP", "invalid_token", "The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof.")}
		}
		return &caller{scopes: it.scopes, scheme: "Bearer"}, nil
	case strings.EqualFold(scheme, "DPoP"):
		return s.authenticateDPoP(w, r, cred)
	}
	return nil, &authFail{}
}

// authenticateDPoP checks a DPoP-bound token and its proof.
func (s *Sim) authenticateDPoP(w http.ResponseWriter, r *http.Request, cred string) (*caller, *authFail) {
	it, ok := s.lookupToken(cred)
	if !ok {
		return nil, &authFail{challenge: challenge("DPoP", "invalid_token", "The access token is invalid or has expired.")}
	}
	if it.jkt == "" {
		return nil, &authFail{challenge: challenge("DPoP", "invalid_token", "The access token is not DPoP-bound: send it with the Bearer scheme.")}
	}
	jkt, e := s.checkDPoP(r, cred, "Resource server")
	if e != nil {
		return nil, &authFail{challenge: challenge("DPoP", e.code, e.desc), nonce: true}
	}
	if jkt != it.jkt {
		return nil, &authFail{challenge: challenge("DPoP", "invalid_dpop_proof", "The DPoP proof key is not the key the access token is bound to.")}
	}
	// A fresh nonce on every DPoP answer lets the client follow rotation
	// without a failed request.
	w.Header().Set("DPoP-Nonce", s.dpopNonce())
	return &caller{scopes: it.scopes, scheme: "DPoP"}, nil
}

// challenge renders a WWW-Authenticate value (RFC 6750 section 3, RFC 9449
// section 7.1). The DPoP challenge names the algorithms the org accepts.
func challenge(scheme, code, desc string) string {
	v := scheme
	if scheme == "DPoP" {
		v += ` algs="RS256 ES256",`
	}
	return v + ` error="` + code + `", error_description="` + desc + `"`
}

// writeAuthFail answers a refused credential.
func (s *Sim) writeAuthFail(w http.ResponseWriter, f *authFail) {
	if f.challenge != "" {
		w.Header().Set("WWW-Authenticate", f.challenge)
	}
	if f.nonce {
		w.Header().Set("DPoP-Nonce", s.dpopNonce())
	}
	s.writeError(w, errInvalidToken())
}

// missingScopes lists the scopes the route needs that the caller lacks.
// A resource's manage scope also grants its read scope: Okta answers that
// GET /api/v1/groups "requires the okta.groups.read or okta.groups.manage
// scope" (support article "Insufficient scope error when making a request
// to an OAuth or management endpoint").
func (c *caller) missingScopes(method, pattern string) []string {
	if c.scopes == nil {
		return nil
	}
	if method == http.MethodHead {
		method = http.MethodGet
	}
	var missing []string
	for _, sc := range routeScopes[method+" "+pattern] {
		manage, isRead := strings.CutSuffix(sc, ".read")
		if !c.scopes[sc] && !(isRead && c.scopes[manage+".manage"]) {
			missing = append(missing, sc)
		}
	}
	return missing
}

// writeInsufficientScope answers 403 E0000006 with the OAuth challenge in
// the layout of Okta's (the same support article): authorization_uri,
// realm, the scope the resource needs, error, error_description (Okta's
// text, REFERENCE.md 1.2) and resource. Nothing is written.
func (s *Sim) writeInsufficientScope(w http.ResponseWriter, r *http.Request, c *caller, missing []string) {
	base := s.baseURL(r)
	w.Header().Set("WWW-Authenticate", c.scheme+` authorization_uri="`+base+`/oauth2/v1/authorize", realm="`+base+
		`", scope="`+strings.Join(missing, " ")+`", error="insufficient_scope", `+
		`error_description="The access token provided does not contain the required scopes.", resource="`+r.URL.Path+`"`)
	s.writeError(w, errForbidden())
}
