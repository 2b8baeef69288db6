package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// The adversarial suite runs against its own stack, whose guardrail file
// is the one of issue 13: one user protected by ID (jane.doe) and the group
// IT Admins protected by name. The token's owner (sam.rivera, also in IT
// Admins) is always protected. The tests of this file run one at a time,
// so the simulator's request log holds only their own traffic.
var (
	guardedOnce sync.Once
	guarded     *stack
	guardedMu   sync.Mutex
)

func getGuardedStack(t *testing.T) *stack {
	t.Helper()
	guardedOnce.Do(func() {
		var stop func()
		guarded, stop = newGuardedStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo},
			guard.Protected{Users: []string{oktasim.DemoActiveUserID}, Groups: []string{"IT Admins"},
				Zones: []string{oktasim.DemoPolicyZoneID}}, "")
		stopGuarded = stop
	})
	if guarded == nil {
		t.Fatal("the guarded stack failed to start")
	}
	guardedMu.Lock()
	t.Cleanup(guardedMu.Unlock)
	return guarded
}

// runSource starts a playbook given as source and waits for it.
func (s *stack) runSource(t *testing.T, name, src string, req runs.Request) *workflows.RunStatus {
	t.Helper()
	pb, err := playbook.Load(name+".yaml", []byte(src), playbook.Options{Registry: s.reg})
	require.NoError(t, err)
	req.Playbook = pb
	req.ID = fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	return s.wait(t, s.start(t, req))
}

