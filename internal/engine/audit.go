package engine

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/workflows"
)

// AuditRuns is the cordon.audit activity: it turns the workflows' audit
// records into events of the trail, with the run's ids and a stable event
// id (the same record of the same run always gets the same id, however
// often the activity is retried).
type AuditRuns struct{ Recorder *audit.Recorder }

// Record implements workflows.AuditActivity.
func (a AuditRuns) Record(ctx context.Context, req workflows.AuditRequest) error {
	if a.Recorder == nil {
		return nil
	}
	info := activity.GetInfo(ctx)
	wf, run := info.WorkflowExecution.ID, info.WorkflowExecution.RunID
	events := make([]audit.Event, 0, len(req.Records))
	for _, r := range req.Records {
		events = append(events, audit.Event{
			ID:   audit.EventID(r.Kind, wf, run, r.Step, r.Target, r.Outcome),
			Kind: r.Kind, WorkflowID: wf, RunID: run, Playbook: req.Playbook, PlaybookVersion: req.Version,
			Step: r.Step, Action: r.Action, Target: r.Target, Outcome: r.Outcome, Approver: r.Approver,
			Message: r.Message, Attempt: info.Attempt,
		})
	}
	a.Recorder.Record(ctx, events...)
	return nil
}
