package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"
)

// The approve update: how a decision reaches a waiting approval (see
// approval.go), and the checks that refuse one before it is recorded.

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
				Decision: d.Choice().Outcome(), Approver: strings.TrimSpace(d.Approver), Comment: d.Comment,
				At: workflow.Now(ctx), Targets: p.info.Targets, ForStep: p.info.ForStep, SignedWith: d.KeyID,
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
			if err := r.checkIdentity(d, p); err != nil {
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
	// approvers: may name the canonical identity (the Okta user id) too.
	byID := d.ApproverID != "" && MayDecide(a.Approvers, d.ApproverID, nil)
	if len(a.Approvers) > 0 && !MayDecide(a.Approvers, approver, d.Groups) && !byID {
		if d.Signature == "" && slices.ContainsFunc(a.Approvers, func(n string) bool { return strings.HasPrefix(strings.TrimSpace(n), "group:") }) {
			// An unsigned decision (--as) carries no groups, so a
			// member of the group is refused too: say why.
			return fmt.Errorf("step %s is decided by group members (approvers: %s), and group membership is only taken from a signed decision: "+
				"run cordon login, then cordon approve without --as, or decide on the approvals page of cordon serve", p.step.ID, strings.Join(a.Approvers, ", "))
		}
		return fmt.Errorf("%s may not decide step %s (approvers: %s)", approver, p.step.ID, strings.Join(a.Approvers, ", "))
	}
	if !d.Reject && !a.AllowSelf && sameActor(approver, r.input.Options.StartedBy) {
		return fmt.Errorf("%s started this run and may not approve it: step %s needs a second person (four eyes)", approver, p.step.ID)
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
	id, err := OnlyPending(open)
	if err != nil {
		return nil, err
	}
	return r.approvals[id], nil
}
