package activities

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/testutil"
)

// testToken is deliberately distinctive so the redaction checks can search
// every output, error and log line for it.
const testToken = "00TEST-secret-token-Zq81xV"

type fixture struct {
	t    *testing.T
	srv  *oktasim.Server
	sim  *oktasim.Sim
	acts *Activities
	env  *testsuite.TestActivityEnvironment
	logs *testutil.SyncBuffer
}

func newFixture(t *testing.T, opts oktasim.Options, clientOpts ...okta.Option) *fixture {
	t.Helper()
	opts.Token = testToken
	if opts.Seed == "" {
		opts.Seed = oktasim.SeedDemo
	}
	srv := oktasim.NewTestServer(t, opts)
	f := attach(t, srv, &testutil.SyncBuffer{}, testToken, clientOpts...)
	t.Cleanup(func() {
		require.NotContains(t, f.logs.String(), testToken, "the token must never reach the logs")
	})
	return f
}

// attach builds a client, activities and test environment against srv: a
// second call stands for another worker process (its own pacing state).
func attach(t *testing.T, srv *oktasim.Server, logs *testutil.SyncBuffer, token string, clientOpts ...okta.Option) *fixture {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client, err := okta.NewClient(okta.Config{OrgURL: srv.URL(), Token: token}, append([]okta.Option{okta.WithLogger(logger)}, clientOpts...)...)
	require.NoError(t, err)
	acts := testActivities(client, logger)
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(logger))
	env := suite.NewTestActivityEnvironment()
	acts.Register(env)
	return &fixture{t: t, srv: srv, sim: srv.Sim(), acts: acts, env: env, logs: logs}
}

// run executes an activity and decodes its output into out (when non-nil).
func (f *fixture) run(name string, params map[string]any, out any) error {
	f.t.Helper()
	val, err := f.env.ExecuteActivity(name, action.Request{Params: params, Step: "test"})
	if err != nil {
		require.NotContains(f.t, err.Error(), testToken)
		return err
	}
	var raw json.RawMessage
	require.NoError(f.t, val.Get(&raw))
	require.NotContains(f.t, string(raw), testToken)
	if out != nil {
		require.NoError(f.t, json.Unmarshal(raw, out))
	}
	return nil
}

func (f *fixture) bulk(name string, params map[string]any) action.BulkResult {
	f.t.Helper()
	var res action.BulkResult
	require.NoError(f.t, f.run(name, params, &res))
	return res
}

// appErr unwraps the ApplicationError an activity returned, with its
// action.ErrorDetails.
func appErr(t *testing.T, err error) (*temporal.ApplicationError, action.ErrorDetails) {
	t.Helper()
	require.Error(t, err)
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae), "want an ApplicationError, got %T: %v", err, err)
	var d action.ErrorDetails
	if ae.HasDetails() {
		require.NoError(t, ae.Details(&d))
	}
	return ae, d
}

// writes counts requests other than GET in the sim's log.
func writes(sim *oktasim.Sim) int {
	n := 0
	for _, r := range sim.Requests() {
		if !strings.EqualFold(r.Method, "GET") {
			n++
		}
	}
	return n
}

// testCallers are the callers the SDK's test activity environment
// presents: a workflow of type "0" (none specified) on task queue
// "default-test-taskqueue" (go.temporal.io/sdk v1.50.0,
// internal/internal_workflow_testsuite.go, executeActivity).
var testCallers = Callers{TaskQueue: "default-test-taskqueue", Workflows: []string{"0"}}

// testActivities are the activities as the worker wires them: callers set
// (to the test environment's) and the guardrails re-checked at the write,
// here with the default protected networks only: a guard without a
// directory reads nothing from Okta, so tests that count requests see only
// the action's own.
func testActivities(client *okta.Client, logger *slog.Logger) *Activities {
	return guardedActivities(client, logger, guard.Config{}, nil)
}

// guardedActivities are testActivities with the guardrails cfg, resolved
// through dir (guard.OktaDirectory for protected groups and the token's
// owner; nil for the static lists only).
func guardedActivities(client *okta.Client, logger *slog.Logger, cfg guard.Config, dir guard.Directory) *Activities {
	acts := New(client, action.Okta(), logger)
	acts.Callers = testCallers
	g, err := guard.New(cfg, dir)
	if err != nil {
		panic(err)
	}
	acts.Guard = g
	return acts
}
