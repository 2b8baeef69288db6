package devserver_test

import (
	"database/sql"
	"fmt"
	"github.com/stretchr/testify/assert"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	_ "modernc.org/sqlite" // the driver the server's SQLite plugin uses

	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/workflows"
)

// TestVisibilityDatabase checks where visibility lives: a new data file
// gets a -visibility twin that holds the runs' rows, while a data file
// made before the split (no twin) keeps its visibility inside, so the runs
// it lists stay listed.
func TestVisibilityDatabase(t *testing.T) {
	dir := t.TempDir()
	dataFile := filepath.Join(dir, "temporal.db")
	twin := filepath.Join(dir, "temporal-visibility.db")

	runGreet(t, dataFile, "split")
	require.FileExists(t, twin)
	require.Equal(t, 1, visibilityRows(t, twin, "split"), "the run is listed from the twin")
	require.Equal(t, 0, visibilityRows(t, dataFile, "split"), "history's database holds no visibility rows")

	legacy := filepath.Join(t.TempDir(), "temporal.db")
	runGreet(t, legacy, "first")
	// As made before the split: the data file alone.
	legacyTwin := filepath.Join(filepath.Dir(legacy), "temporal-visibility.db")
	for _, f := range []string{legacyTwin, legacyTwin + "-wal", legacyTwin + "-shm"} {
		require.NoError(t, os.RemoveAll(f))
	}
	runGreet(t, legacy, "second")
	require.NoFileExists(t, legacyTwin, "a data file without a twin keeps visibility inside")
	require.Equal(t, 1, visibilityRows(t, legacy, "second"), "the second run is listed from the data file")
}

// runGreet starts a server on dataFile, runs the greet workflow as id and
// waits until visibility lists it, then stops the server.
func runGreet(t *testing.T, dataFile, id string) {
	t.Helper()
	srv, err := devserver.Start(t.Context(), devserver.Options{FrontendAddr: "127.0.0.1:0", DataFile: dataFile,
		SearchAttributes: workflows.SearchAttributes()})
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop()) }()
	c, err := srv.NewClient(t.Context(), client.Options{})
	require.NoError(t, err)
	defer c.Close()
	w := worker.New(c, "vis", worker.Options{})
	w.RegisterWorkflowWithOptions(greet, workflow.RegisterOptions{Name: "greet"})
	w.RegisterActivityWithOptions(hello, activity.RegisterOptions{Name: "greet.hello"})
	require.NoError(t, w.Start())
	defer w.Stop()
	run, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{ID: id, TaskQueue: "vis"}, "greet", id)
	require.NoError(t, err)
	require.NoError(t, run.Get(t.Context(), nil))
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.NoError(ct, (func() error {
			resp, err := c.ListWorkflow(t.Context(), &workflowservice.ListWorkflowExecutionsRequest{
				Query: fmt.Sprintf("WorkflowId = %q AND ExecutionStatus = 'Completed'", id)})
			if err != nil {
				return err
			}
			if len(resp.Executions) != 1 {
				return fmt.Errorf("run %s not listed yet", id)
			}
			return nil
		})())
	}, 20*time.Second, 20*time.Millisecond)
}

// visibilityRows counts the visibility rows of workflow id in a database.
func visibilityRows(t *testing.T, path, id string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM executions_visibility WHERE workflow_id = ?", id).Scan(&n))
	return n
}
