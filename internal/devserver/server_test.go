package devserver_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/stretchr/testify/assert"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/workflows"
)

// greet is the tiny workflow the end-to-end test runs: one activity, so the
// test covers workflow and activity dispatch through a real worker.
func greet(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, "greet.hello", name).Get(ctx, &out)
	return out, err
}

func hello(ctx context.Context, name string) (string, error) {
	activity.GetLogger(ctx).Info("saying hello", "name", name)
	return "hello " + name, nil
}

func TestEndToEndWorkflowAndSearchAttributes(t *testing.T) {
	srv := devserver.StartForTest(t, workflows.SearchAttributes())
	c := srv.NewTestClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	w := worker.New(c, "e2e", worker.Options{})
	w.RegisterWorkflowWithOptions(greet, workflow.RegisterOptions{Name: "greet"})
	w.RegisterActivityWithOptions(hello, activity.RegisterOptions{Name: "greet.hello"})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	start := time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "e2e-greet",
		TaskQueue: "e2e",
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SearchPlaybook.ValueSet("x"),
			workflows.SearchAlertID.ValueSet("alert-1"),
			workflows.SearchTarget.ValueSet([]string{"alice@example.com"}),
			workflows.SearchDryRun.ValueSet(true),
		),
	}, "greet", "cordon")
	require.NoError(t, err)
	var got string
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, "hello cordon", got)
	t.Logf("workflow with one activity completed in %s", time.Since(start).Round(time.Millisecond))

	// Visibility is written asynchronously after the workflow closes: poll.
	var resp *workflowservice.ListWorkflowExecutionsResponse
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.NoError(ct, (func() error {
			resp, err = c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: fmt.Sprintf(`%s = "x" AND %s = true`, workflows.SearchPlaybook.GetName(), workflows.SearchDryRun.GetName()),
			})
			if err != nil {
				return err
			}
			if len(resp.Executions) != 1 ||
				resp.Executions[0].Status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				return fmt.Errorf("want 1 completed execution, got %v", resp.Executions)
			}
			return nil
		})())
	}, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, "e2e-greet", resp.Executions[0].Execution.WorkflowId)

	none, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: workflows.SearchPlaybook.GetName() + ` = "y"`,
	})
	require.NoError(t, err)
	require.Empty(t, none.Executions, "query must filter by playbook")
}

func TestNamespaceRetentionAndSearchAttributes(t *testing.T) {
	srv := devserver.StartForTest(t, workflows.SearchAttributes())
	c := srv.NewTestClient(t)
	checkNamespace(t, c, srv.Namespace())
}

// TestFileRestartReusesPortsAndData stops a file-backed server and starts a
// new one on the same port and file: the port must be free again and the
// namespace (with its attributes) must come back from the file.
func TestFileRestartReusesPortsAndData(t *testing.T) {
	dataFile := filepath.Join(t.TempDir(), "sub", "temporal.db")
	port := testutil.FreePort(t)
	opts := devserver.Options{FrontendAddr: "127.0.0.1:" + strconv.Itoa(port), DataFile: dataFile, UIPort: testutil.FreePort(t),
		SearchAttributes: workflows.SearchAttributes()}

	for i := range 2 {
		start := time.Now()
		srv, err := devserver.Start(t.Context(), opts)
		require.NoError(t, err, "start #%d", i+1)
		t.Logf("start #%d (fresh=%v) took %s", i+1, i == 0, time.Since(start).Round(time.Millisecond))
		require.Equal(t, opts.FrontendAddr, srv.FrontendAddr())
		require.Equal(t, "http://127.0.0.1:"+strconv.Itoa(opts.UIPort), srv.UIAddr())
		c, err := srv.NewClient(t.Context(), client.Options{})
		require.NoError(t, err)
		checkNamespace(t, c, devserver.DefaultNamespace)
		c.Close()
		require.NoError(t, srv.Stop())
		require.NoError(t, srv.Stop(), "Stop is idempotent")
	}
}

func TestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = devserver.Start(t.Context(), devserver.Options{FrontendAddr: l.Addr().String()})
	var inUse *devserver.PortInUseError
	require.True(t, errors.As(err, &inUse), "got %v", err)
	require.Equal(t, port, inUse.Port)
	require.Equal(t, "frontend", inUse.What)

	_, err = devserver.Start(t.Context(), devserver.Options{FrontendAddr: "127.0.0.1:0", UIPort: port})
	require.True(t, errors.As(err, &inUse), "got %v", err)
	require.Equal(t, "ui", inUse.What)
	require.Equal(t, fmt.Sprintf("port %d (ui) is in use", port), err.Error())
}

func checkNamespace(t *testing.T, c client.Client, ns string) {
	t.Helper()
	desc, err := c.WorkflowService().DescribeNamespace(t.Context(),
		&workflowservice.DescribeNamespaceRequest{Namespace: ns})
	require.NoError(t, err)
	require.Equal(t, devserver.Retention, desc.Config.WorkflowExecutionRetentionTtl.AsDuration())

	sa, err := c.OperatorService().ListSearchAttributes(t.Context(),
		&operatorservice.ListSearchAttributesRequest{Namespace: ns})
	require.NoError(t, err)
	require.Equal(t, workflows.SearchAttributes(), sa.CustomAttributes)
}

func TestParsePostgresURL(t *testing.T) {
	env := map[string]string{"PGPASSWORD": "from-env"}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		name, url string
		want      devserver.Postgres
		err       string
	}{
		{name: "defaults", url: "postgres://temporal@db:5432",
			want: devserver.Postgres{Addr: "db:5432", User: "temporal", Password: "from-env", Database: "temporal", VisibilityDatabase: "temporal_visibility"}},
		{name: "database and attributes", url: "postgresql://cordon:s3cret@127.0.0.1:6543/cordon_temporal?sslmode=require",
			want: devserver.Postgres{Addr: "127.0.0.1:6543", User: "cordon", Password: "s3cret", Database: "cordon_temporal",
				VisibilityDatabase: "cordon_temporal_visibility", ConnectAttributes: map[string]string{"sslmode": "require"}}},
		{name: "no port", url: "postgres://u:p@db/temporal", err: `postgres URL: host "db" needs a port (PostgreSQL's is 5432)`},
		{name: "wrong scheme", url: "mysql://u:p@db:3306", err: `postgres URL: scheme "mysql", want postgres://USER[:PASSWORD]@HOST:PORT[/DATABASE]`},
		{name: "not a URL, password kept out", url: "postgres://u:hunter2@db:x/", err: "postgres URL: not a URL (want postgres://USER[:PASSWORD]@HOST:PORT[/DATABASE])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := devserver.ParsePostgresURL(tc.url, getenv)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.NotContains(t, got.String(), got.Password)
		})
	}
}

func TestPostgresOptionsRefused(t *testing.T) {
	ctx := context.Background()
	_, err := devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", DataFile: "x.db", Postgres: &devserver.Postgres{Addr: "db:5432"}})
	require.EqualError(t, err, "a data file and PostgreSQL cannot be used together: leave DataFile empty with Postgres")
	_, err = devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", Postgres: &devserver.Postgres{Addr: "db"}})
	require.EqualError(t, err, `postgres address "db": want host:port`)
	_, err = devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", Postgres: &devserver.Postgres{Addr: "db:5432", Database: "t", VisibilityDatabase: "t"}})
	require.EqualError(t, err, `postgres: the visibility database must differ from the main one (both "t")`)
	_, err = devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", Postgres: &devserver.Postgres{Addr: "db:5432", Database: `t"; DROP`}})
	require.EqualError(t, err, `postgres database name "t\"; DROP": use letters, digits and underscores`)
}
