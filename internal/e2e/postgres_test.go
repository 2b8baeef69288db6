package e2e

// The PostgreSQL tier: the Temporal server on the postgres12 plugin with
// SQL visibility, on a throwaway PostgreSQL (Debian's package), with
// everything else as in the SQLite tests: the real worker wiring, the
// simulated org over HTTP, the cordon binary.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pgschema "go.temporal.io/server/schema/postgresql/v12"

	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/pgtest"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// TestPostgresTier runs the library's end-to-end tests and `cordon list`
// by every search attribute on PostgreSQL-backed Temporal. It skips, with
// "PostgreSQL tier SKIPPED" in the output, only when PostgreSQL is not
// installed (.ci/run installs Debian's postgresql package).
func TestPostgresTier(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL tier SKIPPED: -short")
	}
	pg := pgtest.StartForTest(t, "PostgreSQL tier")
	opts := devserver.Postgres{Addr: pg.Addr, User: pgtest.Superuser, Password: pgtest.Password}
	t.Run("a wrong password is a clear error", func(t *testing.T) {
		bad := opts
		bad.Password = "not-the-password-5f1c"
		_, err := devserver.Start(context.Background(), devserver.Options{FrontendAddr: "127.0.0.1:0", Postgres: &bad})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "preparing PostgreSQL database temporal on "+pg.Addr+": connecting: ")
		assert.Contains(t, err.Error(), `password authentication failed for user "cordon"`)
		assert.NotContains(t, err.Error(), bad.Password)
	})
	prepareTemporalOnPostgres(t, pg, opts)
	updates := schemaUpdates(t, pg)

	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo}, stackOptions{postgres: &opts})
	t.Cleanup(stop)
	require.Equal(t, updates, schemaUpdates(t, pg), "the second start applied no schema update")

	t.Run("playbooks", func(t *testing.T) {
		for _, tc := range tierPlaybooks {
			t.Run(tc.playbook, func(t *testing.T) { tc.run(t, s) })
		}
	})
	t.Run("cordon list by every search attribute", func(t *testing.T) {
		r := startListedRuns(t, s)
		t.Run("rows in PostgreSQL", func(t *testing.T) { checkRowsInPostgres(t, pg, r) })
	})
	// The department playbook needs an org of its own, so a stack of its
	// own: its Temporal server gets databases of its own on the same
	// PostgreSQL (two servers must not share one), created at its start.
	t.Run("playbooks/deactivate-department", func(t *testing.T) {
		dept := opts
		dept.Database, dept.VisibilityDatabase = "temporal_department", "temporal_department_visibility"
		s, stop := newStackWith(t, departmentOrgOptions(), stackOptions{postgres: &dept})
		t.Cleanup(stop)
		testPlaybookDeactivateDepartment(t, s)
	})
}

// listedRuns are runs whose search attributes differ in one known way.
type listedRuns struct {
	alert               string // the alert id of real (and of nothing else)
	target              string // the user real acted on
	real, plan, waiting string // workflow ids
}

