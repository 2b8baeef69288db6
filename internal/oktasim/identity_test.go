package oktasim

import (
	"sort"
	"testing"
)

// Every link a single user's answer advertises is served: POST links
// answer something other than "no such path" or "wrong method", for every
// status a user can have.
func TestUserLinksAreServed(t *testing.T) {
	t.Parallel()
	statuses := make([]string, 0, len(userLinks))
	for st := range userLinks {
		statuses = append(statuses, st)
	}
	sort.Strings(statuses)
	for _, st := range statuses {
		t.Run(st, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			if !h.sim.SetUserStatus(DemoActiveUserID, st) {
				t.Fatal("no demo user")
			}
			u := h.do("GET", "/api/v1/users/"+DemoActiveUserID, nil)
			ls, _ := u.obj()["_links"].(map[string]any)
			if _, ok := ls["resetFactors"]; !ok {
				t.Errorf("a user with factors has a resetFactors link: %s", u.raw)
			}
			names := make([]string, 0, len(ls))
			for name := range ls {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				l := ls[name].(map[string]any)
				method, _ := l["method"].(string)
				if method == "DELETE" {
					continue // deleting is covered by the user tests
				}
				if method == "" {
					method = "GET"
				}
				// Each link on a fresh copy of the state: one link's
				// transition must not hide another's.
				path := h.pathOf(l["href"].(string))
				fresh := newHarness(t, Options{})
				fresh.sim.SetUserStatus(DemoActiveUserID, st)
				// An advertised link is served and its operation allowed
				// in this status (issue 26: suspend was advertised on
				// users that cannot be suspended).
				r := fresh.do(method, path, nil)
				if r.status >= 300 {
					t.Errorf("%s link %s %s fails: %d %s", name, method, l["href"], r.status, r.raw)
				}
			}
		})
	}
}

func TestSuspendWrongStatusIsE0000001(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	expectError(t, h.do("POST", "/api/v1/users/"+DemoDeprovisionedUserID+"/lifecycle/suspend", nil), 400, "E0000001")
	expectError(t, h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/unsuspend", nil), 400, "E0000001")
	if r := h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/suspend", nil); r.status != 200 {
		t.Fatalf("suspend: %d %s", r.status, r.raw)
	}
	expectError(t, h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/suspend", nil), 400, "E0000001")
	if u, _ := h.sim.User(DemoActiveUserID); u.Status != statusSuspended {
		t.Fatalf("status %s", u.Status)
	}
	if n := len(h.sim.Events("user.lifecycle.suspend")); n != 1 {
		t.Fatalf("%d suspend events, want 1", n)
	}
}

func TestSessionsFactorsAndBuckets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	r := h.do("DELETE", "/api/v1/users/"+DemoActiveUserID+"/sessions?oauthTokens=true", nil)
	if r.status != 204 || r.header.Get("X-Rate-Limit-Limit") != "1200" {
		t.Fatalf("clear sessions: %d limit %s", r.status, r.header.Get("X-Rate-Limit-Limit"))
	}
	if h.sim.Sessions(DemoActiveUserID) != 0 || len(h.sim.Events("user.session.clear", "app.oauth2.token.revoke")) != 2 {
		t.Fatal("sessions not cleared or not logged")
	}
	expectError(t, h.do("DELETE", "/api/v1/users/00uNOPE0000000000000/sessions", nil), 404, "E0000007")

	fs := h.do("GET", "/api/v1/users/"+DemoActiveUserLogin+"/factors", nil).arr()
	if len(fs) == 0 {
		t.Fatal("no factors")
	}
	f := fs[0].(map[string]any)
	for _, k := range []string{"id", "factorType", "provider", "vendorName", "status", "created", "lastUpdated", "profile", "_links"} {
		if _, ok := f[k]; !ok {
			t.Errorf("factor lacks %s: %v", k, f)
		}
	}
	fid := f["id"].(string)
	if r := h.do("DELETE", "/api/v1/users/"+DemoActiveUserID+"/factors/"+fid, nil); r.status != 204 {
		t.Fatalf("unenroll: %d %s", r.status, r.raw)
	}
	expectError(t, h.do("DELETE", "/api/v1/users/"+DemoActiveUserID+"/factors/"+fid, nil), 404, "E0000007")
	if len(h.sim.Events("user.mfa.factor.deactivate")) != 1 {
		t.Fatal("unenroll not logged")
	}
	if r := h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/reset_factors", nil); r.status != 200 || len(h.sim.Factors(DemoActiveUserID)) != 0 {
		t.Fatalf("reset_factors: %d, %d factors left", r.status, len(h.sim.Factors(DemoActiveUserID)))
	}
	// Recorded answers advertise resetFactors without factors too, and the
	// link works: resetting no factors succeeds.
	u := h.do("GET", "/api/v1/users/"+DemoActiveUserID, nil)
	if _, ok := u.obj()["_links"].(map[string]any)["resetFactors"]; !ok {
		t.Fatalf("resetFactors not advertised: %s", u.raw)
	}
	if r := h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/reset_factors", nil); r.status != 200 {
		t.Fatalf("second reset_factors: %d %s", r.status, r.raw)
	}
}

