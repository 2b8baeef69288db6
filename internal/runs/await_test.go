package runs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"

	"github.com/cordonsec/cordon/workflows"
)

// A long poll that misses the run's close (the server answers it only at
// its 20 s expiry) does not hold the result back: the run is described as
// closed within closeCheckEvery and its result read with a fresh request.
func TestAwaitResultDoesNotWaitForAMissedLongPoll(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	run := &mocks.WorkflowRun{}
	run.On("Get", mock.Anything, mock.Anything).Return(func(ctx context.Context, v any) error {
		if calls.Add(1) == 1 {
			<-ctx.Done() // the long poll that missed the close
			return ctx.Err()
		}
		v.(*workflows.RunStatus).Status = workflows.RunSucceeded
		return nil
	})
	c := &mocks.Client{}
	c.On("GetWorkflow", mock.Anything, "run-1", "").Return(run)
	status := enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	var closedAt atomic.Int64
	c.On("DescribeWorkflowExecution", mock.Anything, "run-1", "").Return(
		func(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
			st := status
			if closedAt.Load() != 0 {
				st = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
			}
			return &workflowservice.DescribeWorkflowExecutionResponse{
				WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: st}}, nil
		})
	go func() {
		time.Sleep(3 * closeCheckEvery / 2)
		closedAt.Store(time.Now().UnixNano())
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a guard, not a measurement
	defer cancel()
	st, err := awaitResult(ctx, c, "run-1")
	require.NoError(t, err)
	assert.Equal(t, workflows.RunSucceeded, st.Status)
	// How soon after the close it returns is measured by BenchmarkWaitLag,
	// not asserted here: the long poll above only ever ends at the guard,
	// so returning before it is the proof.
	require.NoError(t, ctx.Err(), "returned before the guard: the missed long poll did not hold the result back")
	assert.EqualValues(t, 2, calls.Load(), "the result was read again after the close")
}
