package activities

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// lostReplyCase prepares one write action for the lost-reply table: the
// user's state before, the step's parameters, and the write's path.
type lostReplyCase struct {
	prepare func(f *fixture, uid, gid string)
	params  func(uid, gid string) map[string]any
	method  string
	path    func(uid, gid string) string
	landed  func(f *fixture, uid, gid string) bool
}

func status(want string) func(f *fixture, uid, gid string) bool {
	return func(f *fixture, uid, _ string) bool { u, _ := f.sim.User(uid); return u.Status == want }
}

func eventFor(eventType string) func(f *fixture, uid, gid string) bool {
	return func(f *fixture, uid, _ string) bool {
		for _, ev := range f.sim.Events(eventType) {
			for _, tg := range ev["target"].([]any) {
				if tg.(map[string]any)["id"] == uid {
					return true
				}
			}
		}
		return false
	}
}

func users(uid, _ string) map[string]any { return map[string]any{action.ParamUserIDs: []any{uid}} }

func lifecycle(op string) func(uid, gid string) string {
	return func(uid, _ string) string { return "/api/v1/users/" + uid + "/lifecycle/" + op }
}

// lostReplyCases covers every write action whose items the generic
// read-back confirms; the zone and create actions confirm their own writes
// (blocklist.go, zones.go, users.go) and are covered by their own tests.
var lostReplyCases = map[string]lostReplyCase{
	action.DeactivateUsers: {params: users, method: "POST", path: lifecycle("deactivate"), landed: status("DEPROVISIONED")},
	action.ActivateUsers: {prepare: func(f *fixture, uid, _ string) { f.sim.SetUserStatus(uid, "DEPROVISIONED") },
		params: func(uid, _ string) map[string]any {
			return map[string]any{action.ParamUserIDs: []any{uid}, action.ParamSendEmail: true}
		}, method: "POST", path: lifecycle("activate"), landed: func(f *fixture, uid, _ string) bool {
			u, _ := f.sim.User(uid)
			return u.Status == "ACTIVE" || u.Status == "PROVISIONED"
		}},
	action.SuspendUsers: {params: users, method: "POST", path: lifecycle("suspend"), landed: status("SUSPENDED")},
	action.UnsuspendUsers: {prepare: func(f *fixture, uid, _ string) { f.sim.SetUserStatus(uid, "SUSPENDED") },
		params: users, method: "POST", path: lifecycle("unsuspend"), landed: status("ACTIVE")},
	action.ResetUserPasswords: {params: users, method: "POST", path: lifecycle("reset_password"), landed: status("RECOVERY")},
	action.ResetFactors: {params: users, method: "POST", path: lifecycle("reset_factors"),
		prepare: func(f *fixture, uid, _ string) { require.NotEmpty(f.t, f.sim.Factors(uid), "the user has factors") },
		landed:  func(f *fixture, uid, _ string) bool { return len(f.sim.Factors(uid)) == 0 }},
	action.UnlockUsers:     {params: users, method: "POST", path: lifecycle("unlock"), landed: eventFor("user.account.unlock")},
	action.ExpirePasswords: {params: users, method: "POST", path: lifecycle("expire_password"), landed: status("PASSWORD_EXPIRED")},
	action.ClearUserSessions: {params: users, method: "DELETE",
		path: func(uid, _ string) string { return "/api/v1/users/" + uid + "/sessions" }, landed: eventFor("user.session.clear")},
	action.UpdateUserProfile: {params: func(uid, _ string) map[string]any {
		return map[string]any{action.ParamUserIDs: []any{uid}, action.ParamProfile: map[string]any{"title": "under investigation"}}
	}, method: "POST", path: func(uid, _ string) string { return "/api/v1/users/" + uid }, landed: eventFor("user.account.update_profile")},
	action.AddUsersToGroup: {params: func(uid, gid string) map[string]any {
		return map[string]any{action.ParamUserIDs: []any{uid}, action.ParamGroupID: gid}
	}, method: "PUT", path: func(uid, gid string) string { return "/api/v1/groups/" + gid + "/users/" + uid },
		landed: func(f *fixture, uid, gid string) bool { return slices.Contains(f.sim.GroupMembers(gid), uid) }},
	action.RemoveUsersFromGroup: {prepare: func(f *fixture, uid, gid string) {
		require.NoError(f.t, f.acts.Okta.AddUserToGroup(context.Background(), gid, uid))
	}, params: func(uid, gid string) map[string]any {
		return map[string]any{action.ParamUserIDs: []any{uid}, action.ParamGroupID: gid}
	}, method: "DELETE", path: func(uid, gid string) string { return "/api/v1/groups/" + gid + "/users/" + uid },
		landed: func(f *fixture, uid, gid string) bool { return !slices.Contains(f.sim.GroupMembers(gid), uid) }},
}

