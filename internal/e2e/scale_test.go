package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// TestDeactivateTenThousandUsers deactivates 10,000 users given by id in
// one run, on a stack of its own: the interpreter chunks the ID list into
// heartbeating bulk activities, so neither a payload nor the history
// outgrows Temporal's limits. (A single Get Users step listing 10,000 users
// would: its output is one payload, over Temporal's default 2 MiB limit at
// about 1,300 Okta users; see docs/operations.md.)
func TestDeactivateTenThousandUsers(t *testing.T) {
	parallelLong(t) // its own stack: nothing shared with the other tests
	if testing.Short() {
		t.Skip("scale test")
	}
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: "empty", Users: 10000})
	t.Cleanup(stop)
	ids := make([]any, 0, 10000)
	for i := range 10000 {
		u, ok := s.sim.Sim().User(fmt.Sprintf("user%06d@bench.acme.com", i))
		require.True(t, ok)
		ids = append(ids, u.ID)
	}
	id := s.start(t, runs.Request{Playbook: s.load(t, "deactivate-bench-users.yaml"), Inputs: map[string]any{"user_ids": ids}})
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 10000, st.Outputs["deactivated"])
	assert.EqualValues(t, 0, st.Outputs["failed"])
	for _, login := range []string{"user000000@bench.acme.com", "user004999@bench.acme.com", "user009999@bench.acme.com"} {
		u, ok := s.sim.Sim().User(login)
		require.True(t, ok, login)
		assert.Equal(t, "DEPROVISIONED", u.Status, login)
	}
}
