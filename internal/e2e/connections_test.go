package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// The runtime side of connections (issue 29): one engine per connection,
// each on its own task queue, in one worker process and in several.

// The tokens of the two simulated orgs: each org accepts only its own.
const (
	acmeToken   = "e2e-acme-token-0123456789"
	globexToken = "e2e-globex-token-0123456789"
	globex      = "globex"
)

// connStack is a Temporal server with two simulated orgs: the default
// connection's (acme), reached with an SSWS token, and globex's, reached
// with an OAuth 2.0 service app (private_key_jwt, DPoP-bound tokens): the
// two auth modes side by side. Workers are started by the test
// (startWorker), each serving both connections with Okta clients of its
// own, as worker processes of one deployment do.
type connStack struct {
	srv    *devserver.Server
	client client.Client
	orgs   map[string]*oktasim.Server // by connection name
	// globexKey is the private key of globex's service app.
	globexKey *ecdsa.PrivateKey
	// globexScopes, when set, are the scopes globex's clients request
	// (a connection's scopes: list); default every action's.
	globexScopes []string
}

// globex's service app.
const (
	globexClientID = "0oae2eglobex"
	globexKeyID    = "e2e-key"
)

func newConnStack(t testing.TB, acme, glx oktasim.Options) *connStack {
	t.Helper()
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", SearchAttributes: workflows.SearchAttributes(),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	require.NoError(t, err)
	c, err := srv.NewClient(ctx, client.Options{})
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	s := &connStack{srv: srv, client: c, orgs: map[string]*oktasim.Server{}, globexKey: key}
	t.Cleanup(func() {
		c.Close()
		for _, o := range s.orgs {
			_ = o.Close()
		}
		_ = srv.Stop()
	})
	acme.Token, glx.Token = acmeToken, globexToken
	reg := action.Okta()
	glx.ServiceApps = append(glx.ServiceApps, oktasim.ServiceApp{ClientID: globexClientID,
		Keys: []jose.JSONWebKey{oktasim.ServiceKey(globexKeyID, key.Public())}, Scopes: reg.ScopesFor(reg.Names()), RequireDPoP: true})
	for name, opts := range map[string]oktasim.Options{connections.Default: acme, globex: glx} {
		sim, err := oktasim.Start("127.0.0.1:0", opts)
		require.NoError(t, err)
		s.orgs[name] = sim
	}
	return s
}

// connWorkflowName is the test's stand-in for a playbook step acting
// through a connection (helper D's routing): it runs one Okta action on
// the connection's queue, workflows.ActivityQueue, as the playbook
// workflow does for a step with connection:.
const connWorkflowName = "E2EConnectionStep"

// connStep is connWorkflowName's input.
type connStep struct {
	Connection string
	Action     string
	Params     map[string]any
}

func connWorkflow(ctx workflow.Context, in connStep) (action.BulkResult, error) {
	a, _ := action.Okta().Lookup(in.Action)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           workflows.ActivityQueue(in.Connection),
		StartToCloseTimeout: a.StartToCloseTimeout, HeartbeatTimeout: a.Heartbeat,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: int32(a.Retry.MaximumAttempts), NonRetryableErrorTypes: []string{action.ErrNotCordonCaller}},
	})
	var out action.BulkResult
	err := workflow.ExecuteActivity(actx, in.Action, action.Request{Params: in.Params, Step: "s"}).Get(ctx, &out)
	return out, err
}

// startWorker starts one worker serving both connections: an engine per
// connection, each with its own Okta client (and so its own pacer), on
// its connection's queue. queueOf, when set, picks the queue a
// connection's engine is (mis)registered on instead. It returns the stop.
func (s *connStack) startWorker(t testing.TB, queueOf map[string]string) func() {
	t.Helper()
	reg := action.Okta()
	scopes := s.globexScopes
	if scopes == nil {
		scopes = reg.ScopesFor(reg.Names())
	}
	configs := map[string]okta.Config{
		connections.Default: {OrgURL: s.orgs[connections.Default].URL(), Token: acmeToken},
		globex: {OrgURL: s.orgs[globex].URL(), OAuth: &okta.OAuth{ClientID: globexClientID, KeyID: globexKeyID,
			PrivateKey: s.globexKey, Scopes: scopes, DPoP: true}},
	}
	var ws []worker.Worker
	stop := func() {
		for _, w := range ws {
			w.Stop()
		}
	}
	for _, name := range []string{connections.Default, globex} {
		oc, err := okta.NewClient(configs[name])
		require.NoError(t, err)
		e, err := engine.New(engine.Config{Okta: oc, Connection: name, LogDelay: time.Second,
			Starter: trigger.ClientStarter{Client: s.client}, Playbooks: filepath.Join("testdata", "triggers"),
			Approvals: e2eApprovals, TrustedWorkflows: []string{connWorkflowName}})
		require.NoError(t, err)
		var w worker.Worker
		if q, ok := queueOf[name]; ok {
			w = worker.New(s.client, q, engine.WorkerOptions())
			e.Register(w)
		} else {
			w = e.NewWorker(s.client)
		}
		if name == connections.Default {
			w.RegisterWorkflowWithOptions(connWorkflow, workflow.RegisterOptions{Name: connWorkflowName})
		}
		require.NoError(t, w.Start())
		ws = append(ws, w)
	}
	return stop
}

