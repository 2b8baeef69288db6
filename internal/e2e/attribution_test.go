package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// Issue 25: a retried step reports done only for the changes its own
// attempts made, proven by the System Log events that carry its marker;
// an admin's change made while the step retries is already_*, names the
// admin, and is never undone.

// adminClient is an admin acting on the org with the same API token as
// Cordon but through another client, as a colleague with the console or a
// script would: only the User-Agent tells the two apart.
func adminClient(t *testing.T, s *stack) *okta.Client {
	t.Helper()
	oc, err := okta.NewClient(okta.Config{OrgURL: s.sim.URL(), Token: simToken, UserAgent: "admin-console/1.0"})
	require.NoError(t, err)
	return oc
}

// newGroup creates an OKTA_GROUP and returns its id.
func newGroup(t *testing.T, oc *okta.Client, name string) string {
	t.Helper()
	var g struct{ ID string }
	_, err := oc.Do(context.Background(), http.MethodPost, "/groups", nil, map[string]any{"profile": map[string]any{"name": name}}, &g)
	require.NoError(t, err)
	return g.ID
}

// answered500 counts the 500s the org gave requests whose path contains
// part.
func answered500(s *stack, method, part string) int {
	n := 0
	for _, r := range s.sim.Sim().Requests() {
		if r.Method == method && r.Status == http.StatusInternalServerError && strings.Contains(r.Path, part) {
			n++
		}
	}
	return n
}

func TestAdminChangeDuringRetryIsNotClaimed(t *testing.T) {
	parallelLong(t) // its own stack: nothing shared with the other tests
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: 40})
	t.Cleanup(stop)
	admin := adminClient(t, s)
	ctx := context.Background()
	gid := newGroup(t, admin, "attribution")
	deact := strs(s.benchIDs(t, 0, 20))
	add := strs(s.benchIDs(t, 20, 40))

	// Cordon's writes (and only Cordon's: the faults match its marker)
	// are answered 500 while the admin acts.
	for _, f := range []oktasim.Fault{
		{Path: "/api/v1/users/", Method: http.MethodPost, UserAgent: "cordon-op/", ErrorRate: 1},
		{Path: "/api/v1/groups/", Method: http.MethodPut, UserAgent: "cordon-op/", ErrorRate: 1},
	} {
		s.sim.Sim().SetFault(f)
	}
	idD := s.startFault(t, "faults-deactivate.yaml", map[string]any{"user_ids": toAny(deact)})
	idA := s.startFault(t, "attribution-add.yaml", map[string]any{"user_ids": toAny(add), "group": gid})
	require.Eventually(t, func() bool {
		return answered500(s, http.MethodPost, "/lifecycle/deactivate") > 0 && answered500(s, http.MethodPut, "/groups/") > 0
	}, time.Minute, 50*time.Millisecond, "both steps' first writes to be answered 500")
	adminDeactivated, adminAdded := deact[:3], add[:3]
	for _, id := range adminDeactivated {
		_, err := admin.DeactivateUser(ctx, id)
		require.NoError(t, err)
	}
	for _, id := range adminAdded {
		require.NoError(t, admin.AddUserToGroup(ctx, gid, id))
	}
	time.Sleep(4 * time.Second)
	s.sim.Sim().ClearFaults()

	stD, stA := s.waitLong(t, idD), s.waitLong(t, idA)
	require.Equal(t, workflows.RunSucceeded, stD.Status, stD.Error)
	require.Equal(t, workflows.RunSucceeded, stA.Status, stA.Error)
	checkItems(t, stD, "deactivate", adminDeactivated, action.OutcomeAlreadyDeprovisioned)
	checkItems(t, stA, "add", adminAdded, action.OutcomeAlreadyMember)

	// The undos reverse exactly the steps' own changes: the admin's
	// deactivations and memberships stay.
	for wid, n := range map[string]int{idD + "/undo-deactivate": 17, idA + "/undo-add": 17} {
		require.Eventually(t, func() bool {
			st, err := runs.Status(ctx, s.client, wid)
			return err == nil && st.Status == workflows.RunSucceeded
		}, time.Minute, 50*time.Millisecond, wid+" to finish")
		st, err := runs.Status(ctx, s.client, wid)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"done": n}, outcomes(t, st, st.Steps[0].ID), wid)
	}
	for _, id := range deact {
		want := "ACTIVE"
		if slices.Contains(adminDeactivated, id) {
			want = "DEPROVISIONED"
		}
		assert.Equal(t, want, s.user(t, id).Status, id)
	}
	members := s.sim.Sim().GroupMembers(gid)
	slices.Sort(members)
	want := slices.Clone(adminAdded)
	slices.Sort(want)
	assert.Equal(t, want, members, "only the admin's memberships remain")
}

// checkItems asserts a step's report: the admin's items already_* naming
// the admin's client, every other item done.
func checkItems(t *testing.T, st *workflows.RunStatus, step string, admins []string, already string) {
	t.Helper()
	for _, s := range st.Steps {
		if s.ID != step {
			continue
		}
		for _, r := range decode[action.BulkResult](t, s.Output).Results {
			if slices.Contains(admins, r.ID) {
				assert.Equal(t, already, r.Outcome, "%s: the admin's change is not the step's", r.ID)
				assert.Contains(t, r.By, "admin-console/1.0", "%s: the report names who made it", r.ID)
				continue
			}
			assert.Equal(t, action.OutcomeDone, r.Outcome, "%s: %+v", r.ID, r)
		}
	}
}

func toAny(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// An undo that cannot finish within its retry budget ends undo_failed:
// the status names what stays changed, CordonState says undo_failed, the
// notification hook hears of it; it never reports succeeded.
func TestUndoThatGivesUpEndsUndoFailed(t *testing.T) {
	parallelLong(t) // its own stack: nothing shared with the other tests
	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: 5},
		stackOptions{undoRetryFor: 5 * time.Second})
	t.Cleanup(stop)
	ctx := context.Background()
	ids := strs(s.benchIDs(t, 0, 5))
	id := s.start(t, runs.Request{Playbook: s.load(t, "suspend-briefly.yaml"), Inputs: map[string]any{"users": toAny(ids)}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	// Once the step is done, every unsuspend Cordon sends is answered
	// 500, for longer than the undo's budget.
	s.sim.Sim().SetFault(oktasim.Fault{Path: "/api/v1/users/", Method: http.MethodPost, UserAgent: "cordon-op/", ErrorRate: 1})
	undo := id + "/undo-suspend"
	var us *workflows.RunStatus
	require.Eventually(t, func() bool {
		got, err := runs.Status(ctx, s.client, undo)
		us = got
		return err == nil && got.Status != workflows.RunRunning
	}, time.Minute, 50*time.Millisecond, "the undo to give up")
	assert.Equal(t, workflows.RunUndoFailed, us.Status, us.Error)
	assert.Contains(t, us.Error, "5 of 5 targets stay changed")
	left := us.Outputs["stays_changed"]
	assert.Len(t, left, 5, "the status lists what stays changed")
	for _, uid := range ids {
		assert.Equal(t, "SUSPENDED", s.user(t, uid).Status)
		assert.Contains(t, us.Error, uid)
	}
	require.Eventually(t, func() bool { return s.stateOf(t, undo) == workflows.RunUndoFailed }, 30*time.Second, 50*time.Millisecond, "CordonState undo_failed")
	require.Eventually(t, func() bool {
		for _, m := range e2eHooks.messagesAbout(undo) {
			if strings.Contains(m, "Undo failed") {
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "the undo_failed notification")
}
