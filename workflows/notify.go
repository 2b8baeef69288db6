package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// NotifyActivity tells people that an approval waits: the worker posts
// the notice to its outgoing webhooks (internal/notify). The run never
// waits for it; a failed delivery is retried for about ten minutes and
// then only logged.
const NotifyActivity = "cordon.notify_approval"

// NoticeUndoFailed is the Kind of the notice an undo that gave up sends.
const NoticeUndoFailed = "undo_failed"

// ApprovalNotice is NotifyActivity's input, and the body of a plain JSON
// webhook.
type ApprovalNotice struct {
	// Kind is "" for an approval that waits, NoticeUndoFailed for an undo
	// that gave up (Message says what stays changed, TargetLines which).
	Kind        string   `json:"kind,omitempty"`
	Run         string   `json:"run"`
	Playbook    string   `json:"playbook"`
	Step        string   `json:"step"`
	Message     string   `json:"message"`
	ForStep     string   `json:"for_step,omitempty"`
	TargetCount int      `json:"target_count"`
	TargetLines []string `json:"target_lines,omitempty"` // first 20 with login and status
	// Connections is ConnectionsLine: which Okta org the steps act on.
	Connections string     `json:"connections,omitempty"`
	Approvers   []string   `json:"approvers,omitempty"`
	Deadline    *time.Time `json:"deadline,omitempty"`
	AskedAt     time.Time  `json:"asked_at"`
	// Link is the run's approvals page; empty when none is configured.
	Link string `json:"link,omitempty"`
	// Decide is the command that decides it (DecideHint).
	Decide string `json:"decide,omitempty"`
}

// notify starts NotifyActivity for a pending approval and lets the run go
// on; the outcome is only logged.
func (r *run) notify(ctx workflow.Context, p *pendingApproval) {
	if !r.visible {
		return
	}
	actx := workflow.WithActivityOptions(ctx, notifyOptions("notify approval "+p.step.ID))
	n := ApprovalNotice{Run: r.status.WorkflowID, Playbook: r.pb.Name, Step: p.step.ID, Message: p.info.Message,
		ForStep: p.info.ForStep, TargetCount: len(p.info.Targets), TargetLines: TargetLines(p.info),
		Connections: ConnectionsLine(p.info), Approvers: p.info.Approvers, Deadline: p.info.Deadline, AskedAt: p.info.AskedAt,
		Link: ApprovalLink(r.approvalsURL, r.status.WorkflowID), Decide: DecideHint(r.status.WorkflowID, p.info)}
	f := workflow.ExecuteActivity(actx, NotifyActivity, n)
	workflow.Go(ctx, func(gctx workflow.Context) {
		if err := f.Get(gctx, nil); err != nil && !temporal.IsCanceledError(err) {
			workflow.GetLogger(gctx).Warn("approval notification failed; the approval waits as usual", "step", p.step.ID, "error", err)
		}
	})
}
