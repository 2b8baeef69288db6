package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/oauth2"

	"github.com/cordonsec/cordon/internal/approvals"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/serve"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// People, not names (issue 30): runs are started by signed-in people
// through cordon serve, which signs the start; a worker that requires
// signed starts refuses anything else before the first step.

// peoplePermissions lets the demo org's people and the webhook start the
// people-* playbooks, and nobody else start anything.
var peoplePermissions = guard.Permissions{Start: []guard.StartRule{
	{Playbooks: []string{"people-*"}, Who: guard.Who{Users: []string{"*@" + oktasim.DemoDomain, "webhook:*"}}}}}

// peopleLib is the playbook library of these tests' cordon serve.
var peopleLib = filepath.Join("testdata", "people")

var (
	peopleOnce  sync.Once
	peopleStack *stack
)

// signedStack is a stack whose worker requires signed starts (and signed
// decisions), as a production worker does by default.
func signedStack(t *testing.T) *stack {
	peopleOnce.Do(func() {
		p := e2eApprovals
		p.RequireSigned, p.RequireSignedStarts = true, true
		p.Permissions = peoplePermissions
		// It lives until the test binary exits, like the shared stack;
		// its server keeps its data in memory.
		peopleStack, _ = newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo}, stackOptions{approvals: &p})
	})
	if peopleStack == nil {
		t.Fatal("the signed-starts stack failed to start (see the first test's log)")
	}
	return peopleStack
}

// startServer is cordon serve with the approvals page and starts over the
// e2e playbooks, signing with e2eSigner, people signing in at issuer.
func (s *stack) startServer(t *testing.T, issuer string, perms ...guard.Permissions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	public := "http://" + ln.Addr().String()
	lib := runs.Library{Dir: peopleLib, Registry: s.reg}
	var srv *serve.Server
	page, err := approvals.New(context.Background(), approvals.Config{Temporal: s.client, Signer: e2eSigner,
		Issuer: issuer, ClientID: oktasim.DefaultOIDCClientID, PublicURL: public,
		Library: lib, Playbooks: func() []*playbook.Playbook { return srv.Playbooks() }})
	if len(perms) > 0 {
		page, err = approvals.New(context.Background(), approvals.Config{Temporal: s.client, Signer: e2eSigner,
			Issuer: issuer, ClientID: oktasim.DefaultOIDCClientID, PublicURL: public, Permissions: perms[0],
			Library: lib, Playbooks: func() []*playbook.Playbook { return srv.Playbooks() }})
	}
	require.NoError(t, err)
	srv, err = serve.New(serve.Config{Insecure: true, Library: lib, Approvals: page})
	require.NoError(t, err)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return public
}

// idToken signs login in at issuer (authorization code with PKCE, as
// cordon login does) and returns the ID token.
func idToken(t *testing.T, issuer, login string) string {
	t.Helper()
	conf := oauth2.Config{ClientID: oktasim.DefaultOIDCClientID, RedirectURL: "http://127.0.0.1:1/callback",
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/v1/authorize", TokenURL: issuer + "/v1/token"},
		Scopes:   []string{"openid", "profile", "email", "groups"}}
	verifier := oauth2.GenerateVerifier()
	authz, err := url.Parse(conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-1")))
	require.NoError(t, err)
	form := authz.Query()
	form.Set("username", login)
	form.Set("password", oktasim.DefaultDevPassword)
	authz.RawQuery = ""
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(authz.String(), form)
	require.NoError(t, err)
	require.Equal(t, http.StatusFound, resp.StatusCode, readAll(t, resp))
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	tok, err := conf.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	raw, _ := tok.Extra("id_token").(string)
	require.NotEmpty(t, raw)
	return raw
}

// postRun is POST /v1/runs with a bearer token; it returns the status
// and the decoded body.
func postRun(t *testing.T, base, token string, req approvals.StartRequest) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(req)
	require.NoError(t, err)
	hr, err := http.NewRequest(http.MethodPost, base+"/v1/runs", bytes.NewReader(b))
	require.NoError(t, err)
	hr.Header.Set("Content-Type", "application/json")
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(readAll(t, resp)), &out))
	return resp.StatusCode, out
}

// runsOf counts the runs of a playbook.
func (s *stack) runsOf(t *testing.T, name string) int {
	t.Helper()
	list, err := runs.List(context.Background(), s.client, "CordonPlaybook = '"+name+"'", 100)
	require.NoError(t, err)
	return len(list)
}

