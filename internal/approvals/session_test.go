package approvals

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionCookie(t *testing.T) {
	now := time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC)
	s := sealer{key: []byte(strings.Repeat("k", 32)), secure: true, now: func() time.Time { return now }}
	rec := httptest.NewRecorder()
	s.startSession(rec, Identity{Login: "jane@acme.com", Groups: []string{"SOC Leads"}})
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	assert.Equal(t, sessionCookie, c.Name)
	assert.True(t, c.HttpOnly, "HttpOnly")
	assert.True(t, c.Secure, "Secure over https")
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)

	req := func(value string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/approvals", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		return r
	}
	sess, ok := s.session(req(c.Value))
	require.True(t, ok)
	assert.Equal(t, "jane@acme.com", sess.Login)
	assert.True(t, validCSRF(sess, sess.CSRF))
	assert.False(t, validCSRF(sess, ""), "an empty token is never valid")
	assert.False(t, validCSRF(sess, sess.CSRF+"x"))

	body, sig, _ := strings.Cut(c.Value, ".")
	forged := s.seal(sessionCookie, session{Identity: Identity{Login: "mallory"}, Expires: now.Add(time.Hour)})
	fbody, _, _ := strings.Cut(forged, ".")
	for name, v := range map[string]string{
		"another body":         fbody + "." + sig,
		"no signature":         body,
		"other key":            sealer{key: []byte(strings.Repeat("x", 32)), now: s.now}.seal(sessionCookie, sess),
		"another cookie's mac": s.seal(loginCookie, sess),
	} {
		_, ok := s.session(req(v))
		assert.False(t, ok, name)
	}
	now = now.Add(SessionLifetime)
	_, ok = s.session(req(c.Value))
	assert.False(t, ok, "expired")

	plain := sealer{key: s.key, now: s.now}
	rec = httptest.NewRecorder()
	plain.startSession(rec, Identity{Login: "jane"})
	assert.False(t, rec.Result().Cookies()[0].Secure, "plain http (dev) cannot set Secure cookies")
}

func TestLocalPathKeepsRedirectsHere(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/approvals",
		"/approvals/run-1?x=1":  "/approvals/run-1?x=1",
		"https://evil.example/": "/approvals",
		"//evil.example/x":      "/approvals",
		"approvals":             "/approvals",
		"javascript:alert(1)":   "/approvals",
		"/\\evil.example":       "/%5Cevil.example", // escaped: a browser cannot read it as //evil.example
	} {
		assert.Equal(t, want, localPath(in), in)
	}
}
