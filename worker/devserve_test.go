package main

import (
	"context"
	"io"
	"net/http"
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
	web := testutil.SignIn(t, base, "/auth/login?next=/runs/new", oktasim.DemoActiveUserLogin, oktasim.DefaultDevPassword)
	resp, err := web.Get(base + "/runs/new?playbook=investigate-user")
	require.NoError(t, err)
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
