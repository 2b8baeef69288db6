package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// A caller outside Cordon's workflows is refused before the activity
// reads its input: nothing reaches Okta, and no retry is asked for.
func TestActivitiesRefuseCallersOutsideCordonWorkflows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		standalone bool
		callers    Callers
		reason     string
	}{
		{name: "standalone activity", standalone: true, callers: testCallers,
			reason: "a standalone activity execution"},
		{name: "another workflow type", callers: Callers{TaskQueue: testCallers.TaskQueue, Workflows: []string{"PlaybookWorkflow"}},
			reason: "workflow default-test-workflow-id is of type 0; only PlaybookWorkflow may run it"},
		{name: "another task queue", callers: Callers{TaskQueue: "cordon", Workflows: testCallers.Workflows},
			reason: `it runs on task queue "default-test-taskqueue", not Cordon's "cordon"`},
		{name: "no callers configured", callers: Callers{},
			reason: "workflow default-test-workflow-id is of type 0; only Cordon's workflows (none are configured on this worker) may run it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, oktasim.Options{})
			f.acts.Callers = tc.callers
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment().SetExecuteActivitiesInWorkflow(!tc.standalone)
			f.acts.Register(env)
			_, err := env.ExecuteActivity(action.SuspendUsers, action.Request{Params: map[string]any{action.ParamUserIDs: []any{oktasim.DemoActiveUserID}}})
			ae, _ := appErr(t, err)
			assert.Equal(t, action.ErrNotCordonCaller, ae.Type())
			assert.True(t, ae.NonRetryable())
			assert.Contains(t, ae.Error(), "activity okta.suspend_users refused: not called by a Cordon workflow ("+tc.reason)
			assert.Empty(t, f.sim.Requests(), "nothing reached Okta")
			u, _ := f.sim.User(oktasim.DemoActiveUserID)
			assert.Equal(t, "ACTIVE", u.Status)
		})
	}
}

// Restrict guards any activity signature the engine registers (cordon.*):
// a refused call never runs the function and returns its zero result.
func TestRestrictGuardsAnySignature(t *testing.T) {
	t.Parallel()
	ran := 0
	record := func(ctx context.Context, lines []string) error { ran++; return nil }
	check := func(ctx context.Context, n int) (string, error) { ran++; return "checked", nil }
	for _, standalone := range []bool{false, true} {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment().SetExecuteActivitiesInWorkflow(!standalone)
		r := Restrict(env, testCallers)
		r.RegisterActivityWithOptions(record, activity.RegisterOptions{Name: "cordon.audit"})
		r.RegisterActivityWithOptions(check, activity.RegisterOptions{Name: "cordon.guard"})
		_, errA := env.ExecuteActivity("cordon.audit", []string{"approval_decision"})
		val, errG := env.ExecuteActivity("cordon.guard", 1)
		if standalone {
			assert.ErrorContains(t, errA, "activity cordon.audit refused: not called by a Cordon workflow")
			assert.ErrorContains(t, errG, "activity cordon.guard refused: not called by a Cordon workflow")
			continue
		}
		require.NoError(t, errA)
		require.NoError(t, errG)
		var s string
		require.NoError(t, val.Get(&s))
		assert.Equal(t, "checked", s)
	}
	assert.Equal(t, 2, ran, "only the calls from a workflow ran")
	assert.Panics(t, func() { Restrict(nil, testCallers).RegisterActivity(record) }, "activities are registered by name")
	assert.Panics(t, func() {
		Restrict(nil, testCallers).RegisterActivityWithOptions(func(int) error { return nil }, activity.RegisterOptions{Name: "x"})
	}, "an activity without a context cannot be checked")
}
