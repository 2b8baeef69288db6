package runs

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/workflows"
)

// closeCheckEvery is how often awaitResult asks the server whether the run
// has closed while its long poll for the result is pending: the bound on
// how late `cordon run --wait` and `cordon status --wait` may return.
const closeCheckEvery = 250 * time.Millisecond

// awaitResult waits for a run's result, as c.GetWorkflow(id).Get does, but
// returns within closeCheckEvery of the run's close even when the long
// poll misses it.
//
// Get long-polls GetWorkflowExecutionHistory for the close event (sdk
// internal/internal_workflow_client.go, getWorkflowHistory: WaitNewEvent,
// re-polled while an answer has no events). The history service holds the
// poll on a notification channel until the run closes or for
// history.longPollExpirationInterval, 20 s (server
// service/history/api/get_workflow_util.go, GetOrPollWorkflowMutableState;
// common/dynamicconfig/constants.go). That channel holds one notification
// and the notifier drops any that arrive while it is full, as it does when
// its own queue is full (service/history/events/notifier.go, WatchHistoryEvent
// and dispatchHistoryEventNotification): when the run's last transactions
// come in quick succession, the poll can read a stale "still running"
// notification, lose the close, and answer only at the 20 s expiry. Rare
// (1 wait in 360 in issue 27's measurement), but a person waiting on a
// containment then sees 20 s of nothing.
//
// So while the long poll is pending, the run's status is described every
// closeCheckEvery; once it is closed, the result is read again with a
// fresh request, which the server answers at once for a closed run.
func awaitResult(ctx context.Context, c client.Client, id string) (workflows.RunStatus, error) {
	type answer struct {
		st  workflows.RunStatus
		err error
	}
	get := func(ctx context.Context) answer {
		var a answer
		a.err = c.GetWorkflow(ctx, id, "").Get(ctx, &a.st)
		return a
	}
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan answer, 1)
	go func() { done <- get(pollCtx) }()
	tick := time.NewTicker(closeCheckEvery)
	defer tick.Stop()
	for {
		select {
		case a := <-done:
			return a.st, a.err
		case <-ctx.Done():
			return workflows.RunStatus{}, ctx.Err()
		case <-tick.C:
			if !closed(ctx, c, id) {
				continue
			}
			cancel()
			if a := <-done; a.err == nil {
				return a.st, nil // the long poll answered meanwhile
			}
			a := get(ctx)
			return a.st, a.err
		}
	}
}

// closed reports whether the run (the last of its chain) has closed. An
// error counts as not closed: the long poll goes on.
func closed(ctx context.Context, c client.Client, id string) bool {
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return false
	}
	return d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
}
