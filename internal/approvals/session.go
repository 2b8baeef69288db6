package approvals

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Sessions live in a cookie the server signs (HMAC-SHA256 under a key
// only the server holds): the approver's login and groups as the identity
// provider said them, an expiry, and the session's CSRF token. The cookie
// is HttpOnly, SameSite=Lax (the sign-in returns through a top-level
// redirect from the provider) and Secure when the public URL is https.

const (
	sessionCookie = "cordon_session"
	loginCookie   = "cordon_oidc" // state, nonce and PKCE verifier of a sign-in in progress
	// SessionLifetime is how long a sign-in lasts.
	SessionLifetime = 8 * time.Hour
	loginLifetime   = 10 * time.Minute
)

// Identity is a signed-in person: the identity provider's subject (the
// canonical identity: Okta's user id when the provider is Okta, whose ID
// tokens carry it as sub), with the login and groups of the same ID token.
type Identity struct {
	Subject string   `json:"sub,omitempty"`
	Login   string   `json:"login"`
	Groups  []string `json:"groups,omitempty"`
}

// ID is the canonical identity runs record as started_by and four eyes
// compares: the subject (the login only for a session made before
// subjects were kept).
func (id Identity) ID() string {
	if id.Subject != "" {
		return id.Subject
	}
	return id.Login
}

type session struct {
	Identity
	CSRF    string    `json:"csrf"`
	Expires time.Time `json:"exp"`
}

type pendingLogin struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Next     string    `json:"next"`
	Expires  time.Time `json:"exp"`
}

var errBadCookie = errors.New("invalid or expired cookie")

// sealer signs and checks cookie values.
type sealer struct {
	key    []byte
	secure bool
	now    func() time.Time
}

func (s sealer) seal(name string, v any) string {
	b, _ := json.Marshal(v) // plain structs always encode
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(name, body))
}

func (s sealer) mac(name, body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(name + "\x00" + body)) // the cookie name binds the value to its use
	return m.Sum(nil)
}

func (s sealer) open(name, value string, into any) error {
	body, sig, ok := strings.Cut(value, ".")
	if !ok {
		return errBadCookie
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(name, body)) {
		return errBadCookie
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(b, into) != nil {
		return errBadCookie
	}
	return nil
}

func (s sealer) set(w http.ResponseWriter, name string, v any, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: s.seal(name, v), Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s sealer) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// session returns the request's valid, unexpired session.
func (s sealer) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	var sess session
	if s.open(sessionCookie, c.Value, &sess) != nil || !s.now().Before(sess.Expires) || sess.Login == "" {
		return nil, false
	}
	return &sess, true
}

func (s sealer) startSession(w http.ResponseWriter, id Identity) {
	sess := session{Identity: id, CSRF: randomString(), Expires: s.now().Add(SessionLifetime)}
	s.set(w, sessionCookie, sess, sess.Expires)
}

// validCSRF compares a submitted token with the session's.
func validCSRF(sess *session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRF)) == 1
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
