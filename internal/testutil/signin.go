package testutil

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// SignIn signs login in to the Cordon pages at base without a browser:
// it opens base+loginPath, fills in the simulated org's login form with
// password and follows the callback, as a browser would. It returns a
// client holding the session cookie that does not follow redirects.
func SignIn(t testing.TB, base, loginPath, login, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + loginPath)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	authz, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	form := authz.Query()
	form.Set("username", login)
	form.Set("password", password)
	authz.RawQuery = ""
	resp, err = c.PostForm(authz.String(), form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, "the simulated org's login form accepts the password")
	resp, err = c.Get(resp.Header.Get("Location")) // the callback, registered for any loopback port
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, string(b))
	return c
}
