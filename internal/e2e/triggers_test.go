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

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/serve"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// triggersDir holds the playbooks with on: triggers used by these tests;
// the shared stack's intake activity reads the same directory.
var triggersDir = filepath.Join("testdata", "triggers")

func TestTriggerWebhookStartsOnce(t *testing.T) {
	s := getStackAlone(t)
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
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId = '" + id + "'"})
		require.NoError(t, err)
		n = len(resp.Executions)
		return n > 0
	}, 30*time.Second, 50*time.Millisecond, "visibility of "+id)
	return n
}

// intakeStatus polls the intake's status query until cond holds.
func (s *stack) intakeStatus(t *testing.T, what string, cond func(workflows.IntakeStatus) bool) workflows.IntakeStatus {
	t.Helper()
	var st workflows.IntakeStatus
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		st, err = intake.Status(ctx, s.client, "")
		return err == nil && cond(st)
	}, time.Minute, 50*time.Millisecond, what)
	return st
}

// stopIntake cancels the intake and waits until it has closed.
func (s *stack) stopIntake(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, intake.Stop(ctx, s.client, ""))
	_ = s.client.GetWorkflow(ctx, workflows.IntakeWorkflowID, "").Get(ctx, nil)
}

func TestIntakeStartsMatchingPlaybooksOnce(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	since := time.Now().Add(-time.Second)
	_, err := intake.Start(ctx, s.client, intake.StartOptions{Interval: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { s.stopIntake(t) })
	again, err := intake.Start(ctx, s.client, intake.StartOptions{})
	require.NoError(t, err)
	assert.True(t, again.Running, "a second start leaves the running intake alone")

	before := s.intakeStatus(t, "the first poll", func(st workflows.IntakeStatus) bool { return st.Polls >= 1 })
	require.Contains(t, before.Cursors, `eventType eq "user.account.lock"`, "one polling query per trigger filter")
	require.Contains(t, before.Cursors, "", "and one unfiltered, for the trigger without a filter")

	lock, tagged, other := "e2e-lock-"+u.ID, "e2e-tagged-"+u.ID, "e2e-other-"+u.ID
	sim := s.sim.Sim()
	sim.AppendEvent(map[string]any{"uuid": lock, "eventType": "user.account.lock", "displayMessage": "Max sign in attempts exceeded",
		"outcome": map[string]any{"result": "FAILURE"}, "actor": map[string]any{"alternateId": u.Login, "displayName": u.Login, "type": "User"},
		"client": map[string]any{"ipAddress": "203.0.113.77"}})
	sim.AppendEvent(map[string]any{"uuid": other, "eventType": "user.session.start", "displayMessage": "User login to Okta",
		"outcome": map[string]any{"result": "SUCCESS"}})
	sim.AppendEvent(map[string]any{"uuid": tagged, "eventType": "user.session.start", "displayMessage": "cordon intake test"})

	st := s.waitStarted(t, "trig-lock-"+lock)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, u.Login, st.Outputs["login"], "with: read the event's actor")
	assert.Equal(t, "203.0.113.77", st.Outputs["ip"], "the normalised device_ip_address is on the alert")
	st = s.waitStarted(t, "trig-any-event-"+tagged)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, tagged, st.Outputs["uuid"])

	status := s.intakeStatus(t, "the runs counted", func(st workflows.IntakeStatus) bool { return st.RunsStarted >= 2 })
	assert.EqualValues(t, 2, status.RunsStarted, "the unrelated event starts nothing")
	assert.GreaterOrEqual(t, status.EventsSeen, int64(3))

	// The poll activity again from the cursors before the events (a poll
	// retried after a worker crash): every run exists already.
	oc, err := okta.NewClient(okta.Config{OrgURL: s.sim.URL(), Token: simToken})
	require.NoError(t, err)
	p := &intake.Poller{Okta: oc, Starter: trigger.ClientStarter{Client: s.client},
		Library: runs.Library{Dir: triggersDir, Registry: s.reg}}
	res, err := p.Poll(ctx, workflows.PollRequest{Cursors: before.Cursors, Since: since})
	require.NoError(t, err)
	assert.Zero(t, res.RunsStarted)
	assert.Equal(t, 2, res.Duplicates)

	// Restart the intake from before the events: it reads them again and
	// starts nothing.
	s.stopIntake(t)
	_, err = intake.Start(ctx, s.client, intake.StartOptions{Interval: 100 * time.Millisecond, Since: since})
	require.NoError(t, err)
	status = s.intakeStatus(t, "the re-read events", func(st workflows.IntakeStatus) bool { return st.Duplicates >= 2 })
	assert.Zero(t, status.RunsStarted)
	assert.Equal(t, 1, s.countRuns(t, "trig-lock-"+lock))
	assert.Equal(t, 1, s.countRuns(t, "trig-any-event-"+tagged))

	out, _, code := s.cli(t, "intake", "status")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "duplicates")
}

// waitStarted waits for a run that something else starts, then for its
// final status.
func (s *stack) waitStarted(t *testing.T, id string) *workflows.RunStatus {
	t.Helper()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := s.client.DescribeWorkflowExecution(ctx, id, "")
		return err == nil
	}, time.Minute, 50*time.Millisecond, "run "+id+" to start")
	return s.wait(t, id)
}

func TestHealthScheduleRecordsResults(t *testing.T) {
	s := getStackAlone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	created, err := healthcheck.Enable(ctx, s.client, healthcheck.Options{Every: time.Hour})
	require.NoError(t, err)
	assert.True(t, created)
	t.Cleanup(func() { _ = healthcheck.Disable(context.Background(), s.client, "") })
	created, err = healthcheck.Enable(ctx, s.client, healthcheck.Options{Every: 2 * time.Hour, Failures: 2})
	require.NoError(t, err)
	assert.False(t, created, "enabling again updates the schedule")

	desc, err := s.client.ScheduleClient().GetHandle(ctx, workflows.HealthScheduleID).Describe(ctx)
	require.NoError(t, err)
	require.Len(t, desc.Schedule.Spec.Intervals, 1)
	assert.Equal(t, 2*time.Hour, desc.Schedule.Spec.Intervals[0].Every)

	// A new schedule checks at once; the result is recorded and listed.
	var checks []healthcheck.CheckRun
	require.Eventually(t, func() bool {
		checks, err = healthcheck.Recent(ctx, s.client, 5, "")
		return err == nil && len(checks) > 0 && checks[0].Result != nil
	}, time.Minute, 50*time.Millisecond, "a completed health check")
	r := checks[0].Result
	assert.True(t, r.OK, r.Error)
	assert.NotEmpty(t, r.User, "the token owner's login from GET /users/me")

	out, _, code := s.cli(t, "health")
	require.Equal(t, 0, code)
	assert.Contains(t, out, " ok ")
}
