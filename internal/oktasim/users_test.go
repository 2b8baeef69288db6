package oktasim

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty})
	tests := []struct {
		name, auth string
		want       int
	}{
		{"ssws", "SSWS " + testToken, 200},
		{"bearer", "Bearer " + testToken, 200},
		{"wrong token", "SSWS nope", 401},
		{"no scheme", testToken, 401},
		{"basic", "Basic dGVzdA==", 401},
		{"missing", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.doAuth("GET", "/api/v1/users/me", nil, tc.auth)
			if tc.want == 401 {
				expectError(t, r, 401, "E0000011")
				if r.obj()["errorSummary"] != "Invalid token provided" || len(causes(r)) != 0 {
					t.Fatalf("body %s", r.raw)
				}
				return
			}
			if r.status != 200 || r.obj()["id"] != DemoAdminID {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
		})
	}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	profile := func(login string) map[string]any {
		return map[string]any{"firstName": "Isaac", "lastName": "Brock", "email": login, "login": login}
	}
	r := h.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("isaac.brock@acme.com"),
		"groupIds": []string{DemoEngineeringGroupID}})
	if r.status != 200 || r.obj()["status"] != "STAGED" || r.obj()["activated"] != nil || r.obj()["statusChanged"] != nil {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	id := r.obj()["id"].(string)
	if !strings.HasPrefix(id, "00u") || len(id) != 20 {
		t.Fatalf("id %q", id)
	}
	u, ok := h.sim.User("isaac.brock@acme.com")
	if !ok || u.Status != "STAGED" || len(u.Groups) != 2 || u.Groups[0] != DemoEveryoneGroupID || u.Groups[1] != DemoEngineeringGroupID {
		t.Fatalf("state %+v", u)
	}
	if ev := h.sim.Events("user.lifecycle.create"); ev[len(ev)-1]["target"].([]any)[0].(map[string]any)["id"] != id {
		t.Fatalf("no create event for %s", id)
	}
	if ev := h.sim.Events("group.user_membership.add"); len(ev) != 1 {
		t.Fatalf("membership events %d", len(ev))
	}

	tooMany := make([]string, 21)
	for i := range tooMany {
		tooMany[i] = DemoEngineeringGroupID
	}
	tests := []struct {
		name   string
		query  string
		body   any
		status int
		code   string
		causes []string
	}{
		{"too many groups", "?activate=false", map[string]any{"profile": profile("a.b@acme.com"), "groupIds": tooMany}, 400, "E0000093",
			[]string{"The number of group targets is too large"}},
		{"duplicate login any case", "", map[string]any{"profile": profile("JANE.DOE@acme.com")}, 400, "E0000001",
			[]string{"login: An object with this field already exists in the current organization"}},
		{"blank fields", "", map[string]any{"profile": map[string]any{"crap": "bad"}}, 400, "E0000001", []string{
			"login: The field cannot be left blank", "firstName: The field cannot be left blank",
			"lastName: The field cannot be left blank", "email: The field cannot be left blank",
			"login: Username must be in the form of an email address"}},
		{"undefined attribute", "", map[string]any{"profile": map[string]any{"firstName": "A", "lastName": "B", "email": "x.y@acme.com",
			"login": "x.y@acme.com", "notValid": "1"}}, 400, "E0000001", []string{"Property name 'notValid' is not defined in profile"}},
		{"malformed", "", `{"profile":`, 400, "E0000003", nil},
		{"nextLogin without activate", "?activate=false&nextLogin=changePassword", map[string]any{"profile": profile("n.l@acme.com")}, 400, "E0000125",
			[]string{`Could not create user. To create a user and expire their password immediately, "activate" must be true`}},
		{"app group", "", map[string]any{"profile": profile("c.d@acme.com"), "groupIds": []string{DemoAppGroupID}}, 403, "E0000006", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", "/api/v1/users"+tc.query, tc.body)
			expectError(t, r, tc.status, tc.code)
			if tc.causes != nil && fmt.Sprint(causes(r)) != fmt.Sprint(tc.causes) {
				t.Fatalf("causes %q, want %q", causes(r), tc.causes)
			}
		})
	}
	if r := h.do("POST", "/api/v1/users", map[string]any{"profile": map[string]any{"crap": "bad"}}); r.obj()["errorSummary"] != "Api validation failed: login" {
		t.Fatalf("summary %v", r.obj()["errorSummary"])
	}

	r = h.do("POST", "/api/v1/users?activate=true", map[string]any{"profile": profile("pw.user@acme.com"),
		"credentials": map[string]any{"password": map[string]any{"value": "Sup3rS3cret!"}}})
	if r.obj()["status"] != "ACTIVE" || r.obj()["credentials"].(map[string]any)["password"] == nil {
		t.Fatalf("with password: %s", r.raw)
	}
	r = h.do("POST", "/api/v1/users", map[string]any{"profile": profile("np.user@acme.com")})
	if r.obj()["status"] != "PROVISIONED" || r.obj()["activated"] == nil {
		t.Fatalf("without password: %s", r.raw)
	}
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	for _, key := range []string{DemoActiveUserID, DemoActiveUserLogin, "jane.doe", url.PathEscape("JANE.DOE@acme.com")} {
		r := h.do("GET", "/api/v1/users/"+key, nil)
		if r.status != 200 || r.obj()["id"] != DemoActiveUserID {
			t.Fatalf("%s: %d %s", key, r.status, r.raw)
		}
	}
	r := h.do("GET", "/api/v1/users/missing@example.com", nil)
	expectError(t, r, 404, "E0000007")
	if r.obj()["errorSummary"] != "Not found: Resource not found: missing@example.com (User)" {
		t.Fatalf("summary %v", r.obj()["errorSummary"])
	}
	r = h.do("GET", "/api/v1/users/"+DemoStagedUserID, nil)
	l := r.obj()["_links"].(map[string]any)
	if _, ok := l["activate"]; !ok || l["deactivate"] != nil {
		t.Fatalf("staged links %v", l)
	}
	r = h.do("GET", "/api/v1/users/"+DemoDeprovisionedUserID, nil)
	if d := r.obj()["_links"].(map[string]any)["delete"].(map[string]any); d["method"] != "DELETE" {
		t.Fatalf("deprovisioned links %v", d)
	}
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	count := func(query string) int {
		t.Helper()
		n := 0
		path := "/api/v1/users?" + query
		for path != "" {
			r := h.do("GET", path, nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.raw)
			}
			n += len(r.arr())
			path = h.pathOf(links(r)["next"])
		}
		return n
	}
	all, depro := 0, 0
	for _, id := range h.sim.GroupMembers(DemoEveryoneGroupID) {
		u, _ := h.sim.User(id)
		all++
		if u.Status == "DEPROVISIONED" {
			depro++
		}
	}
	if all != 200 || depro == 0 {
		t.Fatalf("seed has %d users, %d deprovisioned", all, depro)
	}
	tests := []struct {
		query string
		want  int
	}{
		{"limit=7", all - depro}, // plain list leaves out DEPROVISIONED, pages of 7
		{"filter=" + url.QueryEscape(`status eq "DEPROVISIONED"`), depro},
		{"filter=" + url.QueryEscape(`profile.login eq "jane.doe@acme.com"`), 1},
		{"filter=" + url.QueryEscape(`profile.login eq "JANE.DOE@acme.com"`), 0}, // filter values are case-sensitive
		{"filter=" + url.QueryEscape(`(id eq "`+DemoActiveUserID+`" or id eq "`+DemoAdminID+`") and status eq "ACTIVE"`), 2},
		{"filter=" + url.QueryEscape(`lastUpdated gt "2000-01-01T00:00:00.000Z"`), all},
		{"search=" + url.QueryEscape(`profile.login eq "JANE.DOE@acme.com"`), 1}, // search values are not
		{"search=" + url.QueryEscape(`profile.lastName sw "do" and profile.firstName co "an"`), 1},
		{"search=" + url.QueryEscape(`profile.department eq "Engineering" or status eq "STAGED"`), -1},
		{"search=" + url.QueryEscape(`profile.title pr`), all},
		{"q=Mark", 0}, // q leaves out DEPROVISIONED (Mark Taylor)
		{"q=jane.doe", 1},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got := count(tc.query)
			if tc.want >= 0 && got != tc.want {
				t.Fatalf("got %d users, want %d", got, tc.want)
			}
			if tc.want < 0 && got == 0 {
				t.Fatal("got no users")
			}
		})
	}
	expectError(t, h.do("GET", "/api/v1/users?filter=status+eq+%22ACTIVE%22&search=status+eq+%22ACTIVE%22", nil), 400, "E0000033")
	expectError(t, h.do("GET", "/api/v1/users?filter="+url.QueryEscape(`profile.city eq "x"`), nil), 400, "E0000031")
	expectError(t, h.do("GET", "/api/v1/users?filter="+url.QueryEscape(`status sw "A"`), nil), 400, "E0000031")
	expectError(t, h.do("GET", "/api/v1/users?search="+url.QueryEscape(`status eq`), nil), 400, "E0000031")

	// The next link echoes the original parameters plus after = last id.
	r := h.do("GET", "/api/v1/users?limit=1&search="+url.QueryEscape(`profile.department eq "Engineering"`), nil)
	next, _ := url.Parse(links(r)["next"])
	if next.Query().Get("search") != `profile.department eq "Engineering"` || next.Query().Get("limit") != "1" ||
		next.Query().Get("after") != r.arr()[0].(map[string]any)["id"] {
		t.Fatalf("next link %s", next)
	}
	if self := links(r)["self"]; strings.Contains(self, "after=") {
		t.Fatalf("self link of page 1 has after: %s", self)
	}
	expectError(t, h.do("GET", "/api/v1/users?after=bogus", nil), 400, "E0000029")
}