// Every write action's lost reply is read back on every attempt,
// including the last: the write landed, its reply was dropped, and the
// item is reported done (this step's change, proven by the System Log
// event carrying the step's marker), never failed or already_*.
func TestLostReplyIsReadBackForEveryWriteAction(t *testing.T) {
	t.Parallel()
	reg := action.Okta()
	for _, act := range reg.All() {
		if !act.Destructive {
			continue
		}
		require.NotNil(t, act.ReadBack, "%s declares its read-back", act.Name)
		if !readsBack(act) {
			continue
		}
		c, ok := lostReplyCases[act.Name]
		require.True(t, ok, "%s: a write action with the generic read-back needs a lost-reply case", act.Name)
		t.Run(act.Name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, oktasim.Options{})
			u := struct{ ID string }{oktasim.DemoActiveUserID}
			var g struct{ ID string }
			_, err := f.acts.Okta.Do(context.Background(), http.MethodPost, "/groups", nil,
				map[string]any{"profile": map[string]any{"name": "lost-replies"}}, &g)
			require.NoError(t, err)
			if c.prepare != nil {
				c.prepare(f, u.ID, g.ID)
			}
			f.sim.SetFault(oktasim.Fault{Path: c.path(u.ID, g.ID), Method: c.method, LostReplyRate: 1, Times: 1})
			res := f.bulk(act.Name, c.params(u.ID, g.ID))
			require.Len(t, res.Results, 1)
			assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome, "%+v", res.Results[0])
			assert.True(t, res.Results[0].OK)
			assert.True(t, c.landed(f, u.ID, g.ID), "the write landed")
			// The simulator logs a dropped request once its handler has
			// returned, which may be after the client saw the drop.
			lost := 0
			for deadline := time.Now().Add(5 * time.Second); lost == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				for _, r := range f.sim.Requests() {
					if r.Path == c.path(u.ID, g.ID) && r.Method == c.method && r.Status == 0 {
						lost++
					}
				}
			}
			assert.Equal(t, 1, lost, "the write's reply was lost")
		})
	}
}

// A created user whose reply was lost is looked up by its login on the
// same attempt (action.ReadCreated), not created twice nor failed.
func TestLostReplyOfCreateUserIsReadBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var g struct{ ID string }
	_, err := f.acts.Okta.Do(context.Background(), http.MethodPost, "/groups", nil,
		map[string]any{"profile": map[string]any{"name": "new-hires"}}, &g)
	require.NoError(t, err)
	f.sim.SetFault(oktasim.Fault{Path: "/api/v1/users", Method: http.MethodPost, LostReplyRate: 1, Times: 1})
	var out map[string]any
	require.NoError(t, f.run(action.CreateUserInGroup, map[string]any{action.ParamFirstName: "Ada", action.ParamLastName: "Lovelace",
		action.ParamEmail: "ada.lost@example.com", action.ParamGroupIDs: []any{g.ID}}, &out))
	u, ok := f.sim.User("ada.lost@example.com")
	require.True(t, ok)
	assert.Equal(t, u.ID, out["id"])
	assert.Contains(t, f.sim.GroupMembers(g.ID), u.ID)
	assert.True(t, eventFor("user.lifecycle.create")(f, u.ID, ""), "created")
	created := 0
	for _, ev := range f.sim.Events("user.lifecycle.create") {
		if ev["target"].([]any)[0].(map[string]any)["alternateId"] == "ada.lost@example.com" {
			created++
		}
	}
	assert.Equal(t, 1, created, "created once")
}

