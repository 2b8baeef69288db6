package action

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specPath is Okta's Management API spec (../shared/okta from the module
// root).
var specPath = filepath.Join("..", "..", "shared", "okta", "openapi-management.yaml")

// specOp is the part of an OpenAPI operation the scope check reads.
type specOp struct {
	Security []map[string][]string `yaml:"security"`
}

// loadSpecOps reads every operation's security, keyed "METHOD /path".
func loadSpecOps(t *testing.T) map[string]specOp {
	t.Helper()
	data, err := os.ReadFile(specPath)
	require.NoError(t, err, "Okta's OpenAPI spec")
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(data, &spec))
	out := map[string]specOp{}
	for path, item := range spec.Paths {
		for method, raw := range item {
			m, ok := raw.(map[string]any)
			if !ok {
				continue // parameters, x-okta-lifecycle, ...
			}
			var op specOp
			b, err := yaml.Marshal(m)
			require.NoError(t, err)
			require.NoError(t, yaml.Unmarshal(b, &op))
			out[strings.ToUpper(method)+" "+path] = op
		}
	}
	return out
}

// leastScopes applies the rule of scopes.go: among the OAuth requirements
// of an operation, the one with the fewest .manage scopes, then the
// fewest scopes; all of its scopes are needed.
func leastScopes(op specOp) []string {
	var best []string
	rank := func(s []string) [2]int {
		manage := 0
		for _, x := range s {
			if strings.HasSuffix(x, ".manage") {
				manage++
			}
		}
		return [2]int{manage, len(s)}
	}
	for _, req := range op.Security {
		scopes, ok := req["oauth2"]
		if !ok {
			continue
		}
		if best == nil || rank(scopes)[0] < rank(best)[0] ||
			(rank(scopes)[0] == rank(best)[0] && rank(scopes)[1] < rank(best)[1]) {
			best = scopes
		}
	}
	return best
}

func TestActionScopesMatchOktaSpec(t *testing.T) {
	ops := loadSpecOps(t)
	for _, a := range Okta().All() {
		t.Run(a.Name, func(t *testing.T) {
			require.NotEmpty(t, a.Ops)
			var want []string
			for _, o := range a.Ops {
				op, ok := ops[o.String()]
				if !assert.True(t, ok, "%s: operation %s is not in Okta's spec", a.Name, o) {
					continue
				}
				scopes := leastScopes(op)
				assert.NotEmpty(t, scopes, "%s: %s has no OAuth scope in the spec", a.Name, o)
				for _, s := range scopes {
					if !slices.Contains(want, s) {
						want = append(want, s)
					}
				}
			}
			slices.Sort(want)
			assert.Equal(t, want, a.Scopes, "%s: declared scopes differ from the union of its operations' scopes", a.Name)
		})
	}
}

func TestLeastScopesPrefersRead(t *testing.T) {
	op := specOp{Security: []map[string][]string{{"apiToken": nil},
		{"oauth2": {"okta.users.manage"}}, {"oauth2": {"okta.users.read"}}}}
	assert.Equal(t, []string{"okta.users.read"}, leastScopes(op))
}

func TestScopesFor(t *testing.T) {
	r := Okta()
	assert.Equal(t, []string{ScopeLogsRead, ScopeUsersRead}, r.ScopesFor([]string{GetUsers, GetLogs, "okta.nope"}))
	assert.Empty(t, r.ScopesFor(nil))
	assert.Equal(t, []string{ScopeLogsRead, ScopeUsersManage}, r.MissingScopes(DeactivateUsers, []string{ScopeUsersRead, ScopeGroupsRead}))
	assert.Nil(t, r.MissingScopes(GetUsers, []string{ScopeUsersRead}))
}