// TestStartThroughServeIsSignedAndVerified: a signed-in person starts a
// run with POST /v1/runs; the worker verifies the signed start and the
// run records who started it and how that was established.
func TestStartThroughServeIsSignedAndVerified(t *testing.T) {
	s := signedStack(t)
	issuer := s.sim.URL() + "/oauth2/default"
	base := s.startServer(t, issuer)
	people := s.takeUsers(t, 2)
	starter, target := people[0], people[1]

	code, body := postRun(t, base, idToken(t, issuer, starter.Login),
		approvals.StartRequest{Playbook: "people-approval", Inputs: map[string]any{"login": target.Login}})
	require.Equal(t, http.StatusAccepted, code, body)
	id, _ := body["workflow_id"].(string)
	assert.Equal(t, starter.ID, body["started_by"], "the canonical identity: the Okta user id")
	assert.Equal(t, starter.Login, body["login"])
	assert.Equal(t, e2eSigner.KeyID, body["key_id"])
	eventually(t, 30*time.Second, "the run to wait for approval", func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval })
	st, err := runs.Query(context.Background(), s.client, id)
	require.NoError(t, err)
	assert.Equal(t, starter.ID, st.StartedBy)
	assert.Equal(t, starter.Login, st.StarterLogin)
	assert.Equal(t, "signed by key "+e2eSigner.KeyID, st.StartVerified)
	assert.Equal(t, starter.Login+" ("+starter.ID+"), signed by key "+e2eSigner.KeyID, workflows.StarterText(st))
	list, err := runs.List(context.Background(), s.client, "WorkflowId = '"+id+"'", 1)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, workflows.StarterText(st), list[0].StartedBy, "cordon list shows who started the run")
	require.NoError(t, s.client.CancelWorkflow(context.Background(), id, ""))
}

// TestBadStartsAreRefused: each bad start is refused with a clear message
// and no run of the playbook starts.
func TestBadStartsAreRefused(t *testing.T) {
	s := signedStack(t)
	issuer := s.sim.URL() + "/oauth2/default"
	base := s.startServer(t, issuer)
	people := s.takeUsers(t, 1)
	token := idToken(t, issuer, people[0].Login)

	// A second org with its own issuer, whose clock ran two hours behind
	// while it signed a person in: its token is expired, and foreign here.
	var offset time.Duration
	var mu sync.Mutex
	other, err := oktasim.Start("127.0.0.1:0", oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(offset) }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	otherIssuer := other.URL() + "/oauth2/default"
	otherBase := s.startServer(t, otherIssuer)
	foreign := idToken(t, otherIssuer, people[0].Login)
	mu.Lock()
	offset = -2 * time.Hour
	mu.Unlock()
	expired := idToken(t, otherIssuer, people[0].Login)
	mu.Lock()
	offset = 0
	mu.Unlock()

	guarded := s.startServer(t, issuer, guard.Permissions{Start: []guard.StartRule{
		{Playbooks: []string{"other-*"}, Who: guard.Who{Users: []string{"*"}}}}})
	before := s.runsOf(t, "people-approval")
	ok := approvals.StartRequest{Playbook: "people-approval", Inputs: map[string]any{"login": "nobody@example.com"}}
	for _, tc := range []struct {
		name, base, token string
		req               approvals.StartRequest
		code              int
		msg               string
	}{
		{"not signed in", base, "", ok, http.StatusUnauthorized, "authentication required"},
		{"foreign issuer", base, foreign, ok, http.StatusUnauthorized, "invalid bearer token: oidc: id token issued by a different provider"},
		{"expired token", otherBase, expired, ok, http.StatusUnauthorized, "invalid bearer token: oidc: token is expired"},
		{"unknown playbook", base, token, approvals.StartRequest{Playbook: "no-such-playbook"}, http.StatusNotFound, `no playbook "no-such-playbook" in the library`},
		{"missing input", base, token, approvals.StartRequest{Playbook: "people-approval"}, http.StatusUnprocessableEntity, "playbook people-approval: "},
		{"undeclared input", base, token, approvals.StartRequest{Playbook: "people-approval", Inputs: map[string]any{"login": "x", "extra": 1}},
			http.StatusUnprocessableEntity, "extra"},
		{"a playbook the person may not run", guarded, token, ok, http.StatusForbidden,
			"refused: " + people[0].Login + " may not start playbook people-approval: no permissions.start rule names them for it"},
		{"wrong input type", base, token, approvals.StartRequest{Playbook: "people-approval", Inputs: map[string]any{"login": []any{"a"}}},
			http.StatusUnprocessableEntity, "login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := postRun(t, tc.base, tc.token, tc.req)
			assert.Equal(t, tc.code, code, body)
			assert.Contains(t, body["error"], tc.msg)
		})
	}
	assert.Equal(t, before, s.runsOf(t, "people-approval"), "no refused start started a run")
}

// signedInput builds a start signed for id as serve would.
func (s *stack) signedInput(t *testing.T, id, startedBy string, inputs map[string]any) workflows.RunInput {
	t.Helper()
	pb := s.load(t, "people/people-approval.yaml")
	lib := runs.Library{Dir: peopleLib, Registry: s.reg}
	pinned, children, err := lib.Pin(pb)
	require.NoError(t, err)
	in := workflows.RunInput{Playbook: pinned, Library: children, Inputs: inputs, Options: workflows.RunOptions{StartedBy: startedBy}}
	in, err = workflows.SignStart(e2eSigner, id, "nonce-"+id, startedBy, nil, in, time.Now())
	require.NoError(t, err)
	return in
}

