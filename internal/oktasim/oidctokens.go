package oktasim

import (
	"crypto/sha256"
	"net/http"
	"slices"
	"strings"
	"time"
)

// clientFrom returns the client a token or revocation request names, in
// the form or in HTTP Basic authentication, and whether it is the sim's
// client. An unknown client is invalid_client 401 (RFC 6749 section 5.2),
// not a grant error.
func (s *Sim) clientFrom(w http.ResponseWriter, r *http.Request) bool {
	id := r.PostForm.Get("client_id")
	basic := false
	if bid, _, ok := r.BasicAuth(); ok {
		id, basic = bid, true
	}
	if id == s.clientID() {
		return true
	}
	if basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+authServerPath+`"`)
	}
	oauthError(w, http.StatusUnauthorized, "invalid_client",
		"Client authentication failed. Either the client or the client credentials are invalid.")
	return false
}

// token redeems an authorization code once, checking the PKCE verifier,
// and answers with an ID token and a JWT access token.
func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	// RFC 6749 section 5.1: token answers are not cached.
	w.Header().Set("Pragma", "no-cache")
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if !s.clientFrom(w, r) {
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
	c := s.oidc.takeCode(f.Get("code"))
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case c == nil || s.now().After(c.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or has expired.")
		return
	case c.clientID != s.clientID() || f.Get("redirect_uri") != c.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "client_id or redirect_uri does not match the authorization request.")
		return
	case b64url(sum[:]) != c.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed.")
		return
	}
	idClaims, atClaims, ok := s.tokenClaims(r, c)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The user is no longer active.")
		return
	}
	access, err := signJWT(key, kid, atClaims)
	if err == nil {
		// OIDC Core 3.1.3.6: the left half of the access token's SHA-256.
		h := sha256.Sum256([]byte(access))
		idClaims["at_hash"] = b64url(h[:len(h)/2])
	}
	idToken, err2 := signJWT(key, kid, idClaims)
	if err != nil || err2 != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "token signing failed")
		return
	}
	writeJSONBody(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": int(tokenLifetime / time.Second),
		"access_token": access, "scope": c.scope, "id_token": idToken})
}

// tokenClaims builds the ID token's and the access token's claims as
// Okta's default authorization server issues them; profile and email
// claims follow the granted scopes.
func (s *Sim) tokenClaims(r *http.Request, c *authCode) (id, access map[string]any, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.users[c.userID]
	if u == nil || u.status != statusActive {
		return nil, nil, false
	}
	now := s.now()
	scopes := strings.Fields(c.scope)
	id = map[string]any{"ver": 1, "jti": "ID." + randomToken(), "iss": s.issuer(r), "sub": u.id, "aud": c.clientID,
		"iat": now.Unix(), "exp": now.Add(tokenLifetime).Unix(), "auth_time": c.authTime.Unix(),
		"amr": []string{"pwd"}, "idp": simOrgID}
	for k, v := range s.org.userClaims(u, scopes) {
		id[k] = v
	}
	if c.nonce != "" {
		id["nonce"] = c.nonce
	}
	access = map[string]any{"ver": 1, "jti": "AT." + randomToken(), "iss": s.issuer(r), "aud": accessAudience,
		"iat": now.Unix(), "exp": now.Add(tokenLifetime).Unix(), "cid": c.clientID, "uid": u.id, "scp": scopes,
		"auth_time": c.authTime.Unix(), "sub": u.login()}
	return id, access, true
}

// userClaims are the user's claims for the granted scopes (ID token and
// userinfo).
func (o *org) userClaims(u *user, scopes []string) map[string]any {
	str := func(k string) string { v, _ := u.profile[k].(string); return v }
	out := map[string]any{}
	if slices.Contains(scopes, "profile") {
		out["name"] = strings.TrimSpace(str("firstName") + " " + str("lastName"))
		out["preferred_username"] = u.login()
		out["given_name"], out["family_name"] = str("firstName"), str("lastName")
		out["updated_at"] = u.lastUpdated.Unix()
	}
	if slices.Contains(scopes, "email") {
		out["email"] = str("email")
		out["email_verified"] = true
	}
	if slices.Contains(scopes, "groups") {
		groups := []string{}
		for _, g := range o.userGroups(u) {
			groups = append(groups, g.name)
		}
		out["groups"] = groups
	}
	return out
}

// accessToken checks a bearer access token: signed here, for this
// server's audience, unexpired and not revoked.
func (s *Sim) accessToken(r *http.Request, raw string) (map[string]any, bool) {
	claims, err := s.verifyJWT(raw)
	if err != nil || claims["aud"] != accessAudience || claims["iss"] != s.issuer(r) {
		return nil, false
	}
	exp, _ := claims["exp"].(float64)
	if !s.now().Before(time.Unix(int64(exp), 0)) {
		return nil, false
	}
	jti, _ := claims["jti"].(string)
	return claims, !s.oidc.isRevoked(jti)
}

// userinfo serves /v1/userinfo for a bearer access token.
func (s *Sim) userinfo(w http.ResponseWriter, r *http.Request) {
	a := r.Header.Get("Authorization")
	if len(a) < 7 || !strings.EqualFold(a[:7], "Bearer ") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request", error_description="The access token is missing."`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	claims, ok := s.accessToken(r, strings.TrimSpace(a[7:]))
	var out map[string]any
	if ok {
		out = s.userinfoClaims(claims)
	}
	if out == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is invalid."`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeJSONBody(w, http.StatusOK, out)
}

// userinfoClaims are the claims of an access token's still-active user for
// its scopes; nil when the user is gone or inactive.
func (s *Sim) userinfoClaims(at map[string]any) map[string]any {
	uid, _ := at["uid"].(string)
	var scopes []string
	for _, v := range asSlice(at["scp"]) {
		if sc, ok := v.(string); ok {
			scopes = append(scopes, sc)
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.users[uid]
	if u == nil || u.status != statusActive {
		return nil
	}
	out := s.org.userClaims(u, scopes)
	out["sub"] = u.id
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// revoke serves /v1/revoke (RFC 7009): a valid access token of this server
// stops working at userinfo; any other token is answered 200 all the same.
func (s *Sim) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if !s.clientFrom(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The token parameter is required.")
		return
	}
	if claims, ok := s.accessToken(r, tok); ok {
		jti, _ := claims["jti"].(string)
		exp, _ := claims["exp"].(float64)
		s.oidc.revoke(jti, time.Unix(int64(exp), 0))
	}
	w.WriteHeader(http.StatusOK)
}

// logout serves /v1/logout (end_session): it needs an ID token this server
// issued to the client (expired ones too, as Okta), ends the browser's
// SSO session and returns to a registered sign-out URI, or shows a page.
func (s *Sim) logout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	q := r.Form
	claims, err := s.verifyJWT(q.Get("id_token_hint"))
	if err != nil || claims["aud"] != s.clientID() || claims["iss"] != s.issuer(r) {
		loginPage(w, http.StatusBadRequest, nil, "The 'id_token_hint' parameter is missing or is not a valid ID token of this client.")
		return
	}
	back := q.Get("post_logout_redirect_uri")
	if back != "" && !s.logoutRedirectRegistered(back) {
		loginPage(w, http.StatusBadRequest, nil, "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.")
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.oidc.dropSession(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: s.cookiePath(), MaxAge: -1, HttpOnly: true})
	if back == "" {
		loginPage(w, http.StatusOK, nil, "You are signed out.")
		return
	}
	s.redirectBack(w, r, back, nil, q.Get("state"))
}