// step runs connWorkflowName and returns its result and error.
func (s *connStack) step(t testing.TB, in connStep) (action.BulkResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: workflows.TaskQueue}, connWorkflowName, in)
	require.NoError(t, err)
	var out action.BulkResult
	err = run.Get(ctx, &out)
	return out, err
}

// requests counts an org's requests whose path contains part.
func requests(sim *oktasim.Server, part string) int {
	n := 0
	for _, r := range sim.Sim().Requests() {
		if strings.Contains(r.Path, part) {
			n++
		}
	}
	return n
}

// Each connection's engine acts on its own org only: a step through
// globex (OAuth, DPoP) suspends the user in globex's org and leaves the
// same login in acme's org alone, and a step through the default
// connection (SSWS) the other way round. Each org accepts only its own
// credentials, so an engine with the wrong client would fail outright.
func TestConnectionsEachQueueActsOnItsOwnOrg(t *testing.T) {
	parallel(t)
	s := newConnStack(t, oktasim.Options{Seed: oktasim.SeedDemo}, oktasim.Options{Seed: oktasim.SeedDemo})
	defer s.startWorker(t, nil)()
	login := oktasim.DemoActiveUserLogin
	for _, conn := range []string{globex, connections.Default} {
		u, ok := s.orgs[conn].Sim().User(login)
		require.True(t, ok)
		out, err := s.step(t, connStep{Connection: conn, Action: action.SuspendUsers, Params: map[string]any{"user_ids": []string{u.ID}}})
		require.NoError(t, err, conn)
		assert.Equal(t, []string{u.ID}, out.Succeeded, conn)
		if conn == globex {
			other, _ := s.orgs[connections.Default].Sim().User(login)
			assert.Equal(t, "ACTIVE", other.Status, "acme's user is untouched by globex's step")
		}
	}
	for conn, sim := range s.orgs {
		u, _ := sim.Sim().User(login)
		assert.Equal(t, "SUSPENDED", u.Status, conn)
		assert.Equal(t, 1, requests(sim, "/lifecycle/suspend"), "one suspension in %s's org", conn)
	}
}

// crossOrg suspends a user in globex's org and the same login in the
// run's own org: one playbook, two connections.
const crossOrg = `name: e2e-cross-org
version: 1
inputs:
  login: {type: string, required: true}
steps:
  - id: find_in_globex
    action: okta.get_users
    connection: globex
    with:
      filter: 'profile.login eq "${{ inputs.login }}"'
  - id: find
    action: okta.get_users
    with:
      filter: 'profile.login eq "${{ inputs.login }}"'
  - id: both
    parallel:
      - id: suspend_in_globex
        action: okta.suspend_users
        connection: globex
        with:
          user_ids: ${{ jsonpath(steps.find_in_globex.output, "$[*].id") }}
      - id: suspend_here
        action: okta.suspend_users
        with:
          user_ids: ${{ jsonpath(steps.find.output, "$[*].id") }}
`

