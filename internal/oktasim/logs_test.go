package oktasim

import (
	"net/url"
	"testing"
	"time"
)

func TestLogsDemoSeed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	now := h.clock.Now()
	since := url.QueryEscape(now.Add(-24 * time.Hour).Format(time.RFC3339))
	until := url.QueryEscape(now.Format(time.RFC3339))
	count := func(q string) int {
		t.Helper()
		n, path := 0, "/api/v1/logs?since="+since+"&until="+until+"&limit=1000&"+q
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
	if n := len(h.sim.Events()); n < 1800 || n > 2200 {
		t.Fatalf("demo seed has %d events", n)
	}
	tests := []struct {
		name, query string
		min, max    int
	}{
		{"spray", "filter=" + url.QueryEscape(`client.ipAddress eq "`+DemoAttackerIP+`" and outcome.result eq "FAILURE" and eventType eq "user.session.start"`), 180, 180},
		{"lock", "filter=" + url.QueryEscape(`eventType eq "user.account.lock" and target.id pr or eventType eq "user.account.lock"`), 1, 1},
		{"nigeria", "filter=" + url.QueryEscape(`client.geographicalContext.country eq "Nigeria" and actor.alternateId eq "`+DemoActiveUserLogin+`"`), 6, 6},
		{"sw", "filter=" + url.QueryEscape(`eventType sw "user.session"`), 200, 2000},
		{"co", "filter=" + url.QueryEscape(`displayMessage co "login"`), 200, 2000},
		{"not", "filter=" + url.QueryEscape(`not (eventType sw "user")`), 3, 3},
		{"q", "q=" + url.QueryEscape(DemoAttackerIP+" INVALID_CREDENTIALS"), 180, 180},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := count(tc.query); n < tc.min || n > tc.max {
				t.Fatalf("got %d events, want %d..%d", n, tc.min, tc.max)
			}
		})
	}
}

func TestLogsBoundedAndPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty})
	now := h.clock.Now()
	for i := 0; i < 5; i++ {
		h.sim.AppendEvent(map[string]any{"eventType": "user.account.lock", "published": now.Add(time.Duration(i-10) * time.Minute).Format(time.RFC3339),
			"target": []any{map[string]any{"id": "00u" + string(rune('a'+i))}}})
	}
	// Bounded: published order, descending, finite pages.
	since, until := url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)), url.QueryEscape(now.Format(time.RFC3339))
	var got []string
	path := "/api/v1/logs?sortOrder=DESCENDING&limit=2&since=" + since + "&until=" + until
	for pages := 0; path != ""; pages++ {
		r := h.do("GET", path, nil)
		for _, e := range r.arr() {
			got = append(got, e.(map[string]any)["published"].(string))
		}
		path = h.pathOf(links(r)["next"])
		if pages > 3 {
			t.Fatal("bounded query does not end")
		}
	}
	if len(got) != 5 || got[0] < got[4] {
		t.Fatalf("bounded pages %v", got)
	}

	// Polling: always a next link, even when empty; new events appear.
	r := h.do("GET", "/api/v1/logs?limit=10", nil)
	if len(r.arr()) != 5 || links(r)["next"] == "" {
		t.Fatalf("poll: %d events, links %v", len(r.arr()), links(r))
	}
	next := h.pathOf(links(r)["next"])
	r = h.do("GET", next, nil)
	if len(r.arr()) != 0 || links(r)["next"] == "" {
		t.Fatalf("empty poll: %s %v", r.raw, links(r))
	}
	h.clock.Advance(time.Minute)
	h.sim.AppendEvent(map[string]any{"eventType": "user.session.start", "published": now.Add(-2 * time.Hour).Format(time.RFC3339)})
	r = h.do("GET", h.pathOf(links(r)["next"]), nil)
	if len(r.arr()) != 1 || r.arr()[0].(map[string]any)["eventType"] != "user.session.start" {
		t.Fatalf("late event not polled: %s", r.raw)
	}
	ev := r.arr()[0].(map[string]any)
	if ev["uuid"] == "" || ev["version"] != "0" || ev["severity"] != "INFO" {
		t.Fatalf("AppendEvent did not fill defaults: %v", ev)
	}
	if u, _ := url.Parse(links(r)["next"]); u.Query().Get("limit") != "10" {
		t.Fatalf("next lost parameters: %s", u)
	}
}

func TestLogsErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty})
	tests := []struct {
		query, code, summary string
	}{
		{"until=yesterday", "E0000001", "Api validation failed: 'until': The date format in your query is not recognized. Please enter dates using ISO8601 string format. 'until': must be a valid date-time or empty."},
		{"filter=" + url.QueryEscape(`display_message eqq "Create okta user"`), "E0000053", `Invalid filter 'display_message eqq "Create okta user"': Unrecognized attribute operator 'eqq' at position 16. Expected: eq,co,sw,pr,gt,ge,lt,le`},
		{"filter=" + url.QueryEscape(`some_invalid_field eq "x"`), "E0000053", "field is not valid: some_invalid_field"},
		{"since=2020-01-01T00:00:00Z", "E0000053", "Invalid parameter: The since parameter is over 180 days prior to the current day."},
		{"filter=" + url.QueryEscape(`debugContext.debugData.url co "x"`), "E0000031", "The supplied combination of operator and field is not currently supported. Operator: co, Field: debugContext.debugData.url"},
		{"q=" + url.QueryEscape("aaaaaaaaaabbbbbbbbbbccccccccccdddddddddde"), "E0000001", "Api validation failed: 'q': Freeform search cannot contain items longer than 40 characters. Please shorten the items in your search or use an advanced filter to query by specific fields."},
	}
	for _, tc := range tests {
		t.Run(tc.code+tc.query, func(t *testing.T) {
			r := h.do("GET", "/api/v1/logs?"+tc.query, nil)
			expectError(t, r, 400, tc.code)
			if r.obj()["errorSummary"] != tc.summary {
				t.Fatalf("summary %q", r.obj()["errorSummary"])
			}
		})
	}
}

func TestMutationsAreLogged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.do("POST", "/api/v1/users/"+DemoStagedUserID+"/lifecycle/activate", nil)
	h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/reset_password", nil)
	h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/deactivate", nil)
	h.do("PUT", "/api/v1/groups/"+DemoEngineeringGroupID+"/users/"+DemoAdminID, nil)
	r := h.do("GET", "/api/v1/logs?filter="+url.QueryEscape(`actor.id eq "`+DemoAdminID+`" and transaction.detail.requestApiTokenId pr`)+
		"&since="+url.QueryEscape(h.clock.Now().Add(-time.Minute).Format(time.RFC3339)), nil)
	var types []string
	for _, e := range r.arr() {
		types = append(types, e.(map[string]any)["eventType"].(string))
	}
	want := []string{"user.lifecycle.activate", "user.account.reset_password", "user.lifecycle.deactivate", "group.user_membership.add"}
	if len(types) != len(want) {
		t.Fatalf("events %v", types)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
}
