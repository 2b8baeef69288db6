package oktasim

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRouteScopesMatchSpec checks the scope table against the `security`
// of Okta's spec: each entry names the oauth2 scopes of every operation it
// stands for, and every route the simulator serves has an entry.
func TestRouteScopesMatchSpec(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(specPath); err != nil {
		t.Skipf("SKIPPED LOUDLY: Okta's spec is not at %s: %v", specPath, err)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	require.NoError(t, err)
	h := newHarness(t, Options{})
	for _, rt := range h.sim.routeTable {
		if strings.HasSuffix(rt, " /") {
			continue // the catch-all 404
		}
		assert.Contains(t, routeScopes, rt, "route %s has no scope entry", rt)
	}
	for key, want := range routeScopes {
		assert.Contains(t, h.sim.routeTable, key, "scope entry %s names no served route", key)
		method, pattern, _ := strings.Cut(key, " ")
		matched := 0
		for path, item := range doc.Paths.Map() {
			op := item.GetOperation(method)
			if op == nil || !patternMatchesSpec(pattern, path) {
				continue
			}
			matched++
			assert.ElementsMatch(t, want, oauthScopes(op), "%s %s", method, path)
		}
		assert.NotZero(t, matched, "%s matches no operation of the spec", key)
	}
}

// patternMatchesSpec compares a simulator route pattern with a spec path:
// placeholders match placeholders whatever their names, and the
// simulator's {op} stands for every literal lifecycle operation.
func patternMatchesSpec(pattern, path string) bool {
	ps, ss := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(ss) {
		return false
	}
	for i := range ps {
		pv, sv := strings.HasPrefix(ps[i], "{"), strings.HasPrefix(ss[i], "{")
		switch {
		case ps[i] == "{op}":
		case pv && sv:
		case ps[i] != ss[i]:
			return false
		}
	}
	return true
}

func oauthScopes(op *openapi3.Operation) []string {
	var out []string
	if op.Security != nil {
		for _, req := range *op.Security {
			out = append(out, req["oauth2"]...)
		}
	}
	return out
}

func TestScopeEnforcement(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	c := newSvc(h, ecKey(t, "k"), nil, "okta.users.read", "okta.groups.read", "okta.groups.manage")
	tok, _ := c.token("okta.users.read okta.groups.read")

	before := h.sim.Requests()
	r := c.api("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/deactivate", tok, "")
	expectError(t, r, http.StatusForbidden, "E0000006")
	assert.Equal(t, "You do not have permission to perform the requested action", r.obj()["errorSummary"])
	path := "/api/v1/users/" + DemoActiveUserID + "/lifecycle/deactivate"
	assert.Equal(t, `Bearer authorization_uri="`+c.org+`/oauth2/v1/authorize", realm="`+c.org+`", scope="okta.users.manage", `+
		`error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="`+path+`"`,
		r.header.Get("WWW-Authenticate"))
	u, _ := h.sim.User(DemoActiveUserID)
	assert.Equal(t, statusActive, u.Status, "nothing was written")
	assert.Len(t, h.sim.Requests(), len(before)+1)

	// Granted but not requested is not held either.
	expectError(t, c.api("PUT", "/api/v1/groups/"+DemoEngineeringGroupID+"/users/"+DemoActiveUserID, tok, ""), 403, "E0000006")
	expectError(t, c.api("GET", "/api/v1/logs", tok, ""), 403, "E0000006")
	expectError(t, c.api("GET", "/api/v1/zones", tok, ""), 403, "E0000006")
	assert.Equal(t, http.StatusOK, c.api("GET", "/api/v1/groups/"+DemoEngineeringGroupID+"/users", tok, "").status)
	assert.Equal(t, http.StatusOK, c.api("HEAD", "/api/v1/users/"+DemoActiveUserID, tok, "").status)

	// A manage scope grants its read scope too.
	manage, _ := c.token("okta.groups.manage")
	assert.Equal(t, http.StatusOK, c.api("GET", "/api/v1/groups/"+DemoEngineeringGroupID, manage, "").status)
	expectError(t, c.api("GET", "/api/v1/users/me", manage, ""), 403, "E0000006")

	// The SSWS token acts with its admin's rights: no scope limit.
	assert.Equal(t, http.StatusOK, h.do("POST", "/api/v1/users/"+DemoActiveUserID+"/lifecycle/deactivate", "").status)
	u, _ = h.sim.User(DemoActiveUserID)
	assert.Equal(t, statusDeprovisioned, u.Status)
}
