package oktasim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestProtocolHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty})
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/users/me"}, {"GET", "/api/v1/nope"}, {"PUT", "/api/v1/groups/" + DemoEveryoneGroupID + "/users/" + DemoAdminID},
		{"PATCH", "/api/v1/users"}, {"DELETE", "/api/v1/logs"},
	} {
		r := h.do(c.method, c.path, nil)
		for _, k := range []string{"Content-Type", "Date", "X-Okta-Request-Id", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
			if r.header.Get(k) == "" {
				t.Fatalf("%s %s: no %s header", c.method, c.path, k)
			}
		}
		if r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("content type %q", r.header.Get("Content-Type"))
		}
		if d, err := http.ParseTime(r.header.Get("Date")); err != nil || !d.Equal(h.clock.Now()) {
			t.Fatalf("Date %q is not the sim clock", r.header.Get("Date"))
		}
	}
	expectError(t, h.do("GET", "/api/v1/nope", nil), 404, "E0000008")
	expectError(t, h.do("PATCH", "/api/v1/users", nil), 405, "E0000022")
	expectError(t, h.do("DELETE", "/api/v1/logs", nil), 405, "E0000022")
	expectError(t, h.do("POST", "/api/v1/zones", "{not json"), 400, "E0000003")
	expectError(t, h.do("POST", "/api/v1/zones", ""), 400, "E0000003")
	expectError(t, h.do("POST", "/api/v1/zones", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`), 400, "E0000003")
	expectError(t, h.do("POST", "/api/v1/users", `[1,2,3]`), 400, "E0000003")
}

func TestRateLimitArithmetic(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty, Window: 10 * time.Second, Limits: map[string]int{BucketUserGet: 3}})
	start := h.clock.Now()
	wantReset := strconv.FormatInt(start.Add(10*time.Second).Unix(), 10)
	for i := 1; i <= 3; i++ {
		r := h.do("GET", "/api/v1/users/me", nil)
		if r.status != 200 || r.header.Get("X-Rate-Limit-Limit") != "3" ||
			r.header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(3-i) || r.header.Get("X-Rate-Limit-Reset") != wantReset {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
		h.clock.Advance(time.Second)
	}
	// Other buckets are independent.
	if r := h.do("GET", "/api/v1/users", nil); r.status != 200 || r.header.Get("X-Rate-Limit-Limit") != "600" {
		t.Fatalf("users bucket %v", r.header)
	}
	r := h.do("GET", "/api/v1/users/me", nil)
	expectError(t, r, 429, "E0000047")
	if r.header.Get("X-Rate-Limit-Remaining") != "0" || r.header.Get("X-Rate-Limit-Reset") != wantReset {
		t.Fatalf("429 headers %v", r.header)
	}
	// SDK backoff = Reset - Date + 1 must be positive and within the window.
	date, _ := http.ParseTime(r.header.Get("Date"))
	reset, _ := strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64)
	if wait := reset - date.Unix() + 1; wait < 1 || wait > 11 {
		t.Fatalf("backoff %d s", wait)
	}
	h.clock.Advance(7 * time.Second) // window over
	if r := h.do("GET", "/api/v1/users/me", nil); r.status != 200 || r.header.Get("X-Rate-Limit-Remaining") != "2" {
		t.Fatalf("new window: %d %v", r.status, r.header)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty, Concurrency: 1})
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.sim.beforeHandle = func(r *http.Request) {
		if r.URL.Path == "/api/v1/zones" {
			once.Do(func() { close(entered) })
			<-release
		}
	}
	done := make(chan resp)
	go func() { done <- h.do("GET", "/api/v1/zones", nil) }()
	<-entered
	r := h.do("GET", "/api/v1/users/me", nil)
	expectError(t, r, 429, "E0000047")
	if r.header.Get("X-Rate-Limit-Limit") != "0" || r.header.Get("X-Rate-Limit-Remaining") != "0" || r.header.Get("X-Rate-Limit-Reset") == "" {
		t.Fatalf("concurrency 429 headers %v", r.header)
	}
	close(release)
	if first := <-done; first.status != 200 {
		t.Fatalf("held request: %d", first.status)
	}
	if r := h.do("GET", "/api/v1/users/me", nil); r.status != 200 {
		t.Fatalf("after release: %d", r.status)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, h *harness)
	}{
		{"errors", Fault{Path: "/api/v1/zones", ErrorRate: 1, Times: 2}, func(t *testing.T, h *harness) {
			expectError(t, h.do("GET", "/api/v1/zones", nil), 500, "E0000009")
			expectError(t, h.do("GET", "/api/v1/zones", nil), 500, "E0000009")
			if r := h.do("GET", "/api/v1/zones", nil); r.status != 200 {
				t.Fatalf("third request %d", r.status)
			}
		}},
		{"only the targeted path", Fault{Path: "/api/v1/zones", Method: "PUT", ErrorRate: 1}, func(t *testing.T, h *harness) {
			if r := h.do("GET", "/api/v1/zones", nil); r.status != 200 {
				t.Fatalf("GET hit by PUT fault: %d", r.status)
			}
		}},
		{"storm", Fault{Path: "/api/v1/users", RateLimitRate: 1}, func(t *testing.T, h *harness) {
			r := h.do("GET", "/api/v1/users/me", nil)
			expectError(t, r, 429, "E0000047")
			if r.header.Get("X-Rate-Limit-Remaining") != "0" || r.header.Get("X-Rate-Limit-Limit") != "2000" {
				t.Fatalf("storm headers %v", r.header)
			}
		}},
		{"drop", Fault{Path: "/api/v1/groups", DropRate: 1}, func(t *testing.T, h *harness) {
			req, _ := http.NewRequest("GET", h.srv.URL()+"/api/v1/groups", nil)
			req.Header.Set("Authorization", "SSWS "+testToken)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
				t.Fatalf("connection not dropped: %d", res.StatusCode)
			}
		}},
		{"latency", Fault{Path: "/api/v1/logs", Latency: 30 * time.Millisecond}, func(t *testing.T, h *harness) {
			start := time.Now()
			if r := h.do("GET", "/api/v1/logs", nil); r.status != 200 || time.Since(start) < 30*time.Millisecond {
				t.Fatalf("latency not applied: %d after %v", r.status, time.Since(start))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{Seed: SeedEmpty})
			h.sim.SetFault(tc.fault)
			tc.check(t, h)
		})
	}
}

func TestAdminEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	r := h.doAuth("POST", "/__sim/faults", `{"path":"/api/v1/users","method":"get","errorRate":1,"latency":"1ms"}`, "")
	if r.status != 200 {
		t.Fatalf("set fault: %d %s", r.status, r.raw)
	}
	if f := h.sim.Faults(); len(f) != 1 || f[0].Method != "GET" || f[0].Latency != time.Millisecond {
		t.Fatalf("faults %+v", f)
	}
	expectError(t, h.do("GET", "/api/v1/users", nil), 500, "E0000009")
	h.doAuth("DELETE", "/__sim/faults", nil, "")
	if r := h.do("GET", "/api/v1/users?limit=1", nil); r.status != 200 {
		t.Fatalf("after clear %d", r.status)
	}
	r = h.doAuth("GET", "/__sim/requests", nil, "")
	var recs []RequestRecord
	_ = json.Unmarshal(r.raw, &recs)
	if len(recs) != 2 || recs[0].Status != 500 || recs[1].Query != "limit=1" {
		t.Fatalf("request log %s", r.raw)
	}
	h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/deactivate", nil)
	if r := h.doAuth("POST", "/__sim/events", `[{"eventType":"user.account.lock"},{"eventType":"user.account.lock"}]`, ""); r.status != 204 {
		t.Fatalf("events %d", r.status)
	}
	if n := len(h.sim.Events("user.account.lock")); n != 3 {
		t.Fatalf("lock events %d", n)
	}
	r = h.doAuth("GET", "/__sim/state", nil, "")
	if r.obj()["userCount"].(float64) != 200 || len(r.obj()["zones"].([]any)) != 5 {
		t.Fatalf("state %.300s", r.raw)
	}
	if r := h.doAuth("POST", "/__sim/reset", nil, ""); r.status != 204 {
		t.Fatalf("reset %d", r.status)
	}
	if u, _ := h.sim.User(DemoActiveUserID); u.Status != "ACTIVE" || len(h.sim.Requests()) != 0 {
		t.Fatalf("reset did not re-seed: %s", u.Status)
	}
	expectError(t, h.doAuth("GET", "/__sim/nope", nil, ""), 404, "E0000008")
}

func TestSeedsAreDeterministic(t *testing.T) {
	t.Parallel()
	a, _ := New(Options{Token: "x", Now: newFakeClock().Now})
	b, _ := New(Options{Token: "x", Now: newFakeClock().Now})
	ga, gb := a.GroupMembers(DemoEveryoneGroupID), b.GroupMembers(DemoEveryoneGroupID)
	if len(ga) != 200 || strings.Join(ga, ",") != strings.Join(gb, ",") {
		t.Fatal("demo seed ids differ between runs")
	}
	for _, id := range append(ga, DemoBlockedIPZoneID, DemoEveryoneGroupID, DemoAppGroupID) {
		if len(id) != 20 {
			t.Fatalf("id %q is not 20 characters", id)
		}
	}
	big, err := New(Options{Token: "x", Seed: SeedEmpty, Users: 5000})
	if err != nil || len(big.GroupMembers(DemoEveryoneGroupID)) != 5001 {
		t.Fatalf("generated users: %v", err)
	}
	if _, err := New(Options{}); err != ErrNoToken {
		t.Fatalf("no token: %v", err)
	}
	if _, err := New(Options{Token: "x", Seed: "huge"}); err == nil {
		t.Fatal("unknown seed accepted")
	}
}

func TestConcurrentMutationsAreAtomic(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty})
	var wg sync.WaitGroup
	statuses := make(chan int, 40)
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() { // the same login twenty times: exactly one create wins
			defer wg.Done()
			statuses <- h.do("POST", "/api/v1/users", map[string]any{"profile": map[string]any{"firstName": "R", "lastName": "C",
				"login": "race@acme.com", "email": "race@acme.com"}}).status
		}()
		go func() {
			defer wg.Done()
			h.do("GET", "/api/v1/zones", nil)
			h.do("POST", "/api/v1/zones/"+DemoLegacyIPZoneID+"/lifecycle/deactivate", nil)
		}()
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		if s == 200 {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d creates of the same login succeeded", ok)
	}
}
