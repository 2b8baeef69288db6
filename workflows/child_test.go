package workflows

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cycle the loader did not see (pinned sources, a library edited between
// runs) stops at the child depth cap with the chain in the message,
// instead of building nested runs until a Temporal limit.
func TestChildDepthIsCapped(t *testing.T) {
	h := newHarness(t)
	recA := "name: rec-a\nversion: 1\nsteps:\n  - {id: to-b, playbook: rec-b}\n"
	recB := "name: rec-b\nversion: 1\nsteps:\n  - {id: to-a, playbook: rec-a}\n"
	lib := map[string]Pinned{"rec-a": pin("rec-a", recA), "rec-b": pin("rec-b", recB)}
	st, err := h.run(recA, RunInput{Library: lib})
	require.Error(t, err)
	require.NotNil(t, st)
	assert.Contains(t, err.Error(), "step to-b: playbook rec-b would run 9 levels deep "+
		"(rec-a -> rec-b -> rec-a -> rec-b -> rec-a -> rec-b -> rec-a -> rec-b -> rec-a -> rec-b), "+
		"above the limit of 8 nested playbook: steps; nothing was started")
}

// The root playbook's guardrails.max_depth sets the cap for the whole
// tree of child runs.
func TestChildDepthFollowsTheRoot(t *testing.T) {
	h := newHarness(t)
	root := "name: root\nversion: 1\nguardrails: {max_depth: 2}\nsteps:\n  - {id: down, playbook: a}\n"
	a := "name: a\nversion: 1\nsteps:\n  - {id: down, playbook: b}\n"
	b := "name: b\nversion: 1\nguardrails: {max_depth: 30}\nsteps:\n  - {id: down, playbook: c}\n"
	c := "name: c\nversion: 1\nsteps:\n  - {id: x, wait: 1s}\n"
	lib := map[string]Pinned{"a": pin("a", a), "b": pin("b", b), "c": pin("c", c)}
	_, err := h.run(root, RunInput{Library: lib})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "step down: playbook c would run 3 levels deep (root -> a -> b -> c), above the limit of 2 nested playbook: steps; nothing was started",
		"b's own max_depth does not raise its root's cap")
}