// startListedRuns starts three runs and checks that `cordon list` finds
// each by the attribute that sets it apart: real (session-hijack-response
// on target, from alert), plan (the same playbook, dry run) and waiting
// (contain-compromised-user waiting for approval).
func startListedRuns(t *testing.T, s *stack) listedRuns {
	users := s.takeUsers(t, 3)
	r := listedRuns{alert: fmt.Sprintf("pg-list-%d", time.Now().UnixNano()), target: users[0].ID}
	const hijack, contain = "session-hijack-response", "contain-compromised-user"
	r.real = s.start(t, runs.Request{Playbook: s.library(t, hijack), StartedBy: analyst,
		Alert: alertFor(t, hijack, func(a map[string]any) {
			a["id"] = r.alert
			a["user"].(map[string]any)["login"] = users[0].Login
		})})
	r.plan = s.start(t, runs.Request{Playbook: s.library(t, hijack), DryRun: true,
		Inputs: map[string]any{"login": users[1].Login}, StartedBy: analyst})
	r.waiting = s.start(t, runs.Request{Playbook: s.library(t, contain),
		Inputs: map[string]any{"login": users[2].Login}, StartedBy: analyst})
	require.Equal(t, workflows.RunSucceeded, s.wait(t, r.real).Status)
	require.Equal(t, workflows.RunSucceeded, s.wait(t, r.plan).Status)

	cases := []struct {
		attr      string
		args      []string
		want, not []string
		each      func(runs.Summary) bool
	}{
		{"CordonPlaybook", []string{"--playbook", hijack}, []string{r.real, r.plan}, []string{r.waiting},
			func(x runs.Summary) bool { return x.Playbook == hijack }},
		{"CordonAlertID", []string{"--alert", r.alert}, []string{r.real}, []string{r.plan, r.waiting},
			func(x runs.Summary) bool { return x.AlertID == r.alert }},
		{"CordonTarget", []string{"--target", r.target}, []string{r.real}, []string{r.plan, r.waiting},
			func(x runs.Summary) bool { return slices.Contains(x.Targets, r.target) }},
		{"CordonDryRun", []string{"--dry-run"}, []string{r.plan}, []string{r.real, r.waiting},
			func(x runs.Summary) bool { return x.DryRun }},
		{"CordonDryRun=false", []string{"--dry-run=false", "--playbook", hijack}, []string{r.real}, []string{r.plan, r.waiting},
			func(x runs.Summary) bool { return !x.DryRun }},
		{"CordonState", []string{"--status", string(workflows.StateWaitingApproval)}, []string{r.waiting}, []string{r.real, r.plan},
			func(x runs.Summary) bool { return x.Status == workflows.StateWaitingApproval }},
		// One connection on this stack: every run is on default, which
		// the starter set (and the workflow keeps).
		{"CordonConnection", []string{"--connection", "default"}, []string{r.real, r.plan, r.waiting}, nil,
			func(x runs.Summary) bool { return x.Connection == "default" }},
		{"CordonState=planned", []string{"--status", string(workflows.StatePlanned)}, []string{r.plan}, []string{r.real, r.waiting},
			func(x runs.Summary) bool { return x.Status == workflows.StatePlanned }},
	}
	listedBy := map[string]bool{}
	for _, tc := range cases {
		listedBy[strings.SplitN(tc.attr, "=", 2)[0]] = true
	}
	for name := range workflows.SearchAttributes() {
		assert.True(t, listedBy[name], "cordon list is tested by %s", name)
	}
	for _, tc := range cases {
		t.Run(tc.attr, func(t *testing.T) {
			var listed []runs.Summary
			// Visibility follows the run through the server's visibility
			// queue: wait for the runs to show, then check the rest.
			require.Eventually(t, func() bool {
				listed = s.listJSON(t, tc.args...)
				return containsAll(idsOf(listed), tc.want)
			}, 30*time.Second, 50*time.Millisecond, "cordon list "+strings.Join(tc.args, " ")+" to show "+strings.Join(tc.want, ", "))
			for _, id := range tc.not {
				assert.NotContains(t, idsOf(listed), id)
			}
			for _, x := range listed {
				assert.True(t, tc.each(x), "%s does not match %v: %+v", x.WorkflowID, tc.args, x)
			}
		})
	}
	return r
}

// listJSON runs `cordon list --output json` with args.
func (s *stack) listJSON(t *testing.T, args ...string) []runs.Summary {
	t.Helper()
	stdout, stderr, code := s.cli(t, append([]string{"list", "--output", "json", "--limit", "1000"}, args...)...)
	require.Equal(t, 0, code, stderr)
	var out []runs.Summary
	require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
	return out
}

func idsOf(list []runs.Summary) []string {
	var ids []string
	for _, x := range list {
		ids = append(ids, x.WorkflowID)
	}
	return ids
}

func containsAll(list, want []string) bool {
	for _, w := range want {
		if !slices.Contains(list, w) {
			return false
		}
	}
	return true
}

