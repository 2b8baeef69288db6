package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/serve"
	"github.com/cordonsec/cordon/internal/serve/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// triggersDir holds the playbooks with on: triggers used by these tests;
// the shared stack's intake activity reads the same directory.
var triggersDir = filepath.Join("testdata", "triggers")

func TestTriggerWebhookStartsOnce(t *testing.T) {
	s := getStack(t)
	u := s.takeUsers(t, 1)[0]
	srv, err := serve.New(serve.Config{Token: "e2e-webhook-token", Starter: trigger.ClientStarter{Client: s.client},
		Library: runs.Library{Dir: triggersDir, Registry: s.reg},
		Health: func(ctx context.Context) error {
			_, err := s.client.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	alert, _ := json.Marshal(map[string]any{"id": "wh-" + u.ID, "type": "suspicious_login", "user": u.Login})
	send := func() (int, serve.AlertsResponse) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/alerts", bytes.NewReader(alert))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer e2e-webhook-token")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out serve.AlertsResponse
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	code, out := send()
	require.Equal(t, http.StatusAccepted, code, out)
	require.Len(t, out.Alerts, 1)
	require.Len(t, out.Alerts[0].Runs, 1, "only the webhook playbook matches")
	run := out.Alerts[0].Runs[0]
	assert.Equal(t, "trig-webhook-lookup-wh-"+u.ID, run.WorkflowID)
	assert.False(t, run.Duplicate)

	st := s.wait(t, run.WorkflowID)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 1, st.Outputs["found"], "the run looked up the alert's user in the simulated org")

	// The same alert again names the existing run and starts nothing.
	code, out = send()
	require.Equal(t, http.StatusAccepted, code)
	again := out.Alerts[0].Runs[0]
	assert.True(t, again.Duplicate, "%+v", out)
	assert.Equal(t, run.WorkflowID, again.WorkflowID)
	assert.Equal(t, run.RunID, again.RunID)
	assert.Equal(t, 1, s.countRuns(t, run.WorkflowID), "one execution of the workflow ID")
}

// countRuns counts the executions of a workflow ID, once visibility has
// caught up with at least one of them.
func (s *stack) countRuns(t *testing.T, id string) int {
	t.Helper()
	n := 0
	eventually(t, 30*time.Second, "visibility of "+id, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId = '" + id + "'"})
		require.NoError(t, err)
		n = len(resp.Executions)
		return n > 0
	})
	return n
}
