package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/workflows"
)

// devPagesStartARun is the dev recipe of docs/approvals.md: worker --dev
// prints its pages' address; a seeded user signs in at the simulated
// org with the dev password, starts a playbook from the Run a playbook
// page, and the run is signed with the dev key the worker trusts.
func devPagesStartARun(t *testing.T, base string, stdout *testutil.SyncBuffer, c client.Client) {
	t.Helper()
	require.Contains(t, stdout.String(), "Approvals page:    "+base+"/approvals (run a playbook: "+base+"/runs/new)")
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	web := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) *http.Response {
		resp, err := web.Get(u)
		require.NoError(t, err)
		return resp
	}
	resp := get(base + "/auth/login?next=/runs/new")
	require.Equal(t, http.StatusFound, resp.StatusCode)
	authz, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	form := authz.Query()
	form.Set("username", oktasim.DemoActiveUserLogin)
	form.Set("password", oktasim.DefaultDevPassword)
	authz.RawQuery = ""
	resp, err = web.PostForm(authz.String(), form)
	require.NoError(t, err)
	require.Equal(t, http.StatusFound, resp.StatusCode, "the simulated org takes the dev password")
	resp = get(resp.Header.Get("Location")) // the callback, registered for any loopback port
	require.Equal(t, http.StatusFound, resp.StatusCode)
	resp = get(base + "/runs/new?playbook=investigate-user")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	require.NotNil(t, m)
	resp, err = web.PostForm(base+"/runs", url.Values{"csrf": {string(m[1])}, "playbook": {"investigate-user"}, "input_login": {oktasim.DemoActiveUserLogin}})
	require.NoError(t, err)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/approvals/")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := runs.Wait(ctx, c, id, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, oktasim.DemoActiveUserLogin+" ("+oktasim.DemoActiveUserID+"), signed by key "+DevKeyID, workflows.StarterText(st))
}
