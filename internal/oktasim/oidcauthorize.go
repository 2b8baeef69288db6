package oktasim

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authorizeParams are the authorization request parameters the login form
// carries from its GET to its POST.
var authorizeParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "prompt"}

// authorize serves /v1/authorize: it checks the request, then signs the
// person in from their SSO session, with the login form, or (prompt=none
// without a session) not at all. Errors that make the redirect URI
// untrustworthy are shown, never redirected.
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
	if !s.redirectRegistered(redirect) {
		// Okta's error page text for an unregistered redirect.
		loginPage(w, http.StatusBadRequest, nil, "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.")
		return
	}
	fail := func(code, desc string) {
		s.redirectBack(w, r, redirect, url.Values{"error": {code}, "error_description": {desc}}, q.Get("state"))
	}
	prompt := q.Get("prompt")
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "the scope must include openid")
		return
	case q.Get("state") == "":
		fail("invalid_request", "The authorization request is missing the required 'state' parameter.")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method S256")
		return
	case prompt != "" && prompt != "none" && prompt != "login":
		fail("invalid_request", "The 'prompt' parameter value is not supported: "+prompt)
		return
	}
	params := map[string]string{}
	for _, k := range authorizeParams {
		params[k] = q.Get(k)
	}
	if r.Method == http.MethodGet {
		sess := s.session(r)
		switch {
		case sess != nil && prompt != "login":
			s.issueCode(w, r, params, sess.userID, sess.authTime)
		case prompt == "none":
			fail("login_required", "The client specified not to prompt, but the user is not logged in.")
		default:
			loginPage(w, http.StatusOK, params, "")
		}
		return
	}
	userID, ok := s.checkLogin(q.Get("username"), q.Get("password"))
	if !ok {
		loginPage(w, http.StatusUnauthorized, params, "Sign-in failed: unknown user, inactive user or wrong password.")
		return
	}
	now := s.now()
	s.startSession(w, userID, now)
	s.issueCode(w, r, params, userID, now)
}

// issueCode stores a one-minute authorization code and redirects to the
// client with it.
func (s *Sim) issueCode(w http.ResponseWriter, r *http.Request, params map[string]string, userID string, authTime time.Time) {
	code := randomToken()
	c := &authCode{clientID: params["client_id"], redirectURI: params["redirect_uri"], challenge: params["code_challenge"],
		nonce: params["nonce"], scope: params["scope"], userID: userID, authTime: authTime, expires: s.now().Add(time.Minute)}
	s.oidc.putCode(code, c)
	s.redirectBack(w, r, params["redirect_uri"], url.Values{"code": {code}}, params["state"])
}

// redirectBack sends the browser to the client's redirect URI with the
// given parameters and the request's state.
func (s *Sim) redirectBack(w http.ResponseWriter, r *http.Request, redirect string, v url.Values, state string) {
	u, _ := url.Parse(redirect)
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// session returns the request's live SSO session of a still-active user.
func (s *Sim) session(r *http.Request) *ssoSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	sess := s.oidc.getSession(c.Value)
	if sess == nil || !s.now().Before(sess.expires) || !s.userActive(sess.userID) {
		return nil
	}
	return sess
}

func (s *Sim) startSession(w http.ResponseWriter, userID string, now time.Time) {
	sid := randomToken()
	s.oidc.putSession(sid, &ssoSession{userID: userID, authTime: now, expires: now.Add(sessionLifetime)})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: s.cookiePath(), HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// endSessions ends every SSO session of a user (DELETE /users/{id}/sessions).
func (s *Sim) endSessions(userID string) {
	s.oidc.mu.Lock()
	defer s.oidc.mu.Unlock()
	for sid, sess := range s.oidc.sessions {
		if sess.userID == userID {
			delete(s.oidc.sessions, sid)
		}
	}
}

func (s *Sim) userActive(id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.users[id]
	return u != nil && u.status == statusActive
}

func (s *Sim) checkLogin(login, password string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.findUser(strings.TrimSpace(login))
	good := subtle.ConstantTimeCompare([]byte(password), []byte(s.devPassword())) == 1
	if u == nil || !good || u.status != statusActive {
		return "", false
	}
	return u.id, true
}

// The form posts to "authorize", relative to the page's own
// .../v1/authorize, so that it works under an org's path prefix too.
var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in (simulated Okta org)</title></head>
<body>
<h1>Sign in</h1>
<p>Simulated Okta org: seeded users sign in with their login and the dev password.</p>
{{with .Error}}<p id="error" role="alert">{{.}}</p>{{end}}
{{if .Params}}<form method="post" action="authorize">
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
