package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
)

// The approval gate: approval steps, the approval guardrails.above_limit
// asks for, and the binding of an approval to the targets it named. The
// approve update that decides them is in approval_update.go, the checks of
// signed decisions in approval_sign.go.

// pendingApproval is an approval step waiting for its decision.
type pendingApproval struct {
	step     *playbook.Step
	info     PendingApproval
	decision *ApprovalRecord
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
	var scoped *preview
	if since(ctx, versionApprovalScope) {
		scoped = r.previewScope(ctx, s)
		p.info.Targets, p.info.Connections = scoped.targets, scoped.conns
		if scoped.first != nil {
			p.info.ForStep = scoped.first.ID
		}
	} else if next := r.following(s, loop); next != nil {
		if targets, ok := r.previewTargets(ctx, next, loop); ok {
			p.info.Targets, p.info.ForStep = targets, next.ID
		}
	}
	if r.input.Options.DryRun {
		// A plan never waits for people: it records what would be asked,
		// and plans the steps after it as if it were approved, so a write
		// the approval would not cover fails the plan too.
		if scoped != nil {
			r.approve(s, scoped)
		}
		return &outcome{status: playbook.StatusPlanned, output: map[string]any{
			"decision": "planned", "message": msg, "targets": toAny(p.info.Targets), "for_step": p.info.ForStep}}, nil
	}
	out, err := r.awaitDecision(ctx, s, p)
	if err == nil && scoped != nil && p.decision.Decision == playbook.Approved {
		r.approve(s, scoped)
	}
	return out, err
}

// approve binds what an approved approval showed: the first step keeps
// its exact binding to its own targets; the union binds every destructive
// step after the approval (approval_scope.go).
func (r *run) approve(s *playbook.Step, scoped *preview) {
	if scoped.first != nil {
		r.bound[scoped.first.ID] = scoped.firstSet
	}
	r.scope = &ApprovalScope{Step: s.ID, Targets: scoped.targets, On: scoped.on}
}

func (r *run) awaitDecision(ctx workflow.Context, s *playbook.Step, p *pendingApproval) (*outcome, error) {
	if t := s.Approval.Timeout; t > 0 {
		d := workflow.Now(ctx).Add(t)
		p.info.Deadline = &d
		p.info.OnTimeout = s.Approval.OnTimeout
	}
	p.info.AskedAt, p.info.TargetsSHA256 = workflow.Now(ctx), signing.TargetsHash(p.info.Targets)
	p.info.SignedOnly = r.policy.RequireSigned
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
			p.decision = &ApprovalRecord{Decision: s.Approval.OnTimeout.Outcome(), Approver: "timeout", At: workflow.Now(ctx),
				Targets: p.info.Targets, ForStep: p.info.ForStep, Comment: "no decision within " + t.String()}
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
	r.audit(ctx, AuditRecord{Kind: AuditApproval, Step: s.ID, Outcome: string(rec.Decision), Approver: rec.Approver, Message: rec.Comment})
	if rec.ForStep != "" && rec.Decision == playbook.Approved {
		r.bound[rec.ForStep] = rec.Targets
	}
	out := map[string]any{"decision": string(rec.Decision), "approver": rec.Approver, "comment": rec.Comment,
		"at": rec.At, "targets": toAny(rec.Targets)}
	if rec.Decision == playbook.Rejected {
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

// previewTargets computes a plain action step's targets in the current
// state, for an approval that precedes it: the canonical targets the guard
// allows, which is the set the step will compare with what was approved.
func (r *run) previewTargets(ctx workflow.Context, s *playbook.Step, loop *loopVars) ([]string, bool) {
	if s.Kind != playbook.KindAction || s.Foreach != nil {
		return nil, false
	}
	a, ok := r.reg.Lookup(s.Action)
	if !ok || !a.Destructive {
		return nil, false
	}
	params, err := r.evalParams(s.With, loop)
	if err != nil {
		return nil, false
	}
	if !gated(ctx, canonicalVersion) {
		targets, err := targetsOf(a, params)
		if err != nil {
			return nil, false
		}
		return targets, true
	}
	_, g, err := r.judge(ctx, s, nil, a, params)
	if err != nil {
		return nil, false
	}
	return g.Allowed, true
}

// describeTargets names the first targets of an approval (login and
// status of users) with a local activity. Failing to read them never
// holds the approval up: the ids are shown instead.
func (r *run) describeTargets(ctx workflow.Context, p *pendingApproval) {
	if !r.visible || len(p.info.Targets) == 0 || p.info.ForStep == "" {
		return
	}
	st, ok := r.byID[p.info.ForStep]
	if !ok {
		return
	}
	a, ok := r.reg.Lookup(st.Action)
	if !ok || a.Targets == nil {
		return
	}
	req := action.DescribeRequest{Kind: a.Targets.Kind, Targets: p.info.Targets[:min(len(p.info.Targets), action.DescribeLimit)]}
	var infos []action.TargetInfo
	var err error
	if conn := p.info.Connections[p.info.ForStep]; conn != "" && conn != connections.Default {
		// Another connection's users are read by its own workers.
		opts := remoteOptions(describeOptions, "describe targets of "+p.info.ForStep)
		routeTo(&opts, conn, r.served[conn])
		err = r.answered(conn, workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), action.DescribeActivity, req).Get(ctx, &infos))
	} else {
		lctx := workflow.WithLocalActivityOptions(ctx, describeOptions)
		err = workflow.ExecuteLocalActivity(lctx, action.DescribeActivity, req).Get(ctx, &infos)
	}
	if err != nil {
		workflow.GetLogger(ctx).Warn("approval targets could not be described; showing ids", "step", p.step.ID, "error", err)
		return
	}
	p.info.TargetInfo = infos
}

