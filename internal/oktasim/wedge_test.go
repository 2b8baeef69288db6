package oktasim

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	goparser "go/parser"
	gotoken "go/token"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// No handler can wedge the simulator. make test runs these tests a second
// time under the race detector (`go test -race -run Wedge ./internal/oktasim`).

// TestWedgeEveryLockIsReleasedByDefer: in the package's code every Lock or
// RLock is followed at once by the deferred unlock, so a panic anywhere
// below it cannot leave the lock held (issue 26: a read lock taken without
// defer in getOrg hung every later request).
func TestWedgeEveryLockIsReleasedByDefer(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := gotoken.NewFileSet()
	locks := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := goparser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			block, ok := n.(*ast.BlockStmt)
			if !ok {
				return true
			}
			for i, st := range block.List {
				recv, method := lockCall(st)
				if method != "Lock" && method != "RLock" {
					continue
				}
				locks++
				want := map[string]string{"Lock": "Unlock", "RLock": "RUnlock"}[method]
				var next ast.Stmt
				if i+1 < len(block.List) {
					next = block.List[i+1]
				}
				d, ok := next.(*ast.DeferStmt)
				if !ok || callString(d.Call) != recv+"."+want {
					t.Errorf("%s: %s.%s() is not followed by defer %s.%s()", fset.Position(st.Pos()), recv, method, recv, want)
				}
			}
			return true
		})
	}
	assert.Greater(t, locks, 40, "the scan found the package's locks")
}

func lockCall(st ast.Stmt) (recv, method string) {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return "", ""
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return "", ""
	}
	s := callString(call)
	i := strings.LastIndex(s, ".")
	if i < 0 {
		return "", ""
	}
	return s[:i], s[i+1:]
}

func callString(call *ast.CallExpr) string {
	var b strings.Builder
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		switch x := e.(type) {
		case *ast.Ident:
			b.WriteString(x.Name)
		case *ast.SelectorExpr:
			walk(x.X)
			b.WriteString("." + x.Sel.Name)
		case *ast.UnaryExpr:
			walk(x.X)
		default:
			b.WriteString("?")
		}
	}
	walk(call.Fun)
	return b.String()
}

// TestWedgePanicUnderTheWriteLock: a handler that panics while it holds
// the org's write lock answers 500 E0000009, and the next reads and writes
// are served.
func TestWedgePanicUnderTheWriteLock(t *testing.T) {
	clock := newFakeClock()
	var armed atomic.Bool
	var sim *Sim
	h := newHarness(t, Options{Now: func() time.Time {
		// Panics inside a writer's critical section: a read lock cannot
		// be had while the handler holds the write lock.
		if armed.Load() && !sim.mu.TryRLock() {
			armed.Store(false)
			panic("injected fault under the write lock")
		} else if armed.Load() {
			sim.mu.RUnlock()
		}
		return clock.Now()
	}})
	sim = h.sim
	armed.Store(true)
	r := h.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Panics"}})
	require.Equal(t, http.StatusInternalServerError, r.status, "%s", r.raw)
	assert.Equal(t, "E0000009", r.errorCode())
	assert.False(t, armed.Load(), "the fault fired under the lock")

	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.Equal(t, http.StatusOK, h.do("GET", "/api/v1/groups", nil).status)
		assert.Equal(t, http.StatusOK, h.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "After"}}).status)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the org is wedged after a handler panic")
	}
}