// rawSigned starts PlaybookWorkflow with a raw Temporal client, as any
// client that reaches the frontend can, and returns the run's final
// status (refused runs fail before their first step).
func (s *stack) rawSigned(t *testing.T, id string, in workflows.RunInput) *workflows.RunStatus {
	t.Helper()
	_, err := s.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, workflows.PlaybookWorkflowName, in)
	require.NoError(t, err)
	return s.wait(t, id)
}

// TestRawStartsWithoutAValidSignatureAreRefused: with
// require_signed_starts, a raw Temporal start that is unsigned, altered in
// any signed field, or a signed start replayed for a second run is
// refused before its first step.
func TestRawStartsWithoutAValidSignatureAreRefused(t *testing.T) {
	s := signedStack(t)
	inputs := map[string]any{"login": "nobody@example.com"}
	alice := "alice@" + oktasim.DemoDomain
	refusedBeforeFirstStep := func(t *testing.T, st *workflows.RunStatus, msg string) {
		t.Helper()
		assert.Equal(t, workflows.RunFailed, st.Status)
		assert.True(t, strings.HasPrefix(st.Error, "run refused: "), st.Error)
		assert.Contains(t, st.Error, msg)
		for _, step := range st.Steps {
			assert.Equal(t, "pending", step.Status, "step %s never ran", step.ID)
		}
	}

	t.Run("unsigned", func(t *testing.T) {
		in := s.signedInput(t, "people-unsigned", "mallory", inputs)
		in.Start = nil
		refusedBeforeFirstStep(t, s.rawSigned(t, "people-unsigned", in),
			"the start is not signed, and this worker requires signed starts (approvals.require_signed_starts)")
	})

	alter := map[string]func(*workflows.RunInput){
		"started_by": func(in *workflows.RunInput) { in.Options.StartedBy = "grace.hopper" },
		"inputs":     func(in *workflows.RunInput) { in.Inputs = map[string]any{"login": "someone.else@example.com"} },
		"alert":      func(in *workflows.RunInput) { in.Alert = map[string]any{"id": "SIEM-1"} },
		"dry_run":    func(in *workflows.RunInput) { in.Options.DryRun = true },
		"login":      func(in *workflows.RunInput) { in.Start.Login = "grace.hopper" },
		"groups":     func(in *workflows.RunInput) { in.Start.Groups = []string{"SOC Leads"} },
		"nonce":      func(in *workflows.RunInput) { in.Start.Nonce = "another" },
		"signed_at":  func(in *workflows.RunInput) { in.Start.SignedAt = in.Start.SignedAt.Add(time.Second) },
	}
	for field, change := range alter {
		t.Run("altered "+field, func(t *testing.T) {
			id := "people-altered-" + strings.ReplaceAll(field, "_", "-")
			in := s.signedInput(t, id, alice, inputs)
			change(&in)
			refusedBeforeFirstStep(t, s.rawSigned(t, id, in), `the start's signature does not verify with key "serve-e2e": it was forged, altered`)
		})
	}
	t.Run("signed for another workflow id", func(t *testing.T) {
		in := s.signedInput(t, "people-elsewhere", alice, inputs)
		refusedBeforeFirstStep(t, s.rawSigned(t, "people-moved", in), "it was forged, altered, or signed for another workflow id")
	})

	t.Run("a playbook the person may not run", func(t *testing.T) {
		// Signed by a serve without the policy: the worker refuses it.
		in := s.signedInput(t, "people-not-permitted", "mallory@evil.example", inputs)
		refusedBeforeFirstStep(t, s.rawSigned(t, "people-not-permitted", in),
			"mallory@evil.example may not start playbook people-approval: no permissions.start rule names them for it")
	})

	t.Run("replayed", func(t *testing.T) {
		id := "people-replayed"
		in := s.signedInput(t, id, alice, inputs)
		_, err := s.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
			workflows.PlaybookWorkflowName, in)
		require.NoError(t, err)
		eventually(t, 30*time.Second, "the first run to wait", func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval })
		first, err := runs.Query(context.Background(), s.client, id)
		require.NoError(t, err)
		assert.Equal(t, "signed by key serve-e2e", first.StartVerified)
		require.NoError(t, s.client.TerminateWorkflow(context.Background(), id, "", "test"))
		refusedBeforeFirstStep(t, s.rawSigned(t, id, in), "this signed start already started run "+first.RunID+" of "+id+" (replayed)")
	})
}

// TestStartFromThePageAndFourEyes: a person signs in, starts a run from
// the Run a playbook page and sees it wait, without an Approve button for
// themselves; the worker refuses their own approval through the API too;
// a second person approves on the page and the run acts.
func TestStartFromThePageAndFourEyes(t *testing.T) {
	s := signedStack(t)
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
	eventually(t, 30*time.Second, "the run to wait", func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval })

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
	s := signedStack(t)
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
	eventually(t, 30*time.Second, "the run to wait", func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval })

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
	s := signedStack(t)
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
	eventually(t, 30*time.Second, "the run to wait", func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval })
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
	s := signedStack(t)
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
	eventually(t, 30*time.Second, "the run to wait", func() bool { return s.stateOf(t, started.WorkflowID) == workflows.StateWaitingApproval })
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