// A cross-org playbook: the workflow routes each step to its
// connection's queue, and each org sees exactly its own steps' requests.
func TestConnectionsCrossOrgPlaybook(t *testing.T) {
	parallel(t)
	s := newConnStack(t, oktasim.Options{Seed: oktasim.SeedDemo}, oktasim.Options{Seed: oktasim.SeedDemo})
	defer s.startWorker(t, nil)()
	reg := action.Okta()
	pb, err := playbook.Load("cross-org.yaml", []byte(crossOrg), playbook.Options{Registry: reg})
	require.NoError(t, err)
	for _, o := range s.orgs {
		o.Sim().ResetRequests()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	login := oktasim.DemoActiveUserLogin
	started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: runs.Library{Dir: t.TempDir(), Registry: reg},
		Inputs: map[string]any{"login": login}, StartedBy: "e2e", Connections: []string{connections.Default, globex}})
	require.NoError(t, err)
	st, err := runs.Wait(ctx, s.client, started.WorkflowID, nil)
	require.NoError(t, err)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	for conn, sim := range s.orgs {
		u, _ := sim.Sim().User(login)
		assert.Equal(t, "SUSPENDED", u.Status, conn)
		assert.Equal(t, 1, requests(sim, "/lifecycle/suspend"), "%s: its own suspension only", conn)
	}
	for _, step := range st.Steps {
		want := connections.Default
		if strings.HasSuffix(step.ID, "globex") {
			want = globex
		}
		if step.Connection != "" || want != connections.Default {
			assert.Equal(t, want, step.Connection, step.ID)
		}
	}

	// A run naming a connection no worker knows fails before its first
	// step, naming it.
	_, err = runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: runs.Library{Dir: t.TempDir(), Registry: reg},
		Inputs: map[string]any{"login": login}, StartedBy: "e2e", Connection: "initech", Connections: []string{connections.Default, globex}})
	require.ErrorContains(t, err, "initech")
}

// An engine answers only tasks of its own connection's queue: globex's
// engine registered, by mistake, on another connection's queue refuses
// every task before reading its input, and globex's org sees nothing.
func TestConnectionsActivityRefusesForeignQueue(t *testing.T) {
	parallel(t)
	s := newConnStack(t, oktasim.Options{Seed: oktasim.SeedDemo}, oktasim.Options{Seed: oktasim.SeedDemo})
	defer s.startWorker(t, map[string]string{globex: workflows.ActivityQueue("initech")})()
	u, _ := s.orgs[globex].Sim().User(oktasim.DemoActiveUserLogin)
	s.orgs[globex].Sim().ResetRequests()
	_, err := s.step(t, connStep{Connection: "initech", Action: action.SuspendUsers, Params: map[string]any{"user_ids": []string{u.ID}}})
	require.Error(t, err)
	require.ErrorContains(t, err, `activity okta.suspend_users refused: not called by a Cordon workflow (it runs on task queue "cordon-okta-initech", not Cordon's "cordon-okta-globex")`)
	assert.Empty(t, s.orgs[globex].Sim().Requests(), "globex's org saw no request")
	got, _ := s.orgs[globex].Sim().User(u.ID)
	assert.Equal(t, "ACTIVE", got.Status)
}

// Health checks and the System Log intake run per connection: globex's
// schedule and intake read globex's org only, under ids of their own, and
// a run the intake starts from a globex event names the connection.
func TestConnectionsHealthAndIntakePerConnection(t *testing.T) {
	parallel(t)
	s := newConnStack(t, oktasim.Options{Seed: oktasim.SeedDemo}, oktasim.Options{Seed: oktasim.SeedDemo})
	defer s.startWorker(t, nil)()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, o := range s.orgs {
		o.Sim().ResetRequests()
	}
	created, err := healthcheck.Enable(ctx, s.client, healthcheck.Options{Every: time.Hour, Connection: globex})
	require.NoError(t, err)
	require.True(t, created)
	desc, err := s.client.ScheduleClient().GetHandle(ctx, "cordon-health-globex").Describe(ctx)
	require.NoError(t, err)
	assert.Equal(t, "cordon-okta-globex", desc.Schedule.Action.(*client.ScheduleWorkflowAction).TaskQueue)
	var checks []healthcheck.CheckRun
	require.Eventually(t, func() bool {
		checks, err = healthcheck.Recent(ctx, s.client, 5, globex)
		return err == nil && len(checks) > 0 && checks[0].Result != nil
	}, time.Minute, 50*time.Millisecond, "globex's first check")
	assert.Equal(t, globex, checks[0].Connection)
	assert.True(t, checks[0].Result.OK, checks[0].Result.Error)
	none, err := healthcheck.Recent(ctx, s.client, 5, connections.Default)
	require.NoError(t, err)
	assert.Empty(t, none, "the default connection has no schedule")

	_, err = intake.Start(ctx, s.client, intake.StartOptions{Interval: 100 * time.Millisecond, Connection: globex})
	require.NoError(t, err)
	t.Cleanup(func() { _ = intake.Stop(context.Background(), s.client, globex) })
	require.Eventually(t, func() bool {
		st, err := intake.Status(ctx, s.client, globex)
		return err == nil && st.Polls >= 1
	}, time.Minute, 50*time.Millisecond, "globex's first poll")
	_, err = intake.Status(ctx, s.client, connections.Default)
	require.ErrorContains(t, err, "no intake workflow cordon-intake:")

	uuid := "e2e-globex-lock-1"
	s.orgs[globex].Sim().AppendEvent(map[string]any{"uuid": uuid, "eventType": "user.account.lock", "displayMessage": "Max sign in attempts exceeded",
		"outcome": map[string]any{"result": "FAILURE"}, "actor": map[string]any{"alternateId": oktasim.DemoActiveUserLogin, "type": "User"},
		"client": map[string]any{"ipAddress": "203.0.113.78"}})
	var in workflows.RunInput
	require.Eventually(t, func() bool {
		in, err = runInput(ctx, s.client, "trig-lock-"+uuid)
		return err == nil
	}, time.Minute, 50*time.Millisecond, "the run of globex's event")
	alert, _ := in.Alert.(map[string]any)
	assert.Equal(t, globex, alert["connection"], "the alert names its connection")
	assert.Equal(t, globex, in.Connection, "the run acts on the org whose System Log told of the event")
	assert.Equal(t, uuid, alert["id"])

	assert.Positive(t, requests(s.orgs[globex], "/users/me"), "globex's check read globex's org")
	assert.Positive(t, requests(s.orgs[globex], "/logs"), "globex's intake read globex's System Log")
	assert.Zero(t, requests(s.orgs[connections.Default], "/users/me")+requests(s.orgs[connections.Default], "/logs"),
		"acme's org was neither checked nor polled")
}

