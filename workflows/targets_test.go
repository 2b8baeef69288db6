package workflows

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// directory is a fake cordon.resolve: logins (any case) to IDs.
func directory(req action.ResolveRequest) action.ResolveResult {
	ids := map[string]string{"ann@acme.test": "00uANN", "bob@acme.test": "00uBOB", "me": "00uOWNER", "engineering": "00gENG"}
	var res action.ResolveResult
	for _, t := range req.Targets {
		r := action.Resolved{Given: t, ID: ids[strings.ToLower(strings.TrimSpace(t))]}
		if r.ID == "" {
			r.Message = "no such " + string(req.Kind)
		}
		res.Resolved = append(res.Resolved, r)
	}
	return res
}

// The action acts on the canonical targets the guard allowed; spellings
// that name nothing are not_found items and are never sent.
func TestActionGetsCanonicalTargets(t *testing.T) {
	h := newHarness(t)
	h.okta.resolve = directory
	var judged action.GuardRequest
	h.okta.guard = func(r action.GuardRequest) action.GuardResult {
		judged = r
		res := action.GuardResult{DefaultMaxTargets: 25}
		for _, id := range r.Targets {
			if id == "00uOWNER" {
				res.Protected = append(res.Protected, action.ProtectedEntry{Target: id, Reason: "owner of Cordon's Okta API token"})
			} else {
				res.Allowed = append(res.Allowed, id)
			}
		}
		return res
	}
	src := `
name: t
version: 1
steps:
  - id: add
    action: okta.add_users_to_group
    with: {user_ids: [" ANN@acme.test", bob@acme.test, Ann@Acme.Test, me, ghost@acme.test], group_id: " Engineering "}
`
	st, err := h.run(src, RunInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"00uANN", "00uBOB", "00uOWNER"}, judged.Targets)
	assert.Equal(t, []action.Scope{{Param: action.ParamGroupID, Kind: action.TargetGroups, Values: []string{"00gENG"}}}, judged.Scopes)
	calls := h.okta.callsTo(action.AddUsersToGroup)
	require.Len(t, calls, 1)
	assert.Equal(t, []any{"00uANN", "00uBOB"}, calls[0][action.ParamUserIDs])
	assert.Equal(t, "00gENG", calls[0][action.ParamGroupID])
	step := stepOf(st, "add")
	assert.Equal(t, playbook.StatusPartiallySucceeded, step.Status)
	out := step.Output.(map[string]any)
	res := out["results"].([]any)
	require.Len(t, res, 4)
	assert.Equal(t, map[string]any{"id": "00uOWNER", "ok": false, "outcome": "protected", "message": "owner of Cordon's Okta API token"}, res[2])
	assert.Equal(t, map[string]any{"id": "ghost@acme.test", "ok": false, "outcome": "not_found", "message": "no such users"}, res[3])
	assert.Equal(t, []any{"ghost@acme.test"}, out["failed"])
}

// A foreach resolves each spelling once per run, items in flight at once
// included, and never acts on a spelling.
func TestForeachResolvesWithinTheRun(t *testing.T) {
	h := newHarness(t)
	h.okta.resolve = directory
	src := `
name: t
version: 1
steps:
  - id: each
    foreach: ["ann@acme.test", "ANN@acme.test", "bob@acme.test", "ann@acme.test"]
    concurrency: 4
    action: okta.deactivate_users
    with: {user_ids: ["${{ item }}"]}
  - id: again
    action: okta.deactivate_users
    with: {user_ids: [ann@acme.test, bob@acme.test]}
`
	_, err := h.run(src, RunInput{})
	require.NoError(t, err)
	for _, c := range h.okta.callsTo(action.DeactivateUsers) {
		for _, id := range c[action.ParamUserIDs].([]any) {
			assert.Contains(t, []any{"00uANN", "00uBOB"}, id)
		}
	}
	asked := 0
	for _, r := range h.okta.resolves {
		asked += len(r.Targets)
	}
	assert.LessOrEqual(t, asked, 4, "at most one read per item, none for the last step")
	assert.Len(t, h.okta.callsTo(action.DeactivateUsers), 5)
}

// Every spelling that names nothing fails the step, with nothing sent.
func TestAllNotFoundFailsTheStep(t *testing.T) {
	h := newHarness(t)
	h.okta.resolve = directory
	src := "name: t\nversion: 1\nsteps:\n  - id: d\n    action: okta.deactivate_users\n    with: {user_ids: [ghost@acme.test]}\n"
	st, err := h.run(src, RunInput{})
	require.Error(t, err)
	assert.Equal(t, "step d: Deactivate Users failed: no such users; nothing was changed", st.Error)
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))
}