func TestExpirePasswordAndReactivate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	r := h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/expire_password", nil)
	if r.status != 200 || r.obj()["status"] != statusPwExpired || r.obj()["id"] != DemoActiveUserID {
		t.Fatalf("expire_password answers the user: %d %s", r.status, r.raw)
	}
	r = h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/expire_password_with_temp_password?revokeSessions=true", nil)
	if r.status != 200 || len(r.obj()) != 1 || r.obj()["tempPassword"] == "" {
		t.Fatalf("temp password answer: %d %s", r.status, r.raw)
	}
	if h.sim.Sessions(DemoActiveUserID) != 0 {
		t.Fatal("revokeSessions did not end the sessions")
	}
	expectError(t, h.do("POST", "/api/v1/users/"+DemoStagedUserID+"/lifecycle/expire_password", nil), 403, "E0000038")

	h.sim.SetUserStatus(DemoStagedUserID, statusProvisioned)
	r = h.do("POST", "/api/v1/users/"+DemoStagedUserID+"/lifecycle/reactivate", nil)
	if r.status != 200 || r.obj()["activationToken"] == nil {
		t.Fatalf("reactivate returns the activation link when sendEmail is false (the default): %d %s", r.status, r.raw)
	}
	expectError(t, h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/reactivate", nil), 403, "E0000038")
}

func TestAppLinksAndPartialUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	apps := h.do("GET", "/api/v1/users/"+DemoActiveUserID+"/appLinks", nil).arr()
	if len(apps) != 2 {
		t.Fatalf("jane reaches Google Workspace and AWS: %v", apps)
	}
	a := apps[0].(map[string]any)
	for _, k := range []string{"id", "label", "linkUrl", "logoUrl", "appName", "appInstanceId", "appAssignmentId", "credentialsSetup", "hidden", "sortOrder"} {
		if _, ok := a[k]; !ok {
			t.Errorf("app link lacks %s: %v", k, a)
		}
	}

	r := h.do("POST", "/api/v1/users/"+DemoActiveUserID, map[string]any{"profile": map[string]any{"title": "under investigation"}})
	if r.status != 200 || r.header.Get("X-Rate-Limit-Limit") != "600" {
		t.Fatalf("partial update: %d limit %s", r.status, r.header.Get("X-Rate-Limit-Limit"))
	}
	u, _ := h.sim.User(DemoActiveUserID)
	if u.Profile["title"] != "under investigation" || u.Profile["department"] != "Engineering" {
		t.Fatalf("profile %v", u.Profile)
	}
	expectError(t, h.do("POST", "/api/v1/users/"+DemoActiveUserID, map[string]any{"profile": map[string]any{"notValid": 1}}), 400, "E0000001")
	expectError(t, h.do("POST", "/api/v1/users/"+DemoDeprovisionedUserID, map[string]any{"profile": map[string]any{"title": "x"}}), 403, "E0000038")
	if len(h.sim.Events("user.account.update_profile")) != 1 {
		t.Fatal("update not logged")
	}
}
