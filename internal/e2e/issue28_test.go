package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// TestApproveWithoutStepWhenSeveralWait: with two approvals waiting, an
// unsigned decision that names no step is refused by the workflow's
// validator with a typed error (workflows.StepRequiredType), which the CLI
// turns into its --step hint without matching the message's text; naming
// each step then decides them.
func TestApproveWithoutStepWhenSeveralWait(t *testing.T) {
	s := getStackAlone(t)
	out, errOut, code := s.cli(t, "run", "testdata/two-approvals.yaml", "--as", "alice")
	require.Equal(t, 0, code, errOut)
	id := strings.TrimSpace(out)
	require.Eventually(t, func() bool {
		st, err := runs.Query(context.Background(), s.client, id)
		return err == nil && len(st.PendingApprovals) == 2
	}, 30*time.Second, 50*time.Millisecond, "two approvals to be pending in "+id)

	_, errOut, code = s.cli(t, "approve", id, "--as", "bob")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "refused: approvals are pending for steps first, second; the decision must name its step (pass --step STEP)")

	for _, step := range []string{"first", "second"} {
		out, errOut, code = s.cli(t, "approve", id, "--as", "bob", "--step", step)
		require.Equal(t, 0, code, errOut)
		assert.Equal(t, id+" approved by bob\n", out)
	}
	assert.Equal(t, workflows.RunSucceeded, s.wait(t, id).Status)
}