// writes lists the requests that changed the simulated org.
func (s *stack) writes() []string {
	var out []string
	for _, r := range s.sim.Sim().Requests() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

const userAction = `name: %s
version: 1
inputs:
  users: {type: list, required: true}
steps:
  - id: act
    action: %s
    with: {user_ids: "${{ inputs.users }}"%s}
`

// TestAdversarialProtectedUsers: no spelling of a protected user reaches
// Okta through any action that grants or takes access; each is reported
// as protected, once per identity.
func TestAdversarialProtectedUsers(t *testing.T) {
	s := getGuardedStackAlone(t) // one at a time: this file's tests read the request log
	jane, sam := oktasim.DemoActiveUserID, oktasim.DemoAdminID
	spellings := []struct {
		name  string
		users []any
		ids   []string // the identities, in order
	}{
		{"id", []any{jane}, []string{jane}},
		{"id with spaces", []any{" " + jane + "\n"}, []string{jane}},
		{"login", []any{"jane.doe@acme.com"}, []string{jane}},
		{"upper-case login", []any{"JANE.DOE@ACME.COM"}, []string{jane}},
		{"short login", []any{"jane.doe"}, []string{jane}},
		{"mixed-case short login with whitespace", []any{"\tJane.Doe \n"}, []string{jane}},
		{"duplicates", []any{jane, "jane.doe@acme.com", "JANE.DOE", " jane.doe "}, []string{jane}},
		{"me", []any{"me"}, []string{sam}},
		{"ME with spaces", []any{" ME "}, []string{sam}},
		{"owner by login", []any{"Sam.Rivera@acme.com"}, []string{sam}},
		{"owner by short login", []any{"sam.rivera"}, []string{sam}},
		{"both, repeated", []any{"me", "jane.doe", sam, jane, "ME"}, []string{sam, jane}},
	}
	actions := []struct{ action, extra string }{
		{action.DeactivateUsers, ""},
		{action.ResetUserPasswords, ", send_email: false"},
		{action.ActivateUsers, ", send_email: false"},
		{action.AddUsersToGroup, ", group_id: " + oktasim.DemoEngineeringGroupID},
		{action.RemoveUsersFromGroup, ", group_id: " + oktasim.DemoEngineeringGroupID},
	}
	for _, a := range actions {
		src := fmt.Sprintf(userAction, "adv-users", a.action, a.extra)
		for _, sp := range spellings {
			t.Run(a.action+"/"+sp.name, func(t *testing.T) {
				s.sim.Sim().ResetRequests()
				st := s.runSource(t, "adv-users", src, runs.Request{Inputs: map[string]any{"users": sp.users}})
				require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
				assert.Empty(t, s.writes(), "no write reached Okta")
				var got []string
				for _, r := range decode[action.BulkResult](t, stepOf(st, "act").Output).Results {
					assert.Equal(t, action.OutcomeProtected, r.Outcome, r)
					got = append(got, r.ID)
				}
				assert.Equal(t, sp.ids, got, "one protected item per identity, by Okta ID")
			})
		}
	}
	for _, id := range []string{jane, sam} {
		u, _ := s.sim.Sim().User(id)
		assert.Equal(t, "ACTIVE", u.Status, "%s was never changed", id)
	}
	u, _ := s.sim.Sim().User(jane)
	assert.Contains(t, u.Groups, oktasim.DemoEngineeringGroupID, "jane's memberships are untouched")
}

// TestAdversarialProtectedGroup: no spelling of a protected group lets a
// membership change or a creation through, and nothing is written.
func TestAdversarialProtectedGroup(t *testing.T) {
	s := getGuardedStackAlone(t) // one at a time: this file's tests read the request log
	admins := oktasim.DemoITAdminsGroupID
	spellings := []string{admins, " " + admins, admins + " ", admins + "\n", "IT Admins", "it admins", " IT ADMINS\t"}
	olivia := oktasim.DemoStagedUserID
	want := "protected group IT Admins (" + admins + "): its membership is never changed by automation; nothing was changed"
	for _, action := range []string{action.AddUsersToGroup, action.RemoveUsersFromGroup} {
		src := fmt.Sprintf("name: adv-group\nversion: 1\ninputs:\n  group: {type: string, required: true}\nsteps:\n"+
			"  - id: act\n    action: %s\n    with: {user_ids: [%s], group_id: \"${{ inputs.group }}\"}\n", action, olivia)
		for _, g := range spellings {
			t.Run(action+"/"+strconv.Quote(g), func(t *testing.T) {
				s.sim.Sim().ResetRequests()
				st := s.runSource(t, "adv-group", src, runs.Request{Inputs: map[string]any{"group": g}})
				require.Equal(t, workflows.RunFailed, st.Status)
				assert.Contains(t, st.Error, "group_id "+admins+": "+want)
				assert.Empty(t, s.writes())
			})
		}
	}
	create := "name: adv-create\nversion: 1\ninputs:\n  groups: {type: list, required: true}\n  email: {type: string, required: true}\nsteps:\n" +
		"  - id: act\n    action: okta.create_user_in_group\n    with: {first_name: Eve, last_name: Mallory, email: \"${{ inputs.email }}\", group_ids: \"${{ inputs.groups }}\"}\n"
	for i, g := range spellings {
		t.Run("create_user_in_group/"+strconv.Quote(g), func(t *testing.T) {
			s.sim.Sim().ResetRequests()
			email := fmt.Sprintf("eve%d@acme.com", i)
			st := s.runSource(t, "adv-create", create, runs.Request{Inputs: map[string]any{
				"groups": []any{oktasim.DemoEngineeringGroupID, g}, "email": email}})
			require.Equal(t, workflows.RunFailed, st.Status)
			assert.Contains(t, st.Error, "Create User In Group is refused: group_ids "+admins+": "+want)
			assert.Empty(t, s.writes(), "the user is never created")
			_, exists := s.sim.Sim().User(email)
			assert.False(t, exists)
		})
	}
	t.Run("create_user_in_group with a protected user's login", func(t *testing.T) {
		s.sim.Sim().ResetRequests()
		st := s.runSource(t, "adv-create", create, runs.Request{Inputs: map[string]any{
			"groups": []any{oktasim.DemoEngineeringGroupID}, "email": " Jane.Doe@acme.com"}})
		require.Equal(t, workflows.RunFailed, st.Status)
		assert.Contains(t, st.Error, "Create User In Group is refused: "+oktasim.DemoActiveUserID+" (protected user)")
		assert.Empty(t, s.writes())
	})
	members, err := oktaClient(t, s).ListGroupMembers(context.Background(), admins, 0)
	require.NoError(t, err)
	for _, m := range members {
		var u okta.User
		require.NoError(t, json.Unmarshal(m, &u))
		assert.NotEqual(t, olivia, u.ID)
		assert.False(t, strings.HasPrefix(u.Profile.Login, "eve"))
	}
}

// TestEveryDestructiveActionIsGuarded walks the registry: for each
// destructive action and each parameter the guardrails check, a step made
// from the action's example with a protected value (spelled the way a
// playbook might) in that parameter writes nothing, and is refused or
// reports the value protected. An action added later is covered here
// without changing the test.
func TestEveryDestructiveActionIsGuarded(t *testing.T) {
	s := getGuardedStackAlone(t) // one at a time: this file's tests read the request log
	protected := map[action.TargetKind]string{
		action.TargetUsers:  "JANE.DOE@acme.com",
		action.TargetNew:    " Jane.Doe@acme.com",
		action.TargetGroups: " it admins",
		action.TargetZones:  oktasim.DemoPolicyZoneName,
		action.TargetIPs:    "10.1.2.3",
	}
	for _, a := range s.reg.All() {
		if !a.Destructive {
			continue
		}
		for _, g := range a.Guarded() {
			t.Run(a.Name+"/"+g.Param, func(t *testing.T) {
				value, ok := protected[g.Kind]
				require.True(t, ok, "no protected value of kind %s", g.Kind)
				with := map[string]any{}
				for k, v := range a.Example {
					with[k] = v
				}
				p, _ := a.Param(g.Param)
				if p.Type == action.TypeStringList {
					with[g.Param] = []any{value}
				} else {
					with[g.Param] = value
				}
				b, err := json.Marshal(with)
				require.NoError(t, err)
				src := fmt.Sprintf("name: adv-registry\nversion: 1\nsteps:\n  - id: act\n    action: %s\n    with: %s\n", a.Name, b)
				s.sim.Sim().ResetRequests()
				st := s.runSource(t, "adv-registry", src, runs.Request{})
				assert.Empty(t, s.writes(), "no write reached Okta")
				if st.Status == workflows.RunFailed {
					assert.Contains(t, st.Error, "refused")
					return
				}
				require.Equal(t, workflows.RunSucceeded, st.Status)
				results := itemsOf(t, stepOf(st, "act").Output)
				require.NotEmpty(t, results, "the protected value is reported")
				for _, r := range results {
					assert.Equal(t, action.OutcomeProtected, r.Outcome, r)
				}
			})
		}
	}
}

// TestAdversarialOnboardUser: the shipped onboard-user, fed an HR alert
// naming IT Admins, never creates a user inside it, and never adds one to
// it afterwards.
func TestAdversarialOnboardUser(t *testing.T) {
	s := getGuardedStackAlone(t) // one at a time: this file's tests read the request log
	admins := oktasim.DemoITAdminsGroupID
	hire := func(email string, groups, extra []any) map[string]any {
		return map[string]any{"id": "hr-" + email, "type": "hr.new_hire",
			"employee": map[string]any{"first_name": "Mal", "last_name": "Lory", "email": email},
			"okta":     map[string]any{"group_ids": groups, "extra_group_ids": extra}}
	}
	pb := s.library(t, "onboard-user")

	s.sim.Sim().ResetRequests()
	st := s.wait(t, s.start(t, runs.Request{Playbook: pb, Alert: hire("mal.lory@acme.com", []any{admins}, nil)}))
	require.Equal(t, workflows.RunFailed, st.Status)
	assert.Contains(t, st.Error, "Create User In Group is refused: group_ids "+admins)
	assert.Empty(t, s.writes(), "no user is created inside IT Admins")

	s.sim.Sim().ResetRequests()
	st = s.wait(t, s.start(t, runs.Request{Playbook: pb, Alert: hire("mal.lory2@acme.com",
		[]any{oktasim.DemoEngineeringGroupID}, []any{admins + " "})}))
	require.Equal(t, workflows.RunFailed, st.Status, "the extra group is refused")
	assert.Contains(t, st.Error, "Add Users To Group is refused: group_id "+admins)
	for _, w := range s.writes() {
		assert.NotContains(t, w, "/groups/"+admins+"/", "nothing is added to IT Admins")
	}
	u, ok := s.sim.Sim().User("mal.lory2@acme.com")
	require.True(t, ok, "the hire itself was onboarded into Engineering")
	assert.NotContains(t, u.Groups, admins)
}

// TestAdversarialBlastRadius: max_targets counts distinct identities,
// protected ones included, before they are removed.
func TestAdversarialBlastRadius(t *testing.T) {
	s := getGuardedStackAlone(t) // one at a time: this file's tests read the request log
	ids := guardedActiveUsers(t, s, 25)
	// 25 unprotected IDs plus 5 spellings of the 2 protected users: 27
	// identities. Before, the protected were dropped first (25 <= 25 passed).
	users := toAnyList(ids)
	users = append(users, "me", "jane.doe", "JANE.DOE@ACME.COM", oktasim.DemoAdminID, " "+ids[0]+" ")
	src := fmt.Sprintf(userAction, "adv-radius", action.DeactivateUsers, "")
	s.sim.Sim().ResetRequests()
	st := s.runSource(t, "adv-radius", src, runs.Request{Inputs: map[string]any{"users": users}})
	require.Equal(t, workflows.RunFailed, st.Status)
	assert.Equal(t, "step act (Deactivate Users) names 27 distinct targets (2 of them protected), above the limit of 25 (guardrails.max_targets); nothing was changed", st.Error)
	assert.Empty(t, s.writes())
}

var namesTargets = regexp.MustCompile(`names (\d+) distinct targets|would act on (\d+) targets`)

// TestPropertyBlastRadiusCountsDistinctIdentities: for random lists of
// spellings (IDs, logins in any case, short logins, me, whitespace,
// repeats) of random users, the blast-radius count is the number of
// distinct identities. Each list runs as a dry run with max_targets one
// below that number, so the count is read from the refusal.
func TestPropertyBlastRadiusCountsDistinctIdentities(t *testing.T) {
	s := getGuardedStackAlone(t) // one at a time: this file's tests read the request log
	pool := guardedActiveUsers(t, s, 12)
	type who struct{ id, login string }
	var people []who
	for _, id := range append(pool, oktasim.DemoActiveUserID, oktasim.DemoAdminID) {
		u, _ := s.sim.Sim().User(id)
		people = append(people, who{u.ID, u.Login})
	}
	rng := rand.New(rand.NewPCG(13, 13))
	spell := func(p who) string {
		short, _, _ := strings.Cut(p.login, "@")
		forms := []string{p.id, p.login, strings.ToUpper(p.login), short, strings.ToUpper(short), " " + p.login + "\n"}
		if p.id == oktasim.DemoAdminID {
			forms = append(forms, "me", "ME")
		}
		return forms[rng.IntN(len(forms))]
	}
	for i := range 15 {
		var list []any
		distinct := map[string]bool{}
		for range 2 + rng.IntN(20) {
			p := people[rng.IntN(len(people))]
			distinct[p.id] = true
			list = append(list, spell(p))
		}
		if len(distinct) < 2 {
			continue
		}
		src := fmt.Sprintf(userAction, "adv-prop", action.DeactivateUsers, "") + fmt.Sprintf("guardrails: {max_targets: %d}\n", len(distinct)-1)
		s.sim.Sim().ResetRequests()
		st := s.runSource(t, "adv-prop", src, runs.Request{Inputs: map[string]any{"users": list}, DryRun: true})
		require.Equal(t, workflows.RunFailed, st.Status, "list %d: %v", i, list)
		m := namesTargets.FindStringSubmatch(st.Error)
		require.NotNil(t, m, st.Error)
		n, _ := strconv.Atoi(m[1] + m[2])
		assert.Equal(t, len(distinct), n, "list %d: %v", i, list)
		assert.Empty(t, s.writes())
	}
}

// guardedActiveUsers returns n ACTIVE users of the guarded stack that no
// guardrail protects.
func guardedActiveUsers(t *testing.T, s *stack, n int) []string {
	t.Helper()
	raw, err := oktaClient(t, s).ListUsers(context.Background(), `status eq "ACTIVE"`, 0)
	require.NoError(t, err)
	var out []string
	for _, r := range raw {
		var u okta.User
		require.NoError(t, json.Unmarshal(r, &u))
		su, _ := s.sim.Sim().User(u.ID)
		if u.ID == oktasim.DemoAdminID || u.ID == oktasim.DemoActiveUserID || slices.Contains(su.Groups, oktasim.DemoITAdminsGroupID) {
			continue
		}
		if out = append(out, u.ID); len(out) == n {
			break
		}
	}
	require.Len(t, out, n)
	return out
}

func oktaClient(t *testing.T, s *stack) *okta.Client {
	t.Helper()
	oc, err := okta.NewClient(okta.Config{OrgURL: s.sim.URL(), Token: simToken})
	require.NoError(t, err)
	return oc
}

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func stepOf(st *workflows.RunStatus, id string) *workflows.StepStatus {
	for _, s := range st.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}
