package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
)

func TestIntakeKeepsCursorAndContinuesAsNew(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	Register(env, New(action.Okta()))
	since := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var reqs []PollRequest
	answers := []func() (PollResult, error){
		func() (PollResult, error) {
			return PollResult{Cursors: map[string]string{"": "c1"}, Events: 2, RunsStarted: 1, Duplicates: 1, More: true,
				Newest: since.Add(time.Minute)}, nil
		},
		func() (PollResult, error) {
			return PollResult{}, temporal.NewNonRetryableApplicationError("okta down", "OktaClientError", nil)
		},
		func() (PollResult, error) {
			return PollResult{Cursors: map[string]string{"": "c2", "f": "d1"}, Events: 1, RunsStarted: 1}, nil
		},
	}
	env.RegisterActivityWithOptions(func(ctx context.Context, req PollRequest) (PollResult, error) {
		reqs = append(reqs, req)
		return answers[len(reqs)-1]()
	}, activity.RegisterOptions{Name: IntakePollActivity})

	var mid IntakeStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(IntakeStatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 30*time.Second)
	env.ExecuteWorkflow(IntakeWorkflowName, IntakeInput{Interval: time.Minute, Since: since, PollsPerRun: 3})

	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "continues as new after PollsPerRun polls: %v", env.GetWorkflowError())
	var next IntakeInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))

	require.Len(t, reqs, 3)
	assert.Equal(t, since, reqs[0].Since, "the first poll starts new streams at --since")
	assert.Nil(t, reqs[0].Cursors)
	assert.Equal(t, map[string]string{"": "c1"}, reqs[1].Cursors, "More: polled again at once from the new cursor")
	assert.Equal(t, map[string]string{"": "c1"}, reqs[2].Cursors, "a failed poll keeps the cursor")
	assert.True(t, reqs[2].Since.After(since), "later new streams start at the poll's time")

	assert.Equal(t, 1, mid.Failures, "the query shows the failure between polls")
	assert.Contains(t, mid.LastError, "okta down")
	assert.EqualValues(t, 2, mid.EventsSeen)

	st := next.State
	assert.Equal(t, map[string]string{"": "c2", "f": "d1"}, st.Cursors, "the cursor is carried over continue-as-new")
	assert.EqualValues(t, 2, st.Polls)
	assert.EqualValues(t, 3, st.EventsSeen)
	assert.EqualValues(t, 2, st.RunsStarted)
	assert.EqualValues(t, 1, st.Duplicates)
	assert.Zero(t, st.Failures, "a good poll clears the failure count")
	assert.Equal(t, since.Add(time.Minute), st.NewestEvent)
	assert.Equal(t, time.Minute, next.Interval)
	assert.Equal(t, 3, next.PollsPerRun)
}