// TestWedgeTokenOwnerDeleted deletes the token owner (deactivate, then
// delete), then calls every route the API serves, the sign-in endpoints,
// the logos and the admin API, concurrently and twice, and /__sim/reset,
// each under a deadline: nothing hangs, nothing answers 500, and the reset
// org is whole again.
func TestWedgeTokenOwnerDeleted(t *testing.T) {
	h := newHarness(t, Options{Seed: SeedDemo})
	for range 2 {
		require.Equal(t, http.StatusNoContent, h.do("DELETE", "/api/v1/users/"+DemoAdminID, nil).status)
	}
	require.Equal(t, http.StatusNotFound, h.do("GET", "/api/v1/users/me", nil).status)

	zone := DemoBlockedIPZoneID
	factor := factorPrefix["sms"] + DemoActiveUserID[3:]
	calls := []struct{ route, method, path string }{
		{"/api/v1/users", "GET", "/api/v1/users?limit=5"},
		{"/api/v1/users", "POST", "/api/v1/users?activate=false"},
		{"/api/v1/users/{id}", "GET", "/api/v1/users/" + DemoActiveUserID},
		{"/api/v1/users/{id}", "POST", "/api/v1/users/" + DemoActiveUserID},
		{"/api/v1/users/{id}", "DELETE", "/api/v1/users/" + DemoDeprovisionedUserID},
		{"/api/v1/users/{id}/groups", "GET", "/api/v1/users/" + DemoActiveUserID + "/groups"},
		{"/api/v1/users/{id}/lifecycle/{op}", "POST", "/api/v1/users/" + DemoLockedUserID + "/lifecycle/unlock"},
		{"/api/v1/users/{id}/sessions", "DELETE", "/api/v1/users/" + DemoActiveUserID + "/sessions"},
		{"/api/v1/users/{id}/factors", "GET", "/api/v1/users/" + DemoActiveUserID + "/factors"},
		{"/api/v1/users/{id}/factors/{fid}", "GET", "/api/v1/users/" + DemoActiveUserID + "/factors/" + factor},
		{"/api/v1/users/{id}/factors/{fid}", "DELETE", "/api/v1/users/" + DemoActiveUserID + "/factors/" + factor},
		{"/api/v1/users/{id}/appLinks", "GET", "/api/v1/users/" + DemoActiveUserID + "/appLinks"},
		{"/api/v1/groups", "GET", "/api/v1/groups"},
		{"/api/v1/groups", "POST", "/api/v1/groups"},
		{"/api/v1/groups/{id}", "GET", "/api/v1/groups/" + DemoEngineeringGroupID},
		{"/api/v1/groups/{id}", "DELETE", "/api/v1/groups/" + DemoITAdminsGroupID},
		{"/api/v1/groups/{id}/apps", "GET", "/api/v1/groups/" + DemoEngineeringGroupID + "/apps"},
		{"/api/v1/groups/{id}/users", "GET", "/api/v1/groups/" + DemoEngineeringGroupID + "/users"},
		{"/api/v1/groups/{id}/users/{uid}", "PUT", "/api/v1/groups/" + DemoEngineeringGroupID + "/users/" + DemoStagedUserID},
		{"/api/v1/groups/{id}/users/{uid}", "DELETE", "/api/v1/groups/" + DemoEngineeringGroupID + "/users/" + DemoActiveUserID},
		{"/api/v1/apps/{id}", "GET", "/api/v1/apps/" + DemoAWSAppID},
		{"/api/v1/zones", "GET", "/api/v1/zones"},
		{"/api/v1/zones", "POST", "/api/v1/zones"},
		{"/api/v1/zones/{id}", "GET", "/api/v1/zones/" + zone},
		{"/api/v1/zones/{id}", "PUT", "/api/v1/zones/" + zone},
		{"/api/v1/zones/{id}", "DELETE", "/api/v1/zones/" + DemoPolicyZoneID},
		{"/api/v1/zones/{id}/lifecycle/{op}", "POST", "/api/v1/zones/" + zone + "/lifecycle/deactivate"},
		{"/api/v1/logs", "GET", "/api/v1/logs?limit=5"},
		{"/api/v1/org", "GET", "/api/v1/org"},
		{"/api/v1/meta/types/user/{id}", "GET", "/api/v1/meta/types/user/default"},
		{"/api/v1/meta/schemas/user/{id}", "GET", "/api/v1/meta/schemas/user/default"},
		{"/", "GET", "/api/v1/nothing"}, {"/", "POST", "/api/v1/nothing"}, {"/", "PUT", "/api/v1/nothing"},
		{"/", "DELETE", "/api/v1/nothing"}, {"/", "PATCH", "/api/v1/nothing"},
	}
	var covered []string
	for _, c := range calls {
		covered = append(covered, c.method+" "+c.route)
	}
	for _, rt := range h.sim.routeTable {
		assert.Contains(t, covered, rt, "the test calls every route")
	}
	bodies := map[string]any{
		"POST /api/v1/users":      map[string]any{"profile": map[string]any{"firstName": "A", "lastName": "B", "login": "wedge@acme.com", "email": "wedge@acme.com"}},
		"POST /api/v1/groups":     map[string]any{"profile": map[string]any{"name": "Wedge"}},
		"POST /api/v1/zones":      ipZone("Wedge zone", "10.9.9.9"),
		"PUT /api/v1/zones/{id}":  ipZone("BlockedIpZone", "10.8.8.8"),
		"POST /api/v1/users/{id}": map[string]any{"profile": map[string]any{"title": "Wedged"}},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path string, body any) int {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req := h.request(method, path, body).WithContext(ctx)
		resp, err := client.Do(req)
		if !assert.NoError(t, err, "%s %s must answer before the deadline", method, path) {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Beyond the API: the sign-in endpoints (the deleted admin signs in
	// too), the logos and the admin API.
	oidc := authServerPath + "/v1/"
	for _, c := range []struct{ method, path string }{
		{"GET", authServerPath + "/.well-known/openid-configuration"}, {"GET", oidc + "keys"},
		{"GET", oidc + "authorize?client_id=cordon&redirect_uri=http://127.0.0.1:9/callback&response_type=code&scope=openid&state=s&code_challenge=x&code_challenge_method=S256"},
		{"POST", oidc + "authorize?client_id=cordon&redirect_uri=http://127.0.0.1:9/callback&response_type=code&scope=openid&state=s&code_challenge=x&code_challenge_method=S256&username=" + url.QueryEscape(DemoAdminLogin) + "&password=" + DefaultDevPassword},
		{"POST", oidc + "token?grant_type=authorization_code&client_id=cordon&code=nope"},
		{"GET", oidc + "userinfo"}, {"POST", oidc + "revoke?client_id=cordon&token=nope"}, {"GET", oidc + "logout"},
		{"GET", groupLogoPath + "okta-medium.png"}, {"POST", orgTokenPath}, {"GET", orgTokenPath},
		{"GET", "/__sim/state"}, {"GET", "/__sim/requests"}, {"GET", "/__sim/faults"},
	} {
		calls = append(calls, struct{ route, method, path string }{"extra", c.method, c.path})
	}
	for round := range 2 {
		var wg sync.WaitGroup
		for _, c := range calls {
			wg.Go(func() {
				body := bodies[c.method+" "+c.route]
				if body == nil && (c.method == "POST" || c.method == "PUT") {
					body = "" // Content-Length: 0
				}
				st := call(c.method, c.path, body)
				assert.True(t, st > 0 && st < 500, "round %d: %s %s answered %d", round, c.method, c.path, st)
			})
		}
		wg.Wait()
	}
	require.Equal(t, http.StatusNoContent, call("POST", "/__sim/reset", ""))
	assert.Equal(t, http.StatusOK, call("GET", "/api/v1/users/me", nil), "the reset org has its token owner again")
	assert.True(t, slices.Contains(h.sim.GroupMembers(DemoEveryoneGroupID), DemoAdminID))
}

// request builds an authorized API request (doAuth's, without sending it).
func (h *harness) request(method, path string, body any) *http.Request {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL()+path, rd)
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "SSWS "+testToken)
	req.Header.Set("Content-Type", "application/json")
	return req
}
