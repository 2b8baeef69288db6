package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
)

// pendingApproval is an approval step waiting for its decision.
type pendingApproval struct {
	step     *playbook.Step
	info     PendingApproval
	decision *ApprovalRecord
}

// registerHandlers installs the status query and the approve update.
func (r *run) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (*RunStatus, error) {
		return r.report(), nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateApprove,
		func(ctx workflow.Context, d Decision) (*ApprovalRecord, error) {
			p, err := r.validateDecision(d)
			if err != nil {
				return nil, err
			}
			rec := &ApprovalRecord{
				Decision: "approved", Approver: strings.TrimSpace(d.Approver), Comment: d.Comment,
				At: workflow.Now(ctx), Targets: p.info.Targets, ForStep: p.info.ForStep, SignedWith: d.KeyID,
			}
			if d.Reject {
				rec.Decision = "rejected"
			}
			p.decision = rec
			return rec, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(d Decision) error {
			p, err := r.pendingDecision(d)
			if err != nil {
				return err
			}
			if err := r.checkSignature(d, p); err != nil {
				return err
			}
			return r.checkApprover(d, p)
		}})
}

// validateDecision refuses a decision before it reaches history: unknown
// step, nothing pending, a repeated decision, someone not on the approver
// list, or the run's own starter approving (four-eyes) unless the step
// allows it.
//
// The validator also checks the decision's signature (approval_sign.go)
// before the approver: group:NAME entries match only signed groups.
func (r *run) validateDecision(d Decision) (*pendingApproval, error) {
	p, err := r.pendingDecision(d)
	if err != nil {
		return nil, err
	}
	return p, r.checkApprover(d, p)
}

// pendingDecision finds the approval a decision is for.
func (r *run) pendingDecision(d Decision) (*pendingApproval, error) {
	if strings.TrimSpace(d.Approver) == "" {
		return nil, errors.New("the decision names no approver (approver is required)")
	}
	p, err := r.pendingFor(d.Step)
	if err != nil {
		return nil, err
	}
	if p.decision != nil {
		return nil, fmt.Errorf("step %s was already %s by %s", p.step.ID, p.decision.Decision, p.decision.Approver)
	}
	return p, nil
}

// checkApprover applies approvers: and four eyes.
func (r *run) checkApprover(d Decision, p *pendingApproval) error {
	approver := strings.TrimSpace(d.Approver)
	a := p.step.Approval
	if len(a.Approvers) > 0 && !MayDecide(a.Approvers, approver, d.Groups) {
		return fmt.Errorf("%s may not decide step %s (approvers: %s)", approver, p.step.ID, strings.Join(a.Approvers, ", "))
	}
	if !d.Reject && !a.AllowSelf && sameActor(approver, r.input.Options.StartedBy) {
		return fmt.Errorf("%s started this run and may not approve it (step %s needs a second person; set allow_self: true to permit)", approver, p.step.ID)
	}
	return nil
}

func (r *run) pendingFor(step string) (*pendingApproval, error) {
	if step != "" {
		p, ok := r.approvals[step]
		if !ok {
			if _, known := r.byID[step]; !known {
				return nil, fmt.Errorf("no step %s in playbook %s", step, r.pb.Name)
			}
			return nil, fmt.Errorf("step %s is not awaiting approval", step)
		}
		return p, nil
	}
	var open []string
	for _, id := range sortedKeys(r.approvals) {
		if r.approvals[id].decision == nil {
			open = append(open, id)
		}
	}
	switch len(open) {
	case 0:
		return nil, errors.New("no approval is pending")
	case 1:
		return r.approvals[open[0]], nil
	}
	return nil, fmt.Errorf("approvals are pending for steps %s; the decision must name its step", strings.Join(open, ", "))
}

