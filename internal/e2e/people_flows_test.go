package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/approvals"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/serve"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// People, not names: the happy paths through the page, a browser, the CLI
// and the webhook (the harness and the refusals are in people_test.go).

// TestStartFromThePageAndFourEyes: a person signs in, starts a run from
// the Run a playbook page and sees it wait, without an Approve button for
// themselves; the worker refuses their own approval through the API too;
// a second person approves on the page and the run acts.
func TestStartFromThePageAndFourEyes(t *testing.T) {
	s := signedStackAlone(t)
	issuer := s.sim.URL() + "/oauth2/default"
	base := s.startServer(t, issuer)
	people := s.takeUsers(t, 3)
	starter, approver, target := people[0], people[1], people[2]

	web, csrf := signInHTTP(t, base, starter.Login)
	resp, err := web.Get(base + "/runs/new?playbook=people-approval")
	require.NoError(t, err)
	page := readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	assert.Contains(t, page, `name="input_login"`, "a field per declared input")
	assert.Contains(t, page, `placeholder="suspicious sign-in"`, "with its default")
	resp, err = web.PostForm(base+"/runs", url.Values{"csrf": {csrf}, "playbook": {"people-approval"}, "input_login": {target.Login}})
	require.NoError(t, err)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, readAll(t, resp))
	runPath := resp.Header.Get("Location")
	id, err := url.PathUnescape(strings.TrimPrefix(runPath, "/approvals/"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the run to wait")

	resp, err = web.Get(base + runPath)
	require.NoError(t, err)
	page = readAll(t, resp)
	assert.Contains(t, page, "You started this run, so a second person decides this step (four eyes).")
	assert.NotContains(t, page, `class="approve"`, "no Approve button for the starter")
	assert.Contains(t, page, starter.Login+" (")
	assert.Contains(t, page, "signed by key "+e2eSigner.KeyID)

	// The same person through the API, with a bearer token: the worker
	// refuses on the canonical identity, and says nothing about turning
	// four eyes off.
	b, _ := json.Marshal(approvals.DecisionRequest{Decision: "approve"})
	hr, err := http.NewRequest(http.MethodPost, base+"/v1/approvals/"+url.PathEscape(id)+"/approve", bytes.NewReader(b))
	require.NoError(t, err)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+idToken(t, issuer, starter.Login))
	resp, err = http.DefaultClient.Do(hr)
	require.NoError(t, err)
	body := readAll(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	assert.Contains(t, body, starter.Login+" started this run and may not approve it: step approve needs a second person (four eyes)")
	assert.NotContains(t, body, "allow_self")

	other, otherCSRF := signInHTTP(t, base, approver.Login)
	resp, err = other.Get(base + runPath)
	require.NoError(t, err)
	assert.Contains(t, readAll(t, resp), `class="approve"`, "the second person sees the button")
	st, err := runs.Query(context.Background(), s.client, id)
	require.NoError(t, err)
	resp, err = other.PostForm(base+"/approvals/"+url.PathEscape(id)+"/approve", url.Values{"csrf": {otherCSRF}, "decision": {"approve"},
		"targets_sha256": {st.PendingApprovals[0].TargetsSHA256}})
	require.NoError(t, err)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, readAll(t, resp))
	final := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, final.Status, final.Error)
	u, _ := s.sim.Sim().User(target.ID)
	assert.Equal(t, "DEPROVISIONED", u.Status)
	for _, step := range final.Steps {
		if step.Approval != nil {
			assert.Equal(t, approver.Login, step.Approval.Approver)
		}
	}
}

