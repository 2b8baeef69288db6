package workflows

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

const findAndDeactivate = `
name: find-and-deactivate
version: 1
inputs:
  login: {type: string, required: true}
steps:
  - id: find
    action: okta.get_users
    with: {filter: 'profile.login eq "${{ inputs.login }}"'}
  - id: none
    if: ${{ len(steps.find.output) == 0 }}
    fail: "no user ${{ inputs.login }}"
  - id: deactivate
    action: okta.deactivate_users
    with: {user_ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
outputs:
  deactivated: ${{ steps.deactivate.output.succeeded }}
`

func users(ids ...string) func(map[string]any) (any, error) {
	return func(map[string]any) (any, error) {
		out := []any{}
		for _, id := range ids {
			out = append(out, map[string]any{"id": id, "status": "ACTIVE", "profile": map[string]any{"login": id + "@acme.test"}})
		}
		return out, nil
	}
}

func TestSequenceAndOutputs(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1", "00u2"))
	st, err := h.run(findAndDeactivate, RunInput{Inputs: map[string]any{"login": "jane@acme.test"}})
	require.NoError(t, err)
	assert.Equal(t, RunSucceeded, st.Status)
	assert.Equal(t, []any{"00u1", "00u2"}, st.Outputs["deactivated"])
	assert.Equal(t, `profile.login eq "jane@acme.test"`, h.okta.callsTo(action.GetUsers)[0]["filter"])
	assert.Equal(t, []any{"00u1", "00u2"}, h.okta.callsTo(action.DeactivateUsers)[0][action.ParamUserIDs])
	assert.Equal(t, playbook.StatusSkipped, stepOf(st, "none").Status)
	assert.Equal(t, playbook.StatusSucceeded, stepOf(st, "deactivate").Status)
	assert.NotNil(t, stepOf(st, "deactivate").FinishedAt)
}

func TestFailStepFailsRun(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users())
	st, err := h.run(findAndDeactivate, RunInput{Inputs: map[string]any{"login": "ghost@acme.test"}})
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	assert.Equal(t, ErrPlaybookFailed, app.Type())
	assert.Equal(t, RunFailed, st.Status)
	assert.Equal(t, "no user ghost@acme.test", st.Error)
	assert.Equal(t, playbook.StatusFailed, stepOf(st, "none").Status)
	assert.Equal(t, playbook.StatusSkipped, stepOf(st, "deactivate").Status, "a step the failed run never reached")
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers), "nothing after the failure runs")
}

func TestActivityErrorIsExposed(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUserGroups, func(map[string]any) (any, error) {
		return nil, temporal.NewNonRetryableApplicationError("Get User Groups failed. Okta Code: E0000007. HTTP Status Code: 404. Message: User ID Not Found.",
			"OktaClientError", nil, map[string]any{"command": "Get User Groups", "okta_code": "E0000007", "http_status": 404, "message": "User ID Not Found."})
	})
	src := `
name: t
version: 1
steps:
  - id: groups
    action: okta.get_user_groups
    with: {user: nobody}
    continue_on_error: true
  - id: note
    set: {code: "${{ steps.groups.error.okta_code }}", status: "${{ steps.groups.status }}", http: "${{ steps.groups.error.http_status }}"}
`
	st, err := h.run(src, RunInput{})
	require.NoError(t, err)
	g := stepOf(st, "groups")
	assert.Equal(t, playbook.StatusFailed, g.Status)
	assert.Equal(t, &playbook.StepError{Message: "User ID Not Found.", OktaCode: "E0000007", HTTPStatus: 404}, g.Error)
	assert.Equal(t, map[string]any{"code": "E0000007", "status": "failed", "http": float64(404)}, stepOf(st, "note").Output)
	assert.Len(t, h.okta.callsTo(action.GetUserGroups), 1, "client errors are not retried")
}

