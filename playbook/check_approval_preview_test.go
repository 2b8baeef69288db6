package playbook

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

func TestApprovalWarnings(t *testing.T) {
	t.Parallel()
	src := `name: w
version: 1
steps:
  - id: approve
    approval: {message: go?}
  - id: find
    action: okta.get_users
  - id: pick
    set: {ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
  - id: fine
    action: okta.suspend_users
    with: {user_ids: '${{ inputs.ids }}'}
  - id: each
    foreach: ${{ vars.ids }}
    action: okta.suspend_users
    with: {user_ids: ["${{ item }}"]}
  - id: both
    parallel:
      - id: late
        if: ${{ len(steps.find.output) > 0 }}
        action: okta.clear_user_sessions
        with: {user_ids: [00u1]}
      - id: read
        action: okta.get_users
  - id: child
    playbook: other
  - id: side
    parallel:
      - id: inner
        approval: {message: "inner?"}
      - id: look
        action: okta.get_users
  - id: tail
    action: okta.clear_user_sessions
    with: {user_ids: [00u1]}
  - id: again
    approval: {message: more?}
  - id: after
    action: okta.suspend_users
    with: {user_ids: '${{ vars.ids }}'}
inputs:
  ids: {type: list}
`
	pb, err := Load("w.yaml", []byte(src), Options{Registry: action.Okta(), Library: func(string) bool { return true }})
	require.NoError(t, err)
	var got []string
	for _, w := range ApprovalWarnings(pb, action.Okta()) {
		got = append(got, w.Error())
	}
	assert.Equal(t, []string{
		"w.yaml:13:5: warning: approval approve cannot show the targets of step each, which depend on vars.ids, produced after the approval: the step fails at run time unless they were shown; move the approval below what produces vars.ids, or add one right before each [approval-preview]",
		"w.yaml:19:9: warning: approval approve cannot show the targets of step late, which depend on steps.find, produced after the approval: the step fails at run time unless they were shown; move the approval below what produces steps.find, or add one right before late [approval-preview]",
		"w.yaml:25:5: warning: approval approve cannot show the targets of child playbook other: its destructive steps act only on targets the approval showed, and fail otherwise; give the child its own approval [approval-preview]",
		"w.yaml:29:9: warning: approval inner is inside a parallel block and shows no targets: every destructive step after it will fail; put the approval in the top-level sequence [approval-preview]",
	}, got)
}

// The shipped playbooks have no approval that cannot show its targets.
func TestShippedPlaybooksPreviewTheirApprovals(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../playbooks/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		if strings.HasSuffix(f, ".test.yaml") {
			continue // cordon test files, not playbooks
		}
		pb, err := LoadFile(f, Options{Registry: action.Okta()})
		require.NoError(t, err, f)
		assert.Empty(t, ApprovalWarnings(pb, action.Okta()), f)
	}
}