// runInput reads the input a run was started with, from its first event.
func runInput(ctx context.Context, c client.Client, id string) (workflows.RunInput, error) {
	var in workflows.RunInput
	ev, err := c.GetWorkflowHistory(ctx, id, "", false, 0).Next()
	if err != nil {
		return in, err
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return in, fmt.Errorf("%s: the first event is %s", id, ev.EventType)
	}
	err = converter.GetDefaultDataConverter().FromPayloads(attrs.Input, &in)
	return in, err
}

// pacingUse counts an org's deactivation requests: through (2xx),
// answered 429, and answered 401 (a DPoP proof with a nonce that just
// rotated is answered use_dpop_nonce and sent again); other answers fail
// the test.
func pacingUse(t testing.TB, sim *oktasim.Server) (ok, limited, nonce int) {
	for _, r := range sim.Sim().Requests() {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/lifecycle/deactivate") {
			continue
		}
		switch {
		case r.Status == http.StatusTooManyRequests:
			limited++
		case r.Status/100 == 2:
			ok++
		case r.Status == http.StatusUnauthorized:
			nonce++
		default:
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
	return ok, limited, nonce
}

// Three workers, each with an Okta client per connection, deactivate
// users in two orgs at once (globex through OAuth with DPoP, its tokens
// and nonces expiring during the run); each org has its own lifecycle limit (acme
// 50, globex 30 per 2 s). Pacing is per org: every user ends deactivated
// once, no org is hammered (the test's bound on 429s, 10%, only tells
// paced from unpaced: measured unpaced (okta.WithoutPacing), 13.5% of
// acme's and 30% of globex's deactivations were answered 429; paced, 0%
// on an idle machine and up to 5.3% beside the rest of the suite in CI,
// where a starved process misses the 2 s windows; the <= 1% goal is
// measured without the other tests' load by BenchmarkConnectionsPacing,
// as is how long each org
// takes: acme's larger budget is not slowed to globex's pace, a timing
// that belongs in a benchmark), and globex's tokens are refreshed.
func TestConnectionsPacingPerOrgThreeWorkers(t *testing.T) {
	parallelLong(t)
	if testing.Short() {
		t.Skip("three workers on two orgs for several seconds")
	}
	res := pacingTwoOrgs(t, 30, 3)
	for conn, r := range res {
		assert.Equal(t, r.users, r.ok, "%s: each user deactivated once", conn)
		assert.LessOrEqual(t, float64(r.limited), 0.10*float64(r.ok+r.limited), "%s: paced (at most 10%% answered 429 here)", conn)
		t.Logf("%s (limit %d per %s): %d deactivations, %d answered 429, %d answered 401 (DPoP nonce rotation), done after %s",
			conn, r.limit, workersWindow, r.ok, r.limited, r.nonce, r.took.Round(time.Millisecond))
	}
	t.Logf("globex: %d token requests, %d tokens minted", res[globex].tokenRequests, res[globex].minted)
	refreshed := slices.ContainsFunc(slices.Collect(maps.Values(res[globex].mintsPerKey)), func(n int) bool { return n > 1 })
	assert.True(t, refreshed, "a worker's client refreshed its token during the run: tokens minted per DPoP key %v", res[globex].mintsPerKey)
}

// BenchmarkConnectionsPacing is TestConnectionsPacingPerOrgThreeWorkers
// at 300 users an org, reporting each org's share of deactivations
// answered 429 (goal <= 1%) and its use of its limit.
//
//	go test -run '^$' -bench ConnectionsPacing -benchtime 1x ./internal/e2e/
func BenchmarkConnectionsPacing(b *testing.B) {
	for range b.N {
		res := pacingTwoOrgs(b, 100, 3)
		for _, conn := range []string{connections.Default, globex} {
			r := res[conn]
			if r.ok != r.users {
				b.Errorf("%s: %d of %d users deactivated", conn, r.ok, r.users)
			}
			b.ReportMetric(float64(r.limited)/float64(r.ok+r.limited), conn+"_share_429")
			b.ReportMetric(r.took.Seconds(), conn+"_s")
			b.ReportMetric(float64(r.nonce), conn+"_nonce_401s")
		}
		b.ReportMetric(float64(res[globex].minted), "globex_tokens")
	}
}

// pacingResult is one org's part of pacingTwoOrgs.
type pacingResult struct {
	users, limit, ok, limited, nonce int
	took                             time.Duration
	tokenRequests, minted            int
	mintsPerKey                      map[string]int // DPoP-bound tokens per client key
}

// pacingTwoOrgs runs runsPerOrg deactivations of perRun users in each of
// two orgs at once, served by three workers, and counts what each org
// answered.
func pacingTwoOrgs(tb testing.TB, perRun, runsPerOrg int) map[string]*pacingResult {
	tb.Helper()
	users := perRun * runsPerOrg
	limits := map[string]int{connections.Default: 50, globex: 30}
	opts := func(limit int) oktasim.Options {
		return oktasim.Options{Seed: oktasim.SeedEmpty, Users: users, Window: workersWindow, Concurrency: -1,
			Limits: map[string]int{oktasim.BucketOther: limit, oktasim.BucketUsers: 100000, oktasim.BucketUserGet: 100000,
				oktasim.BucketUserWrite: 100000, oktasim.BucketGroups: 100000, oktasim.BucketLogs: 100000}}
	}
	// globex's tokens live 6 s and its DPoP nonce 3 s: each worker's
	// client refreshes its token (3 s before expiry, half its life) at
	// least once in the 6 s the test's run takes, and follows the nonce.
	// Okta's tokens live an hour; 6 s keeps the refresh margin above the
	// longest wait in the pacer (under 2 s here), as an hour's 6 minutes
	// does.
	glx := opts(limits[globex])
	glx.AccessTokenLifetime, glx.DPoPNonceLifetime = 6*time.Second, 3*time.Second
	s := newConnStack(tb, opts(limits[connections.Default]), glx)
	for range 3 {
		defer s.startWorker(tb, nil)()
	}
	type result struct {
		conn string
		out  action.BulkResult
		err  error
		took time.Duration
	}
	results := make(chan result, 2*runsPerOrg)
	var wg sync.WaitGroup
	start := time.Now()
	for conn, sim := range s.orgs {
		sim.Sim().ResetRequests()
		for r := range runsPerOrg {
			ids := make([]string, 0, perRun)
			for i := r * perRun; i < (r+1)*perRun; i++ {
				u, ok := sim.Sim().User(fmt.Sprintf("user%06d@bench.acme.com", i))
				require.True(tb, ok)
				ids = append(ids, u.ID)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := s.step(tb, connStep{Connection: conn, Action: action.DeactivateUsers, Params: map[string]any{"user_ids": ids}})
				results <- result{conn: conn, out: out, err: err, took: time.Since(start)}
			}()
		}
	}
	wg.Wait()
	close(results)
	res := map[string]*pacingResult{}
	for conn, sim := range s.orgs {
		r := &pacingResult{users: users, limit: limits[conn]}
		r.ok, r.limited, r.nonce = pacingUse(tb, sim)
		r.tokenRequests, r.minted = sim.Sim().TokenStats()
		r.mintsPerKey = sim.Sim().TokenMintsPerKey()
		res[conn] = r
	}
	for r := range results {
		require.NoError(tb, r.err, r.conn)
		assert.Len(tb, r.out.Succeeded, perRun, r.conn)
		for _, item := range r.out.Results {
			if !item.OK {
				tb.Logf("%s: failed item: %+v", r.conn, item)
			}
		}
		res[r.conn].took = max(res[r.conn].took, r.took)
	}
	return res
}
