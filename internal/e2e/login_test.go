package e2e

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/workflows"
)

// TestLoginAndApproveFromTheCLI: cordon login signs in on the simulated
// org through the loopback redirect, and cordon approve then decides
// through cordon serve, which signs the decision.
func TestLoginAndApproveFromTheCLI(t *testing.T) {
	s := getStackAlone(t)
	people := s.takeUsers(t, 2)
	lead, target := people[0], people[1]
	s.socLead(t, lead.ID)
	base := s.approvalsServer(t, e2eSigner)
	env := append(os.Environ(), "TEMPORAL_ADDRESS="+s.srv.FrontendAddr(), "TEMPORAL_NAMESPACE=default",
		"CORDON_SERVE_URL="+base, "CORDON_TOKEN_FILE="+filepath.Join(t.TempDir(), "token.json"))
	cordon := func(args ...string) (string, string, int) {
		cmd := exec.Command(cordonCLI(t), args...)
		cmd.Env = env
		var stdout, stderr testutil.SyncBuffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return stdout.String(), stderr.String(), ee.ExitCode()
		}
		require.NoError(t, err)
		return stdout.String(), stderr.String(), 0
	}

	id := s.start(t, runs.Request{Playbook: s.load(t, "approval-soc.yaml"), Inputs: map[string]any{"login": target.Login}, StartedBy: "alice"})
	require.Eventually(t, func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the run to wait")

	_, stderr, code := cordon("approve", id)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "not signed in: run cordon login (or, on a --dev stack, pass --as NAME)")

	// cordon login prints the provider's URL and waits for the redirect.
	login := exec.Command(cordonCLI(t), "login", "--no-browser", "--timeout", "1m")
	login.Env = env
	var out, errOut testutil.SyncBuffer
	login.Stdout, login.Stderr = &out, &errOut
	require.NoError(t, login.Start())
	var authURL string
	require.Eventually(t, func() bool {
		for _, l := range strings.Split(errOut.String(), "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "http") {
				authURL = l
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "cordon login to print the sign-in URL")

	// The person signs in on the org's form; the browser follows the
	// redirect to cordon login's loopback listener.
	u, err := url.Parse(authURL)
	require.NoError(t, err)
	form := u.Query()
	form.Set("username", lead.Login)
	form.Set("password", oktasim.DefaultDevPassword)
	u.RawQuery = ""
	resp, err := http.PostForm(u.String(), form) // follows the redirect to the callback
	require.NoError(t, err)
	body := readAll(t, resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "Signed in to Cordon")
	require.NoError(t, login.Wait())
	assert.Contains(t, out.String(), "signed in as "+lead.Login+" until ")

	stdout, stderr, code := cordon("approve", id, "--comment", "from the CLI")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, id+" approved by "+lead.Login+" (signed, key serve-e2e)\n", stdout)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	rec := stepOf(st, "approve").Approval
	assert.Equal(t, "serve-e2e", rec.SignedWith)
	assert.Equal(t, "from the CLI", rec.Comment)
	assert.Equal(t, "DEPROVISIONED", s.user(t, target.ID).Status)

	_, stderr, code = cordon("approve", id)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no approval of run "+id+" is pending")

	// Without CORDON_SERVE_URL, approve goes to the serve cordon login
	// signed in to; with another, it says which --serve to pass.
	env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, "CORDON_SERVE_URL=") })
	_, stderr, code = cordon("approve", id)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "no approval of run "+id+" is pending", "reached the saved serve")
	_, stderr, code = cordon("approve", id, "--serve", "http://127.0.0.1:1")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "signed in to "+base+", not http://127.0.0.1:1: pass --serve "+base)
}