func TestForeachKeepsItemOrder(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUserGroups, func(p map[string]any) (any, error) {
		return []any{map[string]any{"id": "g-" + p[action.ParamUser].(string)}}, nil
	})
	src := `
name: t
version: 1
inputs:
  ids: {type: list}
steps:
  - id: groups
    foreach: ${{ inputs.ids }}
    concurrency: 3
    action: okta.get_user_groups
    with: {user: "${{ item }}"}
outputs:
  first: ${{ steps.groups.output[0][0].id }}
  n: ${{ len(steps.groups.output) }}
`
	var ids []any
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("u%02d", i))
	}
	st, err := h.run(src, RunInput{Inputs: map[string]any{"ids": ids}})
	require.NoError(t, err)
	assert.Equal(t, "g-u00", st.Outputs["first"])
	assert.EqualValues(t, 20, st.Outputs["n"])
	out := stepOf(st, "groups").Output.([]any)
	for i, o := range out {
		assert.Equal(t, fmt.Sprintf("g-u%02d", i), o.([]any)[0].(map[string]any)["id"])
	}
	assert.Equal(t, 20, stepOf(st, "groups").Items)
}

func TestParallelFailureCancelsSiblings(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetLogs, func(map[string]any) (any, error) {
		return nil, temporal.NewNonRetryableApplicationError("boom", "OktaClientError", nil)
	})
	src := `
name: t
version: 1
steps:
  - id: both
    parallel:
      - id: logs
        action: okta.get_logs
      - id: slow
        wait: 1h
      - id: zones
        action: okta.list_zones
        continue_on_error: true
  - id: after
    set: {x: 1}
`
	st, err := h.run(src, RunInput{})
	require.Error(t, err)
	assert.Equal(t, playbook.StatusFailed, stepOf(st, "logs").Status)
	assert.Equal(t, playbook.StatusFailed, stepOf(st, "both").Status)
	assert.Equal(t, playbook.StatusFailed, stepOf(st, "slow").Status, "the wait was cancelled")
	assert.Equal(t, playbook.StatusSkipped, stepOf(st, "after").Status)
}

func TestDryRunPlansDestructiveSteps(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1", "00u2", "00u3"))
	st, err := h.run(findAndDeactivate, RunInput{Inputs: map[string]any{"login": "x"}, Options: RunOptions{DryRun: true}})
	require.NoError(t, err)
	d := stepOf(st, "deactivate")
	assert.Equal(t, playbook.StatusPlanned, d.Status)
	require.NotNil(t, d.Plan)
	assert.Equal(t, []string{"00u1", "00u2", "00u3"}, d.Plan.Targets)
	assert.Equal(t, "POST /api/v1/users/00u2/lifecycle/deactivate", d.Plan.Calls[1])
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers), "a dry run never calls a destructive action")
	assert.Len(t, h.okta.callsTo(action.GetUsers), 1, "reads run for real")
	assert.Equal(t, []any{"00u1", "00u2", "00u3"}, st.Outputs["deactivated"], "later steps see a planned output of the same shape")
}

func TestBlastRadiusLimit(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("a", "b", "c", "d"))
	src := findAndDeactivate + "guardrails: {max_targets: 3}\n"
	st, err := h.run(src, RunInput{Inputs: map[string]any{"login": "x"}})
	require.Error(t, err)
	assert.Equal(t, "step deactivate (Deactivate Users) would act on 4 targets, above the limit of 3 (guardrails.max_targets); nothing was changed", st.Error)
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))
}

func TestProtectedTargetsAreSkipped(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1", "00uADMIN"))
	h.okta.guard = func(r action.GuardRequest) action.GuardResult {
		return action.GuardResult{Allowed: []string{"00u1"}, DefaultMaxTargets: 25,
			Protected: []action.ProtectedEntry{{Target: "00uADMIN", Reason: "protected user"}}}
	}
	st, err := h.run(findAndDeactivate, RunInput{Inputs: map[string]any{"login": "x"}})
	require.NoError(t, err)
	assert.Equal(t, []any{"00u1"}, h.okta.callsTo(action.DeactivateUsers)[0][action.ParamUserIDs])
	res := stepOf(st, "deactivate").Output.(map[string]any)["results"].([]any)
	assert.Equal(t, map[string]any{"id": "00uADMIN", "ok": false, "outcome": "protected", "message": "protected user"}, res[1])
}

func TestLongIDListsAreChunked(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for i := range 600 {
		ids = append(ids, fmt.Sprintf("00u%04d", i))
	}
	h.okta.on(action.GetUsers, users(ids...))
	src := findAndDeactivate + "guardrails: {max_targets: 1000}\n"
	st, err := h.run(src, RunInput{Inputs: map[string]any{"login": "x"}})
	require.NoError(t, err)
	calls := h.okta.callsTo(action.DeactivateUsers)
	require.Len(t, calls, 3)
	assert.Len(t, st.Outputs["deactivated"], 600)
	assert.Equal(t, playbook.StatusSucceeded, stepOf(st, "deactivate").Status)
}