// zoneLostCase is a lost-reply case of a zone or create action: it runs
// the action with the write's reply lost and checks the org.
type zoneLostCase func(t *testing.T, f *fixture)

func newPolicyZone(t *testing.T, f *fixture, name string) string {
	z, err := f.acts.Okta.CreateZone(context.Background(), okta.Zone{"type": "IP", "name": name, "usage": "POLICY",
		"gateways": []any{map[string]any{"type": "CIDR", "value": "192.0.2.0/28"}}})
	require.NoError(t, err)
	return z.Str("id")
}

func loseOne(f *fixture, method, path string) {
	f.sim.SetFault(oktasim.Fault{Path: path, Method: method, LostReplyRate: 1, Times: 1})
}

var zoneLostCases = map[string]zoneLostCase{
	action.CreateZone: func(t *testing.T, f *fixture) {
		loseOne(f, http.MethodPost, "/api/v1/zones")
		var out map[string]any
		require.NoError(t, f.run(action.CreateZone, map[string]any{action.ParamName: "lost-zone", action.ParamGateways: []any{"203.0.113.7"}}, &out))
		z, ok := f.sim.ZoneByName("lost-zone")
		require.True(t, ok)
		assert.Equal(t, z.ID, out["id"], "the created zone, read back by name")
	},
	action.BlockIPs: func(t *testing.T, f *fixture) {
		loseOne(f, http.MethodPut, "/api/v1/zones/"+oktasim.DemoBlockedIPZoneID)
		res := f.bulk(action.BlockIPs, map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.9"}})
		assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
		z, _ := f.sim.Zone(oktasim.DemoBlockedIPZoneID)
		assert.Contains(t, z.Gateways, "203.0.113.9/32")
	},
	action.UnblockIPs: func(t *testing.T, f *fixture) {
		f.bulk(action.BlockIPs, map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.9"}})
		loseOne(f, http.MethodPut, "/api/v1/zones/"+oktasim.DemoBlockedIPZoneID)
		res := f.bulk(action.UnblockIPs, map[string]any{action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.9"}})
		assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome)
		z, _ := f.sim.Zone(oktasim.DemoBlockedIPZoneID)
		assert.NotContains(t, z.Gateways, "203.0.113.9/32")
	},
	action.UpdateZone: func(t *testing.T, f *fixture) {
		id := newPolicyZone(t, f, "lost-update")
		loseOne(f, http.MethodPut, "/api/v1/zones/"+id)
		require.NoError(t, f.run(action.UpdateZone, map[string]any{action.ParamZoneID: id, action.ParamGateways: []any{"198.51.100.0/24"}}, nil))
		z, _ := f.sim.Zone(id)
		assert.Contains(t, z.Gateways, "198.51.100.0/24")
	},
	action.DeleteZones: func(t *testing.T, f *fixture) {
		id := newPolicyZone(t, f, "lost-delete")
		loseOne(f, http.MethodDelete, "/api/v1/zones/"+id)
		res := f.bulk(action.DeleteZones, map[string]any{action.ParamZoneIDs: []any{id}})
		assert.Equal(t, action.OutcomeDone, res.Results[0].Outcome, "%+v", res.Results[0])
		_, ok := f.sim.Zone(id)
		assert.False(t, ok)
	},
	action.CreateUserInGroup: func(t *testing.T, f *fixture) {}, // TestLostReplyOfCreateUserIsReadBack
}

// The zone and create actions confirm a lost reply themselves, on the
// same attempt: the zone is read back, or the object looked up by name.
func TestLostReplyIsReadBackForZoneAndCreateActions(t *testing.T) {
	t.Parallel()
	for _, act := range action.Okta().All() {
		if !act.Destructive || readsBack(act) {
			continue
		}
		c, ok := zoneLostCases[act.Name]
		require.True(t, ok, "%s: a write action needs a lost-reply case", act.Name)
		t.Run(act.Name, func(t *testing.T) {
			t.Parallel()
			c(t, newFixture(t, oktasim.Options{}))
		})
	}
}
