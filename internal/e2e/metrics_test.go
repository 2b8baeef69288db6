package e2e

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

const metricsPlaybook = `name: e2e-metrics
version: 1
inputs:
  users: {type: list, required: true}
steps:
  - id: approve
    approval:
      message: "Suspend ${{ inputs.users }}?"
  - id: suspend
    action: okta.suspend_users
    with: {user_ids: "${{ inputs.users }}"}
    undo_after: 1h
`

const metricsLimitPlaybook = `name: e2e-metrics-limit
version: 1
inputs:
  users: {type: list, required: true}
guardrails: {max_targets: 1}
steps:
  - id: suspend
    action: okta.suspend_users
    with: {user_ids: "${{ inputs.users }}"}
`

// TestMetrics scrapes the worker's /metrics (the same registry and wiring
// as worker/run.go) on a stack of its own after a run with an approval, a
// write, a protected target and an undo, and a run refused by max_targets:
// every named series is there with its labels and exact counts.
func TestMetrics(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests (its own metrics too)
	protected := oktasim.DemoLockedUserID
	s, stop := newGuardedStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo},
		guard.Protected{Users: []string{protected}}, "")
	defer stop()
	srv := httptest.NewServer(s.metrics.Handler())
	defer srv.Close()
	scrape := func() testutil.Scrape {
		t.Helper()
		sc, err := testutil.ScrapeURL(srv.URL)
		require.NoError(t, err)
		return sc
	}
	value := func(sc testutil.Scrape, name string, labels map[string]string) float64 {
		t.Helper()
		v, ok := sc.Sum(name, labels)
		require.True(t, ok, "series %s%v present", name, labels)
		return v
	}

	pb, err := playbook.Load("e2e-metrics.yaml", []byte(metricsPlaybook), playbook.Options{Registry: s.reg})
	require.NoError(t, err)
	id := s.start(t, runs.Request{Playbook: pb, ID: "e2e-metrics-" + time.Now().Format("150405.000000000"),
		Inputs: map[string]any{"users": []any{oktasim.DemoActiveUserID, protected}}})
	require.Eventually(t, func() bool {
		v, ok := scrape().Sum("cordon_approvals_waiting", nil)
		return ok && v == 1
	}, 30*time.Second, 50*time.Millisecond, "cordon_approvals_waiting to count the run")
	_, err = runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: "lead"})
	require.NoError(t, err)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	u, _ := s.sim.Sim().User(oktasim.DemoActiveUserID)
	require.Equal(t, "SUSPENDED", u.Status)

	st = s.runSource(t, "e2e-metrics-limit", metricsLimitPlaybook,
		runs.Request{Inputs: map[string]any{"users": []any{oktasim.DemoStagedUserID, oktasim.DemoDeprovisionedUserID}}})
	require.Equal(t, workflows.RunFailed, st.Status)
	require.Contains(t, st.Error, "above the limit of 1")

	sc := scrape()
	assert.Equal(t, 1.0, value(sc, workflows.MetricRunsStarted, map[string]string{"playbook": "e2e-metrics", "workflow_type": workflows.PlaybookWorkflowName}))
	assert.Equal(t, 1.0, value(sc, workflows.MetricRunsFinished, map[string]string{"playbook": "e2e-metrics", "status": string(workflows.RunSucceeded)}))
	assert.Equal(t, 1.0, value(sc, workflows.MetricRunsStarted, map[string]string{"playbook": "e2e-metrics-limit"}))
	assert.Equal(t, 1.0, value(sc, workflows.MetricRunsFinished, map[string]string{"playbook": "e2e-metrics-limit", "status": string(workflows.RunFailed)}))
	assert.Equal(t, 1.0, value(sc, workflows.MetricUndoScheduled, map[string]string{"action": action.UnsuspendUsers}))
	assert.Equal(t, 1.0, value(sc, workflows.MetricGuardrailRefusals, map[string]string{"reason": "protected_user"}))
	assert.Equal(t, 1.0, value(sc, workflows.MetricGuardrailRefusals, map[string]string{"reason": workflows.RefusalMaxTargets}))

	// Every request the simulated org saw was counted once, by the
	// activity that made it; the suspend was one 2xx POST.
	total := value(sc, "cordon_okta_requests_total", nil)
	assert.Equal(t, float64(len(s.sim.Sim().Requests())), total)
	assert.Equal(t, 1.0, value(sc, "cordon_okta_requests_total", map[string]string{"action": action.SuspendUsers, "status_class": "2xx"}))
	var writeBucket string
	for _, l := range sc.Labels("cordon_okta_requests_total") {
		if l["action"] == action.SuspendUsers {
			writeBucket = l["bucket"]
		}
	}
	assert.NotEmpty(t, writeBucket, "the write's bucket is labelled")
	_, ok := sc.Sum("cordon_okta_rate_limit_remaining", map[string]string{"bucket": writeBucket})
	assert.True(t, ok, "X-Rate-Limit-Remaining of the write's bucket %s", writeBucket)
	assert.Equal(t, total, value(sc, "cordon_okta_pacing_wait_seconds", nil), "one pacing observation per request")
	_, ok = sc.Sum("cordon_okta_rate_limited_total", nil)
	assert.False(t, ok, "no 429 under generous limits")

	// The Temporal SDK's own series share the registry.
	assert.Positive(t, value(sc, "temporal_workflow_completed", map[string]string{"workflow_type": workflows.PlaybookWorkflowName}))
	assert.Positive(t, value(sc, "temporal_activity_execution_latency", map[string]string{"activity_type": action.SuspendUsers}))
	require.Eventually(t, func() bool {
		v, ok := scrape().Sum("cordon_approvals_waiting", nil)
		return ok && v == 0
	}, 30*time.Second, 50*time.Millisecond, "cordon_approvals_waiting to drop to 0")
}
