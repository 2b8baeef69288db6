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
