package oktasim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The org's default authorization server, as much of Okta's OpenID Connect
// as a sign-in needs: discovery, JWKS, the authorization code flow with
// PKCE (S256), an SSO session on the org's domain (so prompt=none works),
// RS256 ID tokens with Okta's claims (amr, idp, jti, ver, at_hash and a
// groups claim, which Okta adds when the app's groups claim filter is
// configured; the sim always does for the groups scope), JWT access tokens
// as Okta's custom authorization servers issue them, userinfo, revocation
// and end_session. Seeded users sign in on a plain login form with their
// login and the sim's dev password. Nothing here is shared with the client
// side (internal/approvals), which uses go-oidc and x/oauth2.
//
// Differences from Okta, on purpose: one public client
// (Options.OIDCClientID, PKCE required); no consent screen, MFA, refresh
// tokens or introspection. Redirect URIs must be registered
// (Options.OIDCRedirectURIs); the defaults are the dev clients' loopback
// callbacks, and a loopback redirect matches whatever its port (RFC 8252
// section 7.3, which a native app's `cordon login` relies on).

// DefaultDevPassword is the password of every seeded user on the sim's
// login form (Options.DevPassword).
const DefaultDevPassword = "cordon-dev-password"

// DefaultOIDCClientID is the client id the sim's authorization server
// accepts (Options.OIDCClientID).
const DefaultOIDCClientID = "cordon"

// DefaultOIDCRedirectURIs are the redirect URIs registered for the client
// when Options.OIDCRedirectURIs is empty: `cordon login`'s loopback
// listener (/callback) and `cordon serve`'s page on a loopback address
// (/auth/callback), on any port.
var DefaultOIDCRedirectURIs = []string{
	"http://127.0.0.1/callback", "http://localhost/callback", "http://[::1]/callback",
	"http://127.0.0.1/auth/callback", "http://localhost/auth/callback", "http://[::1]/auth/callback",
}

const (
	authServerPath = "/oauth2/default"
	// accessAudience is the audience of the default authorization
	// server's access tokens.
	accessAudience = "api://default"
	// simOrgID is the org's id (GET /api/v1/org), the idp claim of tokens
	// for users who signed in with an Okta password.
	simOrgID      = "00o1simorg0000000x7"
	tokenLifetime = time.Hour
	// sessionLifetime is the SSO session's, Okta's default of two hours.
	sessionLifetime = 2 * time.Hour
	sessionCookie   = "sid"
)

type oidcState struct {
	once sync.Once
	key  *rsa.PrivateKey
	kid  string
	err  error

	mu       sync.Mutex
	codes    map[string]*authCode
	sessions map[string]*ssoSession
	revoked  map[string]time.Time // access token jti -> its expiry
}

type authCode struct {
	clientID, redirectURI, challenge, nonce, scope, userID string
	authTime, expires                                      time.Time
}

// ssoSession is a signed-in browser on the org's domain.
type ssoSession struct {
	userID            string
	authTime, expires time.Time
}

func (s *Sim) oidcKey() (*rsa.PrivateKey, string, error) {
	o := &s.oidc
	o.once.Do(func() {
		o.key, o.err = rsa.GenerateKey(rand.Reader, 2048)
		if o.err == nil {
			sum := sha256.Sum256(o.key.N.Bytes())
			o.kid = hex.EncodeToString(sum[:8])
		}
	})
	return o.key, o.kid, o.err
}

// reset forgets codes, sessions and revocations (the key stays, so tokens
// a client verified keep their signature).
func (o *oidcState) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes, o.sessions, o.revoked = map[string]*authCode{}, map[string]*ssoSession{}, map[string]time.Time{}
}

// The store's accessors: each holds o.mu for one map operation.

func (o *oidcState) putCode(code string, c *authCode) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes[code] = c
}

// takeCode removes and returns a code: a code is used once, also when the
// attempt fails.
func (o *oidcState) takeCode(code string) *authCode {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.codes[code]
	delete(o.codes, code)
	return c
}

func (o *oidcState) putSession(sid string, sess *ssoSession) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sessions[sid] = sess
}

func (o *oidcState) getSession(sid string) *ssoSession {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sessions[sid]
}

func (o *oidcState) dropSession(sid string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.sessions, sid)
}

func (o *oidcState) revoke(jti string, until time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.revoked[jti] = until
}

func (o *oidcState) isRevoked(jti string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.revoked[jti]
	return ok
}

func (s *Sim) issuer(r *http.Request) string { return s.baseURL(r) + authServerPath }

// cookiePath scopes the SSO session cookie to the org, so that two orgs on
// one host keep separate sessions.
func (s *Sim) cookiePath() string { return s.prefix + "/" }

func (s *Sim) clientID() string {
	if s.opts.OIDCClientID != "" {
		return s.opts.OIDCClientID
	}
	return DefaultOIDCClientID
}