// runApproval waits for a decision, or for the timeout and its on_timeout.
// An approval directly before a destructive step is bound to that step's
// targets as computed now; the step later refuses to act on any other set.
func (r *run) runApproval(ctx workflow.Context, s *playbook.Step, loop *loopVars) (*outcome, error) {
	msg, err := evalString(s.Approval.Message, r.env(loop))
	if err != nil {
		return nil, fmt.Errorf("step %s: message: %w", s.ID, err)
	}
	p := &pendingApproval{step: s, info: PendingApproval{Step: s.ID, Message: msg, Approvers: s.Approval.Approvers}}
	if next := r.following(s, loop); next != nil {
		if targets, ok := r.previewTargets(ctx, next, loop); ok {
			p.info.Targets, p.info.ForStep = targets, next.ID
		}
	}
	if r.input.Options.DryRun {
		// A plan never waits for people: it records what would be asked.
		return &outcome{status: playbook.StatusPlanned, output: map[string]any{
			"decision": "planned", "message": msg, "targets": toAny(p.info.Targets), "for_step": p.info.ForStep}}, nil
	}
	return r.awaitDecision(ctx, s, p)
}

func (r *run) awaitDecision(ctx workflow.Context, s *playbook.Step, p *pendingApproval) (*outcome, error) {
	if t := s.Approval.Timeout; t > 0 {
		d := workflow.Now(ctx).Add(t)
		p.info.Deadline = &d
		p.info.OnTimeout = s.Approval.OnTimeout
	}
	p.info.AskedAt, p.info.TargetsSHA256 = workflow.Now(ctx), signing.TargetsHash(p.info.Targets)
	r.describeTargets(ctx, p)
	r.approvals[s.ID] = p
	r.status.PendingApprovals = append(r.status.PendingApprovals, p.info)
	r.byID[s.ID].Status = playbook.StatusWaitingApproval
	defer r.dropPending(s.ID)
	if err := r.showWaiting(ctx); err != nil {
		return nil, err
	}
	r.notify(ctx, p)

	decided := func() bool { return p.decision != nil }
	if t := s.Approval.Timeout; t > 0 {
		ok, err := r.approvalAwait(ctx, s, decided)
		if err != nil {
			return nil, err
		}
		if !ok {
			p.decision = &ApprovalRecord{Decision: "rejected", Approver: "timeout", At: workflow.Now(ctx),
				Targets: p.info.Targets, ForStep: p.info.ForStep, Comment: "no decision within " + t.String()}
			if s.Approval.OnTimeout == "approve" {
				p.decision.Decision = "approved"
			}
		}
	} else if err := workflow.Await(ctx, decided); err != nil {
		return nil, err
	}
	r.dropPending(s.ID)
	if err := r.showWaiting(ctx); err != nil {
		return nil, err
	}
	rec := p.decision
	r.byID[s.ID].Approval = rec
	r.audit(ctx, AuditRecord{Kind: AuditApproval, Step: s.ID, Outcome: rec.Decision, Approver: rec.Approver, Message: rec.Comment})
	if rec.ForStep != "" && rec.Decision == "approved" {
		r.bound[rec.ForStep] = rec.Targets
	}
	out := map[string]any{"decision": rec.Decision, "approver": rec.Approver, "comment": rec.Comment,
		"at": rec.At, "targets": toAny(rec.Targets)}
	if rec.Decision == "rejected" {
		return &outcome{output: out}, &rejectedError{step: s.ID, approver: rec.Approver, comment: rec.Comment}
	}
	return &outcome{output: out}, nil
}

func (r *run) dropPending(step string) {
	r.status.PendingApprovals = slices.DeleteFunc(r.status.PendingApprovals, func(p PendingApproval) bool {
		return p.Step == step
	})
}

// following returns the destructive action step an approval guards: the
// next one in the top-level sequence that would run (its if: holds now),
// unless another approval comes first.
func (r *run) following(s *playbook.Step, loop *loopVars) *playbook.Step {
	i := slices.Index(r.pb.Steps, s)
	if i < 0 {
		return nil
	}
	for _, t := range r.pb.Steps[i+1:] {
		if t.Kind == playbook.KindApproval {
			return nil
		}
		if runs, err := playbook.EvalBool(t.If, r.env(loop)); err != nil || !runs {
			continue
		}
		if a, ok := r.reg.Lookup(t.Action); ok && t.Kind == playbook.KindAction && a.Destructive {
			return t
		}
	}
	return nil
}
