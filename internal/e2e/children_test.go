package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// TestCancelRootCancelsChildren: cordon cancel of a root run stops the
// whole tree of playbook: runs beneath it, not only the root.
func TestCancelRootCancelsChildren(t *testing.T) {
	s := getStackAlone(t)
	dir := t.TempDir()
	for name, steps := range map[string]string{
		"nest-root": "  - {id: mid, playbook: nest-mid}\n",
		"nest-mid":  "  - {id: leaf, playbook: nest-leaf}\n",
		"nest-leaf": "  - {id: hold, wait: 1h}\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".yaml"), []byte("name: "+name+"\nsteps:\n"+steps), 0o644))
	}
	lib := runs.Library{Dir: dir, Registry: s.reg}
	pb, err := lib.Resolve("nest-root")
	require.NoError(t, err)
	root := s.start(t, runs.Request{Playbook: pb, Library: lib, ID: "nest-root-" + time.Now().Format("150405.000000")})
	mid, leaf := root+"/mid", root+"/mid/leaf"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	status := func(id string) enums.WorkflowExecutionStatus {
		d, err := s.client.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return enums.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED
		}
		return d.WorkflowExecutionInfo.Status
	}
	require.Eventually(t, func() bool {
		return status(leaf) == enums.WORKFLOW_EXECUTION_STATUS_RUNNING
	}, 30*time.Second, 50*time.Millisecond, "the leaf run to start")

	_, errOut, code := s.cli(t, "cancel", root)
	require.Equal(t, 0, code, errOut)
	st := s.wait(t, root)
	assert.Equal(t, workflows.RunCancelled, st.Status)
	for _, id := range []string{mid, leaf} {
		require.Eventually(t, func() bool {
			return status(id) == enums.WORKFLOW_EXECUTION_STATUS_CANCELED
		}, 30*time.Second, 50*time.Millisecond, id+" to be cancelled")
	}
}