func TestUserStateMachine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, op, query string
		status                int
		code                  string
		after                 string // status afterwards
		bodyKeys              []string
	}{
		{"activate staged", DemoStagedUserID, "activate", "?sendEmail=true", 200, "", "PROVISIONED", nil},
		{"activate staged token", DemoStagedUserID, "activate", "?sendEmail=false", 200, "", "PROVISIONED", []string{"activationToken", "activationUrl"}},
		{"activate deprovisioned", DemoDeprovisionedUserID, "activate", "", 200, "", "ACTIVE", nil},
		{"activate active", DemoActiveUserID, "activate", "", 403, "E0000016", "ACTIVE", nil},
		{"activate locked", DemoLockedUserID, "activate", "", 403, "E0000038", "LOCKED_OUT", nil},
		{"deactivate active", DemoActiveUserID, "deactivate", "", 200, "", "DEPROVISIONED", nil},
		{"deactivate staged", DemoStagedUserID, "deactivate", "", 200, "", "DEPROVISIONED", nil},
		{"deactivate deprovisioned", DemoDeprovisionedUserID, "deactivate", "", 404, "E0000007", "DEPROVISIONED", nil},
		{"reset active", DemoActiveUserID, "reset_password", "?sendEmail=true", 200, "", "RECOVERY", nil},
		{"reset url", DemoActiveUserID, "reset_password", "?sendEmail=false", 200, "", "RECOVERY", []string{"resetPasswordUrl"}},
		{"reset locked", DemoLockedUserID, "reset_password", "?sendEmail=false", 200, "", "RECOVERY", []string{"resetPasswordUrl"}},
		{"reset staged", DemoStagedUserID, "reset_password", "", 403, "E0000038", "STAGED", nil},
		{"federate", DemoActiveUserID, "reset_password", "?provider=FEDERATION&sendEmail=false", 200, "", "ACTIVE", nil},
		{"unknown user", "00unknown00000000x7", "activate", "", 404, "E0000007", "", nil},
		{"unknown op", DemoActiveUserID, "explode", "", 404, "E0000008", "ACTIVE", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			r := h.do("POST", "/api/v1/users/"+tc.user+"/lifecycle/"+tc.op+tc.query, nil)
			if tc.code != "" {
				expectError(t, r, tc.status, tc.code)
			} else if r.status != tc.status || len(r.obj()) != len(tc.bodyKeys) {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			for _, k := range tc.bodyKeys {
				if s, _ := r.obj()[k].(string); s == "" {
					t.Fatalf("missing %s in %s", k, r.raw)
				}
			}
			if u, ok := h.sim.User(tc.user); tc.after != "" && (!ok || u.Status != tc.after) {
				t.Fatalf("status %q, want %q", u.Status, tc.after)
			}
		})
	}
	h := newHarness(t, Options{})
	h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/reset_password?provider=FEDERATION", nil)
	if u, _ := h.sim.User(DemoActiveUserID); u.CredentialProvider != "FEDERATION" {
		t.Fatalf("provider %s", u.CredentialProvider)
	}
	// DELETE deactivates first, deletes second, then 404.
	for i, want := range []string{"DEPROVISIONED", ""} {
		if r := h.do("DELETE", "/api/v1/users/"+DemoActiveUserID, nil); r.status != 204 || len(r.raw) != 0 {
			t.Fatalf("delete %d: %d %s", i, r.status, r.raw)
		}
		u, _ := h.sim.User(DemoActiveUserID)
		if u.Status != want {
			t.Fatalf("after delete %d: %q", i, u.Status)
		}
	}
	expectError(t, h.do("GET", "/api/v1/users/"+DemoActiveUserID, nil), 404, "E0000007")
	if n := len(h.sim.Events("user.lifecycle.deactivate")); n < 2 {
		t.Fatalf("deactivate events %d", n)
	}
}
