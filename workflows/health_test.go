package workflows

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
)

func runHealth(t *testing.T, prev *HealthResult, ok bool, in HealthInput) (HealthResult, []HealthAlert) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	Register(env, New(action.Okta()))
	env.RegisterActivityWithOptions(func(ctx context.Context, req action.Request) (any, error) {
		if ok {
			return map[string]any{"status": "Successful", "user": "admin@example.com", "latency_ms": 12}, nil
		}
		return nil, temporal.NewNonRetryableApplicationError("Test Connection failed. Okta Code: E0000011. HTTP Status Code: 401. Message: Invalid token provided.", "OktaClientError", nil)
	}, activity.RegisterOptions{Name: action.TestConnection})
	var alerts []HealthAlert
	env.RegisterActivityWithOptions(func(ctx context.Context, a HealthAlert) (string, error) {
		alerts = append(alerts, a)
		return "alert-run", nil
	}, activity.RegisterOptions{Name: HealthAlertActivity})
	if prev != nil {
		env.SetLastCompletionResult(*prev)
	}
	env.ExecuteWorkflow(HealthCheckWorkflowName, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError(), "a failed check still completes, so the next one sees it")
	var res HealthResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res, alerts
}

func TestHealthCheckCountsFailuresInARow(t *testing.T) {
	res, _ := runHealth(t, nil, true, HealthInput{})
	assert.True(t, res.OK)
	assert.Equal(t, "admin@example.com", res.User)
	assert.EqualValues(t, 12, res.LatencyMS)

	first, alerts := runHealth(t, &res, false, HealthInput{Failures: 2, Playbook: "health-check"})
	assert.False(t, first.OK)
	assert.Equal(t, 1, first.Failures)
	assert.Contains(t, first.Error, "E0000011")
	assert.Empty(t, alerts, "one failure does not alert")

	second, alerts := runHealth(t, &first, false, HealthInput{Failures: 2, Playbook: "health-check"})
	assert.Equal(t, 2, second.Failures)
	assert.Equal(t, first.FailingSince, second.FailingSince, "the streak keeps its start")
	require.Len(t, alerts, 1, "the threshold starts the playbook")
	assert.Equal(t, HealthAlert{Playbook: "health-check", Failures: 2, FailingSince: first.FailingSince, Error: second.Error}, alerts[0])
	assert.Equal(t, "alert-run", second.Alert)

	third, alerts := runHealth(t, &second, false, HealthInput{Failures: 2, Playbook: "health-check"})
	assert.Equal(t, 3, third.Failures)
	assert.Empty(t, alerts, "once per streak")

	back, _ := runHealth(t, &third, true, HealthInput{Failures: 2})
	assert.Zero(t, back.Failures)
	assert.True(t, back.FailingSince.IsZero())
}