func (s *Sim) devPassword() string {
	if s.opts.DevPassword != "" {
		return s.opts.DevPassword
	}
	return DefaultDevPassword
}

// DefaultOIDCPostLogoutRedirectURIs are the sign-out redirect URIs
// registered when Options.OIDCPostLogoutRedirectURIs is empty: the root of
// a loopback address, on any port.
var DefaultOIDCPostLogoutRedirectURIs = []string{"http://127.0.0.1/", "http://localhost/", "http://[::1]/"}

func (s *Sim) redirectRegistered(raw string) bool {
	return uriRegistered(raw, s.opts.OIDCRedirectURIs, DefaultOIDCRedirectURIs)
}

func (s *Sim) logoutRedirectRegistered(raw string) bool {
	return uriRegistered(raw, s.opts.OIDCPostLogoutRedirectURIs, DefaultOIDCPostLogoutRedirectURIs)
}

// uriRegistered reports whether raw is one of the registered URIs (def
// when none are): exactly, or for an http loopback URI, up to the port.
func uriRegistered(raw string, list, def []string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return false
	}
	if len(list) == 0 {
		list = def
	}
	for _, reg := range list {
		if reg == raw {
			return true
		}
		r, err := url.Parse(reg)
		if err == nil && u.Scheme == "http" && r.Scheme == "http" && isLoopback(u.Hostname()) &&
			u.Hostname() == r.Hostname() && u.EscapedPath() == r.EscapedPath() && u.RawQuery == r.RawQuery {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool { return host == "localhost" || host == "127.0.0.1" || host == "::1" }

// serveOIDC serves the authorization server's endpoints.
func (s *Sim) serveOIDC(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch p := strings.TrimPrefix(r.URL.Path, authServerPath); {
	case p == "/.well-known/openid-configuration" && r.Method == http.MethodGet:
		s.discovery(w, r)
	case p == "/v1/keys" && r.Method == http.MethodGet:
		s.jwks(w)
	case p == "/v1/authorize" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		s.authorize(w, r)
	case p == "/v1/token" && r.Method == http.MethodPost:
		s.token(w, r)
	case p == "/v1/userinfo" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		s.userinfo(w, r)
	case p == "/v1/revoke" && r.Method == http.MethodPost:
		s.revoke(w, r)
	case p == "/v1/logout" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		s.logout(w, r)
	default:
		oauthError(w, http.StatusNotFound, "invalid_request", "no such endpoint: "+r.Method+" "+r.URL.Path)
	}
}

func (s *Sim) discovery(w http.ResponseWriter, r *http.Request) {
	iss := s.issuer(r)
	writeJSONBody(w, http.StatusOK, map[string]any{
		"issuer":                                     iss,
		"authorization_endpoint":                     iss + "/v1/authorize",
		"token_endpoint":                             iss + "/v1/token",
		"userinfo_endpoint":                          iss + "/v1/userinfo",
		"revocation_endpoint":                        iss + "/v1/revoke",
		"end_session_endpoint":                       iss + "/v1/logout",
		"jwks_uri":                                   iss + "/v1/keys",
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      []string{"authorization_code"},
		"subject_types_supported":                    []string{"public"},
		"id_token_signing_alg_values_supported":      []string{"RS256"},
		"scopes_supported":                           []string{"openid", "profile", "email", "groups"},
		"token_endpoint_auth_methods_supported":      []string{"none"},
		"revocation_endpoint_auth_methods_supported": []string{"none"},
		"code_challenge_methods_supported":           []string{"S256"},
		"prompt_values_supported":                    []string{"none", "login"},
		"claims_supported": []string{"iss", "sub", "aud", "iat", "exp", "auth_time", "jti", "ver", "amr", "idp",
			"nonce", "at_hash", "name", "email", "preferred_username", "groups"},
	})
}

func (s *Sim) jwks(w http.ResponseWriter) {
	key, kid, err := s.oidcKey()
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSONBody(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
		"n": b64url(key.N.Bytes()), "e": b64url(big.NewInt(int64(key.E)).Bytes()),
	}}})
}

func signJWT(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": kid})
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64url(h) + "." + b64url(p)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64url(sig), nil
}

var errBadJWT = errors.New("not a token this server signed")

// verifyJWT checks a token's RS256 signature with the server's key and
// returns its claims; expiry is the caller's to check.
func (s *Sim) verifyJWT(raw string) (map[string]any, error) {
	key, _, err := s.oidcKey()
	if err != nil {
		return nil, err
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errBadJWT
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errBadJWT
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return nil, errBadJWT
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errBadJWT
	}
	var claims map[string]any
	if json.Unmarshal(body, &claims) != nil {
		return nil, errBadJWT
	}
	return claims, nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return b64url(b)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSONBody(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