// TestRunAndApproveInABrowser: in a real browser, a person signs in,
// starts a run from the Run a playbook page, sees it wait with no Approve
// button for themselves; a second person signs in, approves, and the run
// acts on the org.
func TestRunAndApproveInABrowser(t *testing.T) {
	path := findBrowser()
	if path == "" {
		t.Skip("SKIPPED LOUDLY: no Chromium found (install Debian's chromium package, or set CORDON_CHROMIUM); starting runs was NOT tested in a browser")
	}
	s := signedStackAlone(t)
	base := s.startServer(t, s.sim.URL()+"/oauth2/default")
	people := s.takeUsers(t, 3)
	starter, approver, target := people[0], people[1], people[2]

	ctx := browser(t, path)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/runs/new")))
	require.NoError(t, signIn(ctx, starter.Login))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#playbooks`)),
		chromedp.Click(chromedp.CSS(`#playbooks a[href="/runs/new?playbook=people-approval"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#input_login`)),
		chromedp.SendKeys(chromedp.CSS(`#input_login`), target.Login),
		chromedp.Click(chromedp.CSS(`#run`)),
		chromedp.WaitVisible(chromedp.CSS(`#status`)),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	id, err := url.PathUnescape(loc[strings.LastIndex(loc, "/")+1:])
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the run to wait")

	section := fmt.Sprintf(`section[data-run=%q][data-step="approve"]`, id)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/approvals/"+url.PathEscape(id)), chromedp.WaitVisible(chromedp.CSS(section+` .starter`))))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#status`)))
	require.NoError(t, err)
	assert.Equal(t, "running", status, "the run is open, waiting for its approval")
	startedBy, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#started-by`)))
	require.NoError(t, err)
	assert.Equal(t, starter.Login+" ("+starter.ID+"), signed by key "+e2eSigner.KeyID, startedBy)
	note, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(section+` .starter`)))
	require.NoError(t, err)
	assert.Equal(t, "You started this run, so a second person decides this step (four eyes).", note)
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, section+" button")))
	require.NoError(t, err)
	assert.Zero(t, buttons, "no Approve or Reject button for the starter")

	actx := browser(t, path)
	require.NoError(t, chromedp.Do(actx, chromedp.Navigate(base+"/approvals")))
	require.NoError(t, signIn(actx, approver.Login))
	require.NoError(t, chromedp.Do(actx,
		chromedp.WaitVisible(chromedp.CSS(section)),
		chromedp.SendKeys(chromedp.CSS(section+` input[name="comment"]`), "second pair of eyes"),
		chromedp.Click(chromedp.CSS(section+` button.approve`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash, .error`)),
	))
	flash, err := chromedp.Run(actx, chromedp.Text(chromedp.CSS(`.flash, .error`)))
	require.NoError(t, err)
	assert.Equal(t, "Step approve of "+id+" approved by "+approver.Login+".", flash)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, "DEPROVISIONED", s.user(t, target.ID).Status)
}

// TestRunFromTheCLIGoesThroughServe: after cordon login, cordon run starts
// through cordon serve, which signs the start for the signed-in person;
// cordon status and cordon list say who started it. Without a sign-in,
// the CLI's unsigned start is refused by a worker that requires signed
// starts.
func TestRunFromTheCLIGoesThroughServe(t *testing.T) {
	s := signedStackAlone(t)
	issuer := s.sim.URL() + "/oauth2/default"
	base := s.startServer(t, issuer)
	people := s.takeUsers(t, 2)
	starter, target := people[0], people[1]
	tokenFile := filepath.Join(t.TempDir(), "token.json")
	tok, err := json.Marshal(approvals.Token{Serve: base, IDToken: idToken(t, issuer, starter.Login), Login: starter.Login, Expiry: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(tokenFile, tok, 0o600))
	env := []string{"CORDON_TOKEN_FILE=" + tokenFile, "CORDON_PLAYBOOKS=" + peopleLib, "CORDON_SERVE_URL="}

	out, stderr, code := s.cliEnv(t, env, "run", "people-approval", "--input", "login="+target.Login)
	require.Equal(t, 0, code, stderr)
	id := strings.TrimSpace(out)
	assert.Contains(t, stderr, "started by "+starter.Login+" ("+starter.ID+", signed by cordon serve, key "+e2eSigner.KeyID+")")
	require.Eventually(t, func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the run to wait")
	out, stderr, code = s.cliEnv(t, env, "status", id)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "  started by "+starter.Login+" ("+starter.ID+"), signed by key "+e2eSigner.KeyID+"\n")
	out, stderr, code = s.cliEnv(t, env, "list", "--playbook", "people-approval")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "STARTED BY")
	assert.Contains(t, out, starter.Login+" ("+starter.ID+"), signed by key "+e2eSigner.KeyID)
	require.NoError(t, s.client.CancelWorkflow(context.Background(), id, ""))

	// Not signed in: the CLI starts unsigned, and the worker refuses it.
	env[0] = "CORDON_TOKEN_FILE=" + filepath.Join(t.TempDir(), "none.json")
	out, stderr, code = s.cliEnv(t, env, "run", "people-approval", "--input", "login="+target.Login, "--as", "alice@"+oktasim.DemoDomain, "--wait")
	assert.Equal(t, 1, code, out+stderr)
	assert.Contains(t, out+stderr, "run refused: the start is not signed, and this worker requires signed starts (approvals.require_signed_starts)")
}

// TestWebhookStartsAsASignedServiceIdentity: cordon serve's webhook signs
// its runs for its service identity, so a worker that requires signed
// starts runs them, and says who started them.
func TestWebhookStartsAsASignedServiceIdentity(t *testing.T) {
	s := signedStackAlone(t)
	target := s.takeUsers(t, 1)[0]
	srv, err := serve.New(serve.Config{Token: "people-webhook-token", Library: runs.Library{Dir: peopleLib, Registry: s.reg},
		Starter: trigger.ClientStarter{Client: s.client, Signer: e2eSigner}})
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	hr, err := http.NewRequest(http.MethodPost, hs.URL+"/v1/playbooks/people-approval/runs",
		strings.NewReader(`{"inputs": {"login": "`+target.Login+`"}}`))
	require.NoError(t, err)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer people-webhook-token")
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(t, err)
	var started serve.NamedRunResponse
	require.NoError(t, json.Unmarshal([]byte(readAll(t, resp)), &started))
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	require.Eventually(t, func() bool { return s.stateOf(t, started.WorkflowID) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the run to wait")
	st, err := runs.Query(context.Background(), s.client, started.WorkflowID)
	require.NoError(t, err)
	assert.Equal(t, "webhook:bearer (service identity), signed by key "+e2eSigner.KeyID, workflows.StarterText(st))

	// A service identity never approves, even with a valid signature.
	d := workflows.SignDecision(e2eSigner, started.WorkflowID, st.PendingApprovals[0], workflows.Decision{Approver: "webhook:bearer"}, time.Now())
	_, err = runs.Approve(context.Background(), s.client, started.WorkflowID, d)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "webhook:bearer is a service identity; only people decide approvals")
	require.NoError(t, s.client.CancelWorkflow(context.Background(), started.WorkflowID, ""))
}
