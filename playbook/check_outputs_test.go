package playbook

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONPathSegments(t *testing.T) {
	for path, want := range map[string][]string{
		"$":                        nil,
		"$[*].id":                  {anyIndex, "id"},
		"$.user.profile['login']":  {"user", "profile", "login"},
		`$[0]["profile"].*`:        {anyIndex, "profile", anyIndex},
		"$[?@.status=='ACTIVE'].x": nil, // a filter ends the check
		"$..id":                    nil,
		"$.results[-1].data.reset": {"results", anyIndex, "data", "reset"},
		"users":                    nil, // not a JSONPath: not checked
	} {
		assert.Equal(t, want, jsonPathSegments(path), path)
	}
}

// validOutputPaths are reads a playbook may make of typed outputs; none is
// an error.
const validOutputPaths = `name: valid-paths
steps:
  - id: user
    action: okta.get_user
    with: {user: jane.doe@acme.com}
  - id: users
    action: okta.get_users
    with: {fields: [id, profile.login]}
  - id: groups
    action: okta.get_user_groups
    foreach: [a, b]
    with: {user: "${{ item }}"}
  - id: suspend
    action: okta.suspend_users
    with: {user_ids: ["${{ steps.user.output.user.id }}"]}
  - id: sub
    playbook: enrich-user
    with: {user_id: x}
outputs:
  a: ${{ steps.user.output.user?.profile.anyCustomAttribute ?? "" }}
  b: ${{ steps.users.output[0].profile.login }}
  c: '${{ jsonpath(steps.users.output, "$[*].profile.login") }}'
  d: '${{ jsonpath(steps.users.output, "$[?@.status==''ACTIVE''].id") }}'
  e: ${{ steps.groups.output[0][1].profile.name }}
  f: ${{ steps.suspend.output.results[0].data?.anything }}
  g: ${{ len(steps.users.output ?? []) }}
  h: ${{ steps.sub.output.risk }}
  i: ${{ steps.suspend.output.undo.workflow_id }}
  j: '${{ map(steps.users.output, #.id) }}'
`

func TestTypedOutputsAcceptValidPaths(t *testing.T) {
	opts := testOptions()
	opts.Child = func(name string) *Playbook {
		return &Playbook{Name: name, Outputs: []*Output{{Name: "risk"}, {Name: "groups"}}}
	}
	_, err := Load("valid.yaml", []byte(validOutputPaths), opts)
	require.NoError(t, err)
}

func TestTypedOutputsOfChildPlaybooks(t *testing.T) {
	opts := testOptions()
	opts.Child = func(name string) *Playbook {
		return &Playbook{Name: name, Outputs: []*Output{{Name: "risk"}, {Name: "groups"}}}
	}
	src := strings.Replace(validOutputPaths, "steps.sub.output.risk", "steps.sub.output.risc", 1)
	_, err := Load("child.yaml", []byte(src), opts)
	require.Error(t, err)
	assert.Equal(t, `child.yaml:27:27: steps.sub.output (outputs of playbook enrich-user) has no field "risc"; it has risk, groups; did you mean "risk"? [reference]`, err.Error())
}

// A pinned playbook re-parsed by a workflow skips the checks added after
// runs were first pinned, so a run started before them still replays.
func TestPinnedSkipsAuthoringChecks(t *testing.T) {
	src := []byte(`name: pinned
steps:
  - id: user
    action: okta.get_user
    with: {user: jane.doe@acme.com}
  - id: expire
    action: okta.expire_passwords
    with: {user_ids: [x], revoke_sessions: true, factor: 1}
outputs:
  id: ${{ steps.user.output.id }}
`)
	_, err := Load("pinned.yaml", src, Options{Registry: testOptions().Registry})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `steps.user.output has no field "id"`)
	assert.Contains(t, err.Error(), "needs temp_password true")

	_, err = Load("pinned.yaml", src, Options{Registry: testOptions().Registry, Pinned: true})
	require.Error(t, err, "checks that predate Pinned still apply")
	assert.Equal(t, `pinned.yaml:8:50: okta.expire_passwords has no parameter "factor" (want one of: user_ids, temp_password, revoke_sessions) [unknown-param]`, err.Error())
}