// checkRowsInPostgres reads the runs back from PostgreSQL's tables: the
// executions in the main database and their search attributes in SQL
// visibility's.
func checkRowsInPostgres(t *testing.T, pg *pgtest.Server, r listedRuns) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	main, err := pg.Connect(ctx, devserver.DefaultPostgresDatabase)
	require.NoError(t, err)
	defer main.Close(ctx)
	var retention int64
	require.NoError(t, main.QueryRow(ctx, "SELECT count(*) FROM namespaces WHERE name = $1", "default").Scan(&retention))
	assert.EqualValues(t, 1, retention, "the namespace is registered in PostgreSQL")
	for _, id := range []string{r.real, r.plan, r.waiting} {
		var n int
		require.NoError(t, main.QueryRow(ctx, "SELECT count(*) FROM executions WHERE workflow_id = $1", id).Scan(&n))
		assert.Equal(t, 1, n, "execution %s is in PostgreSQL", id)
	}

	vis, err := pg.Connect(ctx, devserver.DefaultPostgresVisibilityDatabase)
	require.NoError(t, err)
	defer vis.Close(ctx)
	var status int
	var attrs string
	require.NoError(t, vis.QueryRow(ctx, "SELECT status, search_attributes::text FROM executions_visibility WHERE workflow_id = $1", r.real).
		Scan(&status, &attrs))
	assert.Equal(t, 2, status, "closed as completed in visibility (WORKFLOW_EXECUTION_STATUS_COMPLETED)")
	for _, v := range []string{"session-hijack-response", r.alert, r.target, string(workflows.RunSucceeded)} {
		assert.Contains(t, attrs, v, "visibility row's search attributes")
	}
	t.Logf("visibility row of %s: %s", r.real, attrs)
}

// tierPlaybooks are the library's end-to-end tests the tier runs on its
// stack; deactivate-department runs on a stack of its own.
// TestPostgresTierCoversTheLibrary keeps the list complete.
var tierPlaybooks = []struct {
	playbook string
	run      func(*testing.T, *stack)
}{
	{"contain-compromised-user", testPlaybookContainCompromisedUser},
	{"session-hijack-response", testPlaybookSessionHijackResponse},
	{"block-malicious-ips", testPlaybookBlockMaliciousIPs},
	{"brute-force-response", testPlaybookBruteForceResponse},
	{"investigate-user", testPlaybookInvestigateUser},
	{"onboard-user", testPlaybookOnboardUser},
	{"offboard-user", testPlaybookOffboardUser},
	{"zone-hygiene", testPlaybookZoneHygiene},
	{"health-check", testPlaybookHealthCheck},
}

// TestPostgresTierCoversTheLibrary fails when a playbook is added to
// playbooks/ without its end-to-end test in the PostgreSQL tier.
func TestPostgresTierCoversTheLibrary(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "playbooks", "*.yaml"))
	require.NoError(t, err)
	var library []string
	for _, f := range files {
		if strings.HasSuffix(f, ".test.yaml") {
			continue // cordon test's cases, beside the playbooks
		}
		library = append(library, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	covered := []string{"deactivate-department"}
	for _, tc := range tierPlaybooks {
		covered = append(covered, tc.playbook)
	}
	assert.ElementsMatch(t, library, covered)
}

// prepareTemporalOnPostgres starts Temporal once on the empty server (it
// creates the databases, the schema, the namespace and the search
// attributes) and stops it, so the stack's Start is the second one: it
// must find everything in place and change nothing.
func prepareTemporalOnPostgres(t *testing.T, pg *pgtest.Server, opts devserver.Postgres) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	begin := time.Now()
	srv, err := devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", Postgres: &opts,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	require.NoError(t, err)
	t.Logf("first start on an empty PostgreSQL (databases, schema, namespace, search attributes): %s", time.Since(begin).Round(time.Millisecond))
	require.NoError(t, srv.Stop())

	for db, want := range map[string]string{
		devserver.DefaultPostgresDatabase:           pgschema.Version,
		devserver.DefaultPostgresVisibilityDatabase: pgschema.VisibilityVersion,
	} {
		conn, err := pg.Connect(ctx, db)
		require.NoError(t, err)
		var version string
		require.NoError(t, conn.QueryRow(ctx, "SELECT curr_version FROM schema_version WHERE db_name = $1", db).Scan(&version))
		require.NoError(t, conn.Close(ctx))
		require.Equal(t, want, version, "schema of %s is at the server's version", db)
	}
}

// schemaUpdates counts the schema tool's update log in each database.
func schemaUpdates(t *testing.T, pg *pgtest.Server) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := map[string]int{}
	for _, db := range []string{devserver.DefaultPostgresDatabase, devserver.DefaultPostgresVisibilityDatabase} {
		conn, err := pg.Connect(ctx, db)
		require.NoError(t, err)
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM schema_update_history").Scan(&n))
		require.NoError(t, conn.Close(ctx))
		require.Positive(t, n, "%s has a schema update log", db)
		out[db] = n
	}
	return out
}
