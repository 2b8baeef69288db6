package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// People, not names (issue 30): runs are started by signed-in people
// through cordon serve, which signs the start; a worker that requires
// signed starts refuses anything else before the first step.

// peoplePermissions lets the demo org's people and the webhook start the
// people-* playbooks on the default connection, and nobody else start
// anything, nor anything on another connection.
var peoplePermissions = guard.Permissions{Start: []guard.StartRule{
	{Playbooks: []string{"people-*"}, Connections: []string{"default"}, Who: guard.Who{Users: []string{"*@" + oktasim.DemoDomain, "webhook:*"}}}}}

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
	s := signedStackAlone(t)
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
	require.Eventually(t, func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the run to wait for approval")
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
	s := signedStackAlone(t)
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
	onDefault := s.startServer(t, issuer, peoplePermissions)
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
		{"a connection the person may not act on", onDefault, token,
			approvals.StartRequest{Playbook: "people-approval", Inputs: map[string]any{"login": "nobody@example.com"}, Connection: "globex"}, http.StatusForbidden,
			"refused: " + people[0].Login + " may not start playbook people-approval on connection globex: no permissions.start rule names them for it there"},
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
	s := signedStackAlone(t)
	inputs := map[string]any{"login": "nobody@example.com"}
	alice := "alice@" + oktasim.DemoDomain
	refusedBeforeFirstStep := func(t *testing.T, st *workflows.RunStatus, msg string) {
		t.Helper()
		assert.Equal(t, workflows.RunFailed, st.Status)
		assert.True(t, strings.HasPrefix(st.Error, "run refused: "), st.Error)
		assert.Contains(t, st.Error, msg)
		for _, step := range st.Steps {
			assert.Equal(t, playbook.StatusPending, step.Status, "step %s never ran", step.ID)
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
		"connection": func(in *workflows.RunInput) { in.Connection = "globex" },
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

	t.Run("a connection the person may not act on", func(t *testing.T) {
		// Signed by a serve without the policy, for globex: the worker
		// refuses it, as permissions.start covers the default connection only.
		id := "people-other-org"
		pb := s.load(t, "people/people-approval.yaml")
		pinned, children, err := runs.Library{Dir: peopleLib, Registry: s.reg}.Pin(pb)
		require.NoError(t, err)
		in := workflows.RunInput{Playbook: pinned, Library: children, Inputs: inputs, Connection: "globex", Options: workflows.RunOptions{StartedBy: alice}}
		in, err = workflows.SignStart(e2eSigner, id, "nonce-"+id, alice, nil, in, time.Now())
		require.NoError(t, err)
		refusedBeforeFirstStep(t, s.rawSigned(t, id, in),
			alice+" may not start playbook people-approval on connection globex: no permissions.start rule names them for it there")
	})

	t.Run("replayed", func(t *testing.T) {
		id := "people-replayed"
		in := s.signedInput(t, id, alice, inputs)
		_, err := s.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
			workflows.PlaybookWorkflowName, in)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return s.stateOf(t, id) == workflows.StateWaitingApproval }, 30*time.Second, 50*time.Millisecond, "the first run to wait")
		first, err := runs.Query(context.Background(), s.client, id)
		require.NoError(t, err)
		assert.Equal(t, "signed by key serve-e2e", first.StartVerified)
		require.NoError(t, s.client.TerminateWorkflow(context.Background(), id, "", "test"))
		refusedBeforeFirstStep(t, s.rawSigned(t, id, in), "this signed start already started run "+first.RunID+" of "+id+" (replayed)")
	})
}