// approvalAwait waits for decided or the approval's timeout, with the
// timer summarised for the Temporal UI.
func (r *run) approvalAwait(ctx workflow.Context, s *playbook.Step, decided func() bool) (bool, error) {
	t := s.Approval.Timeout
	if !r.visible {
		return workflow.AwaitWithTimeout(ctx, t, decided)
	}
	return workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      t,
		TimerOptions: workflow.TimerOptions{Summary: TimerSummary(s.ID, t)},
	}, decided)
}

// limitApproval is the approval that guardrails.above_limit: approval asks
// for when a step names more targets than max_targets: a gate step
// <id>-limit, listed among the run's steps, bound to the step's targets
// like an approval step placed before it.
func (r *run) limitApproval(ctx workflow.Context, s *playbook.Step, msg string, targets []string) error {
	gate := &playbook.Step{ID: s.ID + "-limit", Kind: playbook.KindApproval,
		Approval: &playbook.Approval{OnTimeout: playbook.Reject}}
	p := &pendingApproval{step: gate, info: PendingApproval{Step: gate.ID, Message: msg + ": approve these targets?",
		Targets: targets, ForStep: s.ID}}
	if r.routed {
		p.info.Connections = map[string]string{s.ID: r.connectionOf(s)}
	}
	r.byID[gate.ID] = &StepStatus{ID: gate.ID, Kind: string(playbook.KindApproval), Status: playbook.StatusRunning}
	r.status.Steps = append(r.status.Steps, r.byID[gate.ID])
	out, err := r.awaitDecision(ctx, gate, p)
	r.byID[gate.ID].Output = out.output
	r.byID[gate.ID].Status = playbook.StatusSucceeded
	if err != nil {
		r.byID[gate.ID].Status = playbook.StatusRejected
	}
	return err
}

// checkBound fails a step whose targets differ from the set its approval
// named, instead of acting on targets nobody approved.
func (r *run) checkBound(s *playbook.Step, allowed []string) error {
	approved, ok := r.bound[s.ID]
	if !ok {
		return nil
	}
	added, removed := diff(approved, allowed)
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	return &stepFailure{msg: fmt.Sprintf("step %s: targets differ from the approved set (not approved: [%s]; approved but gone: [%s]); nothing was changed",
		s.ID, strings.Join(added, ", "), strings.Join(removed, ", "))}
}

// diff returns what b has that a lacks, and what a has that b lacks, in
// their order. Sets keep it linear: an approved set may hold thousands.
func diff(a, b []string) (added, removed []string) {
	inA, inB := make(map[string]bool, len(a)), make(map[string]bool, len(b))
	for _, x := range a {
		inA[x] = true
	}
	for _, x := range b {
		inB[x] = true
		if !inA[x] {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !inB[x] {
			removed = append(removed, x)
		}
	}
	return added, removed
}
