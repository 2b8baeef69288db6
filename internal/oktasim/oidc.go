package oktasim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The org's default authorization server, as much of Okta's OpenID Connect
// as a sign-in needs: discovery, JWKS, the authorization code flow with
// PKCE (S256) and RS256 ID tokens carrying a groups claim (Okta adds it
// when the app's groups claim filter is configured; the sim always does
// for the groups scope). Seeded users sign in on a plain login form with
// their login and the sim's dev password. Nothing here is shared with the
// client side (internal/approvals), which uses go-oidc and x/oauth2.
//
// Differences from Okta, on purpose: one client (Options.OIDCClientID,
// public, PKCE required), redirect URIs are not registered but must be
// http on a loopback host or https, there is no consent screen, MFA,
// refresh token or userinfo endpoint.

// DefaultDevPassword is the password of every seeded user on the sim's
// login form (Options.DevPassword).
const DefaultDevPassword = "cordon-dev-password"

// DefaultOIDCClientID is the client id the sim's authorization server
// accepts (Options.OIDCClientID).
const DefaultOIDCClientID = "cordon"

const authServerPath = "/oauth2/default"

type oidcState struct {
	once sync.Once
	key  *rsa.PrivateKey
	kid  string
	err  error

	mu    sync.Mutex
	codes map[string]*authCode
}

type authCode struct {
	clientID, redirectURI, challenge, nonce, scope, userID string
	expires                                                time.Time
}

func (s *Sim) oidcKey() (*rsa.PrivateKey, string, error) {
	o := &s.oidc
	o.once.Do(func() {
		o.key, o.err = rsa.GenerateKey(rand.Reader, 2048)
		if o.err == nil {
			sum := sha256.Sum256(o.key.N.Bytes())
			o.kid = hex.EncodeToString(sum[:8])
		}
		o.codes = map[string]*authCode{}
	})
	return o.key, o.kid, o.err
}

func (s *Sim) issuer(r *http.Request) string {
	base := s.opts.BaseURL
	if base == "" {
		base = "http://" + r.Host
	}
	return strings.TrimRight(base, "/") + authServerPath
}

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
	default:
		oauthError(w, http.StatusNotFound, "invalid_request", "no such endpoint: "+r.Method+" "+r.URL.Path)
	}
}

func (s *Sim) discovery(w http.ResponseWriter, r *http.Request) {
	iss := s.issuer(r)
	writeJSONBody(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/v1/authorize",
		"token_endpoint":                        iss + "/v1/token",
		"jwks_uri":                              iss + "/v1/keys",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "groups"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported":                      []string{"iss", "sub", "aud", "iat", "exp", "nonce", "name", "email", "preferred_username", "groups"},
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

// authorize shows the login form (GET) and checks it (POST). Errors that
// make the redirect URI untrustworthy are shown, never redirected.
func (s *Sim) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	q := r.Form
	redirect := q.Get("redirect_uri")
	if q.Get("client_id") != s.clientID() {
		loginPage(w, http.StatusBadRequest, nil, "Unknown client_id "+q.Get("client_id")+".")
		return
	}
	if !redirectAllowed(redirect) {
		loginPage(w, http.StatusBadRequest, nil, "redirect_uri must be http on a loopback host or https.")
		return
	}
	fail := func(code, desc string) {
		u, _ := url.Parse(redirect)
		v := u.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		v.Set("state", q.Get("state"))
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "the scope must include openid")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method S256")
		return
	}
	params := map[string]string{}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"} {
		params[k] = q.Get(k)
	}
	if r.Method == http.MethodGet {
		loginPage(w, http.StatusOK, params, "")
		return
	}
	userID, ok := s.checkLogin(q.Get("username"), q.Get("password"))
	if !ok {
		loginPage(w, http.StatusUnauthorized, params, "Sign-in failed: unknown user, inactive user or wrong password.")
		return
	}
	code := randomToken()
	s.oidcKey() //nolint:errcheck // initialises the code store; the key error is reported by /token
	s.oidc.mu.Lock()
	s.oidc.codes[code] = &authCode{clientID: params["client_id"], redirectURI: redirect, challenge: params["code_challenge"],
		nonce: params["nonce"], scope: params["scope"], userID: userID, expires: s.now().Add(time.Minute)}
	s.oidc.mu.Unlock()
	u, _ := url.Parse(redirect)
	v := u.Query()
	v.Set("code", code)
	v.Set("state", params["state"])
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Sim) checkLogin(login, password string) (string, bool) {
	s.mu.RLock()
	u := s.org.findUser(strings.TrimSpace(login))
	s.mu.RUnlock()
	good := subtle.ConstantTimeCompare([]byte(password), []byte(s.devPassword())) == 1
	if u == nil || !good || u.status != "ACTIVE" {
		return "", false
	}
	return u.id, true
}

func redirectAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		return h == "localhost" || h == "127.0.0.1" || h == "::1"
	}
	return false
}

// token redeems an authorization code once, checking the PKCE verifier.
func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code")
		return
	}
	key, kid, err := s.oidcKey()
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	s.oidc.mu.Lock()
	c := s.oidc.codes[f.Get("code")]
	delete(s.oidc.codes, f.Get("code")) // a code is used once, also when the attempt fails
	s.oidc.mu.Unlock()
	clientID := f.Get("client_id")
	if id, _, ok := r.BasicAuth(); ok {
		clientID = id
	}
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case c == nil || s.now().After(c.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or has expired.")
		return
	case clientID != c.clientID || f.Get("redirect_uri") != c.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "client_id or redirect_uri does not match the authorization request.")
		return
	case b64url(sum[:]) != c.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed.")
		return
	}
	claims, ok := s.idClaims(r, c)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The user is no longer active.")
		return
	}
	idToken, err := signJWT(key, kid, claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSONBody(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3600,
		"access_token": randomToken(), "scope": c.scope, "id_token": idToken})
}

func (s *Sim) idClaims(r *http.Request, c *authCode) (map[string]any, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.users[c.userID]
	if u == nil || u.status != "ACTIVE" {
		return nil, false
	}
	now := s.now()
	str := func(k string) string { v, _ := u.profile[k].(string); return v }
	claims := map[string]any{"iss": s.issuer(r), "sub": u.id, "aud": c.clientID, "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(), "preferred_username": u.login(),
		"email": str("email"), "name": strings.TrimSpace(str("firstName") + " " + str("lastName"))}
	if c.nonce != "" {
		claims["nonce"] = c.nonce
	}
	if slices.Contains(strings.Fields(c.scope), "groups") {
		groups := []string{}
		for _, g := range s.org.userGroups(u) {
			groups = append(groups, g.name)
		}
		claims["groups"] = groups
	}
	return claims, true
}

func signJWT(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
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

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in (simulated Okta org)</title></head>
<body>
<h1>Sign in</h1>
<p>Simulated Okta org: seeded users sign in with their login and the dev password.</p>
{{with .Error}}<p id="error" role="alert">{{.}}</p>{{end}}
{{if .Params}}<form method="post" action="` + authServerPath + `/v1/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label>Username <input id="username" name="username" autocomplete="username" autofocus></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
<button id="signin" type="submit">Sign in</button>
</form>{{end}}
</body></html>
`))

func loginPage(w http.ResponseWriter, status int, params map[string]string, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = loginTmpl.Execute(w, map[string]any{"Params": params, "Error": msg})
}
