package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// versionResumeOrigin gates the origin checks below: a run that a cron
// schedule, a retry policy or a forged carry would have let through
// before is refused now; histories recorded before the check replay as
// they ran. The gate is asked only when the check would refuse, so a run
// it lets through records no marker.
const versionResumeOrigin = "resume-origin"

// versionIntakeOrigin gates the same refusal for the System Log intake's
// handed-in state.
const versionIntakeOrigin = "intake-origin"

// checkOrigin refuses a PlaybookWorkflow start that Temporal itself would
// start again (a cron schedule, a retry policy) and carried state that
// this workflow did not hand over.
//
// Temporal sets ContinuedExecutionRunID for every run that follows an
// earlier one of the same workflow id: continue-as-new, but also the next
// run of a cron schedule and the next attempt of a retry policy (the SDK
// copies it from WorkflowExecutionStartedEventAttributes in
// go.temporal.io/sdk@v1.50.0/internal/internal_task_handlers.go,
// beside CronSchedule, Attempt and RetryPolicy). A cron or retry run
// starts again with its first input, so a resume handed in by a client
// would be taken for Cordon's own. So:
//   - a run with a cron schedule, a retry policy that allows a retry or an
//     attempt above 1 is refused, resume or not (cordon run never sets
//     them; a run's retries are its steps' retries; a child run carries
//     the policy of one attempt its parent gives it, child.go);
//   - a carry must name the run that wrote it (Carry.From, set by
//     continueAsNew to its own run id) and that run must be the one the
//     server says this run continues. A client can read run ids from
//     history, but it cannot make the server continue a run it did not
//     end with continue-as-new: the input of a cron or retry run was fixed
//     before the run it follows existed. (A client that runs a worker of
//     its own could continue a run of its own onto Cordon's task queue
//     with a matching carry; like childOnly, that is for Temporal's
//     authorizer to refuse: docs/runs.md.)
func checkOrigin(ctx workflow.Context, resume *Carry) error {
	info := workflow.GetInfo(ctx)
	var err error
	switch {
	case info.CronSchedule != "":
		err = fmt.Errorf("PlaybookWorkflow does not run on a cron schedule (cron_schedule %q): start each run with cordon run, or from a Temporal Schedule, which starts a fresh run each time", info.CronSchedule)
	case retries(info):
		err = fmt.Errorf("PlaybookWorkflow is started without a retry policy (this is attempt %d): a run is not retried as a whole, its steps retry (retry:), and a failed run is started again with cordon run", max(info.Attempt, 1))
	case resume != nil && resume.From != info.ContinuedExecutionRunID:
		err = fmt.Errorf("resume was not handed over by the run this one continues (%s): carried state is only accepted from Cordon's own continue-as-new; start the run without resume", info.ContinuedExecutionRunID)
	}
	if err == nil || !since(ctx, versionResumeOrigin) {
		return nil
	}
	return err
}

// retries says whether the server may start this run again as a retry:
// a retry policy that allows more than one attempt, or an attempt after
// the first.
func retries(info *workflow.Info) bool {
	return info.Attempt > 1 || (info.RetryPolicy != nil && info.RetryPolicy.MaximumAttempts != 1)
}
