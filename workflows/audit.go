package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// AuditActivity appends the run's own audit events (guardrail refusals,
// approval decisions) to the worker's audit trail (internal/audit). Okta
// writes are recorded by the Okta activities themselves.
const AuditActivity = "cordon.audit"

// Audit event kinds the workflow reports (internal/audit has the full list).
const (
	AuditRefusal  = "guardrail_refusal"
	AuditApproval = "approval_decision"
)

// AuditRequest is AuditActivity's input.
type AuditRequest struct {
	Playbook string        `json:"playbook"`
	Version  int           `json:"version"`
	Records  []AuditRecord `json:"records"`
}

// AuditRecord is one event as the workflow knows it; the activity adds
// the run's ids, the time and the event id.
type AuditRecord struct {
	Kind     string `json:"kind"`
	Step     string `json:"step"`
	Action   string `json:"action,omitempty"`
	Target   string `json:"target,omitempty"`
	Outcome  string `json:"outcome"`
	Approver string `json:"approver,omitempty"`
	Message  string `json:"message,omitempty"`
}

// audit hands records to the audit activity and waits for it, since a
// run that closed first would drop it. It never fails the run: the
// activity only logs a sink's failure, and a worker without a trail
// records nothing.
func (r *run) audit(ctx workflow.Context, records ...AuditRecord) {
	if len(records) == 0 || !gated(ctx, versionAudit) {
		return
	}
	actx := workflow.WithActivityOptions(ctx, auditOptions("audit "+records[0].Step))
	err := workflow.ExecuteActivity(actx, AuditActivity, AuditRequest{Playbook: r.pb.Name, Version: r.pb.Version, Records: records}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("audit events not recorded", "step", records[0].Step, "error", err)
	}
}

// auditProtected records each protected target a step left out.
func (r *run) auditProtected(ctx workflow.Context, s *playbook.Step, a *action.Action, protected []action.ProtectedEntry) {
	recs := make([]AuditRecord, 0, len(protected))
	for _, p := range protected {
		recs = append(recs, AuditRecord{Kind: AuditRefusal, Step: s.ID, Action: a.Name, Target: p.Target,
			Outcome: refusalReason(a.Targets.Kind), Message: p.Reason})
	}
	r.audit(ctx, recs...)
}
