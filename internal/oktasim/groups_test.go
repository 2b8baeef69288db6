package oktasim

import (
	"net/url"
	"slices"
	"testing"
)

func TestListGroups(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tests := []struct {
		query string
		want  int
	}{
		{"", 12},
		{"filter=" + url.QueryEscape(`type eq "BUILT_IN"`) + "&limit=200", 1},
		{"filter=" + url.QueryEscape(`type eq "APP_GROUP"`), 1},
		{"filter=" + url.QueryEscape(`type eq "OKTA_GROUP" and (lastUpdated gt "2000-01-01T00:00:00.000Z" or lastMembershipUpdated gt "2000-01-01T00:00:00.000Z")`), 10},
		{"filter=" + url.QueryEscape(`id eq "`+DemoEngineeringGroupID+`"`), 1},
		{"search=" + url.QueryEscape(`profile.name sw "eng"`), 1},
		{"search=" + url.QueryEscape(`profile.description co "team"`), 3},
		{"search=" + url.QueryEscape(`source.id eq "0oaadsim0ad0app00x7"`), 1},
		{"q=Everyone", 1},
		{"q=e", 3}, // Everyone, Engineering, Executives
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := h.do("GET", "/api/v1/groups?"+tc.query, nil)
			if r.status != 200 || len(r.arr()) != tc.want {
				t.Fatalf("got %d, %d groups, want %d: %.300s", r.status, len(r.arr()), tc.want, r.raw)
			}
		})
	}
	expectError(t, h.do("GET", "/api/v1/groups?filter="+url.QueryEscape(`profile.name eq "x"`), nil), 400, "E0000031")
	// Pagination across pages: 12 groups in pages of 5.
	seen, path := map[string]bool{}, "/api/v1/groups?limit=5"
	for pages := 0; path != ""; pages++ {
		r := h.do("GET", path, nil)
		for _, g := range r.arr() {
			seen[g.(map[string]any)["id"].(string)] = true
		}
		path = h.pathOf(links(r)["next"])
		if pages > 3 {
			t.Fatal("too many pages")
		}
	}
	if len(seen) != 12 {
		t.Fatalf("saw %d groups", len(seen))
	}
}

func TestGroupMembership(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	eng := DemoEngineeringGroupID
	path := "/api/v1/groups/" + eng + "/users/" + DemoStagedUserID
	for i := 0; i < 2; i++ { // adding an existing member is still 204
		if r := h.do("PUT", path, nil); r.status != 204 || len(r.raw) != 0 {
			t.Fatalf("add: %d %s", r.status, r.raw)
		}
	}
	if !slices.Contains(h.sim.GroupMembers(eng), DemoStagedUserID) {
		t.Fatal("not a member after PUT")
	}
	if n := len(h.sim.Events("group.user_membership.add")); n != 1 {
		t.Fatalf("%d membership events, want 1", n)
	}
	if r := h.do("DELETE", path, nil); r.status != 204 {
		t.Fatalf("remove: %d %s", r.status, r.raw)
	}
	if slices.Contains(h.sim.GroupMembers(eng), DemoStagedUserID) {
		t.Fatal("still a member after DELETE")
	}
	tests := []struct {
		name, group, user string
		status            int
		code              string
	}{
		{"app group", DemoAppGroupID, DemoActiveUserID, 403, "E0000006"},
		{"everyone", DemoEveryoneGroupID, DemoActiveUserID, 501, "E0000060"},
		{"unknown group", "00gnope00000000000x7", DemoActiveUserID, 404, "E0000007"},
		{"unknown user", eng, "00unope00000000000x7", 404, "E0000007"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.sim.ResetRequests()
			expectError(t, h.do("PUT", "/api/v1/groups/"+tc.group+"/users/"+tc.user, nil), tc.status, tc.code)
			if rs := h.sim.Requests(); len(rs) != 1 || rs[0].Status != tc.status || rs[0].Method != "PUT" {
				t.Fatalf("request log %+v", rs)
			}
		})
	}
}

func TestGroupMembersPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	want := h.sim.GroupMembers(DemoEveryoneGroupID)
	var got []string
	path := "/api/v1/groups/" + DemoEveryoneGroupID + "/users?limit=30"
	for path != "" {
		r := h.do("GET", path, nil)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		for _, u := range r.arr() {
			got = append(got, u.(map[string]any)["id"].(string))
		}
		path = h.pathOf(links(r)["next"])
	}
	if len(got) != len(want) || len(got) != 200 || got[0] != want[0] || got[199] != want[199] {
		t.Fatalf("paged %d members, want %d", len(got), len(want))
	}
	r := h.do("GET", "/api/v1/users/"+DemoActiveUserID+"/groups", nil)
	ids := []string{}
	for _, g := range r.arr() {
		ids = append(ids, g.(map[string]any)["id"].(string))
	}
	if len(ids) != 3 || ids[0] != DemoEveryoneGroupID || !slices.Contains(ids, DemoEngineeringGroupID) || !slices.Contains(ids, DemoAppGroupID) {
		t.Fatalf("jane's groups %v", ids)
	}
	expectError(t, h.do("GET", "/api/v1/groups/00gnope00000000000x7/users", nil), 404, "E0000007")
}