func TestContinueAsNewCarriesState(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	h.env.SetContinueAsNewSuggested(true)
	h.env.ExecuteWorkflow(PlaybookWorkflowName, RunInput{Playbook: pin("find-and-deactivate", findAndDeactivate),
		Inputs: map[string]any{"login": "x"}, Options: RunOptions{StartedBy: "alice"}})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(h.env.GetWorkflowError(), &can), "got %v", h.env.GetWorkflowError())
	var next RunInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Resume)
	assert.Equal(t, 1, next.Resume.Next, "the next run starts after the first step")
	assert.Equal(t, "00u1", next.Resume.Outputs["find"].([]any)[0].(map[string]any)["id"])

	// The next run picks up where the first stopped and finishes.
	h2 := newHarness(t)
	require.NotEmpty(t, next.Resume.From, "the carry names the run that wrote it")
	h2.env.SetContinuedExecutionRunID(next.Resume.From)
	st, err := h2.run(findAndDeactivate, next)
	require.NoError(t, err)
	assert.Equal(t, []any{"00u1"}, st.Outputs["deactivated"])
	assert.Empty(t, h2.okta.callsTo(action.GetUsers), "finished steps are not run again")
}

func TestProtectedGroupMembershipIsRefused(t *testing.T) {
	h := newHarness(t)
	h.okta.guard = func(r action.GuardRequest) action.GuardResult {
		res := action.GuardResult{Allowed: r.Targets, DefaultMaxTargets: 25}
		if len(r.Scopes) == 1 && r.Scopes[0].Values[0] == "00gADMINS" {
			res.Refused = "group_id 00gADMINS: protected group 00gADMINS: its membership is never changed by automation"
		}
		return res
	}
	src := `
name: t
version: 1
steps:
  - id: add
    action: okta.add_users_to_group
    with: {user_ids: [00u1], group_id: 00gADMINS}
`
	st, err := h.run(src, RunInput{})
	require.Error(t, err)
	assert.Equal(t, "step add: Add Users To Group is refused: group_id 00gADMINS: protected group 00gADMINS: its membership is never changed by automation; nothing was changed", st.Error)
	assert.Empty(t, h.okta.callsTo(action.AddUsersToGroup))
}

func TestChildPlaybookGetsInputDefaults(t *testing.T) {
	h := newHarness(t)
	child := `
name: child
version: 1
inputs:
  who: {type: string, required: true}
  greeting: {type: string, default: hello}
steps:
  - id: say
    set: {text: "${{ inputs.greeting }} ${{ inputs.who }}"}
outputs:
  text: ${{ vars.text }}
`
	parent := `
name: parent
version: 1
steps:
  - id: sub
    playbook: child
    with: {who: world}
outputs:
  text: ${{ steps.sub.output.text }}
`
	st, err := h.run(parent, RunInput{Library: map[string]Pinned{"child": pin("child", child)}})
	require.NoError(t, err)
	assert.Equal(t, "hello world", st.Outputs["text"])

	h2 := newHarness(t)
	bad := strings.Replace(parent, "with: {who: world}", "with: {greeting: hi}", 1)
	st, err = h2.run(bad, RunInput{Library: map[string]Pinned{"child": pin("child", child)}})
	require.Error(t, err)
	assert.Contains(t, st.Error, "step sub: playbook child:")
	assert.Contains(t, st.Error, "who")
}

func TestAttemptsOfAStepOutOfRetries(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetLogs, func(map[string]any) (any, error) {
		return nil, temporal.NewApplicationError("Okta is down", "OktaUnavailable")
	})
	src := `
name: t
version: 1
steps:
  - id: logs
    action: okta.get_logs
    retry: {max_attempts: 3, initial_interval: 1s}
`
	st, err := h.run(src, RunInput{})
	require.Error(t, err)
	assert.Equal(t, 3, stepOf(st, "logs").Attempts)
	assert.Len(t, h.okta.callsTo(action.GetLogs), 3)
}
