package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// runDestructive applies the engine's guardrails to a destructive action:
// its targets and guarded parameters are canonicalised (targets.go),
// protected targets are dropped (reported as outcome protected) and a
// protected group or zone refuses the step, the blast-radius limit is
// enforced or escalated to an approval, an approval bound to this step must
// match the targets exactly, and a dry run records a plan instead of
// acting. The action then runs on exactly the canonical targets that were
// checked.
func (r *run) runDestructive(ctx workflow.Context, s *playbook.Step, a *action.Action, params map[string]any, loop *loopVars) (*outcome, error) {
	if !gated(ctx, canonicalVersion) {
		return r.runDestructiveV0(ctx, s, a, params, loop)
	}
	c, g, err := r.judge(ctx, s, loop, a, params)
	if err != nil {
		if g != nil && !r.input.Options.DryRun {
			countRefused(ctx, c, g)
			r.audit(ctx, AuditRecord{Kind: AuditRefusal, Step: s.ID, Action: a.Name, Outcome: refusalReasonOf(c, g), Message: g.Refused})
		}
		return nil, err
	}
	if err := r.checkBound(s, g.Allowed); err != nil {
		return nil, err
	}
	if err := r.checkScope(s, g.Allowed); err != nil {
		return nil, err
	}
	if err := r.checkLimit(ctx, s, a, g); err != nil {
		return nil, err
	}
	if err := r.checkCounts(ctx, s, a, g, loop); err != nil {
		return nil, err
	}
	applyCanonical(a, params, c, g.Allowed)
	if r.input.Options.DryRun {
		out := r.plan(s, a, params, g)
		addNotFound(out, c.notFound)
		return out, nil
	}
	countProtected(ctx, a.Targets.Kind, g.Protected)
	r.auditProtected(ctx, s, a, g.Protected)
	var out *outcome
	switch {
	case len(g.Allowed) == 0 && len(c.notFound) > 0 && len(g.Protected) == 0:
		x := c.notFound[0]
		return nil, &stepFailure{msg: fmt.Sprintf("step %s: %s failed: %s; nothing was changed", s.ID, a.Title, x.Reason)}
	case len(g.Allowed) == 0 && len(g.Protected) > 0 && a.Targets.Kind == action.TargetNew:
		return nil, &stepFailure{msg: fmt.Sprintf("step %s: %s is refused: %s (%s); nothing was changed", s.ID, a.Title, g.Protected[0].Target, g.Protected[0].Reason)}
	case len(g.Allowed) == 0 && len(g.Protected) > 0:
		out = &outcome{bulk: action.NewBulkResult()}
	default:
		out, err = r.callAction(ctx, s, a, params, loop)
		if err != nil {
			return nil, err
		}
	}
	addProtected(out, g.Protected)
	addNotFound(out, c.notFound)
	r.recordTargets(ctx, a, g.Allowed)
	if s.UndoAfter > 0 && a.Undo != "" {
		r.scheduleUndo(ctx, s, a, params, out)
	}
	return out, nil
}

// judge canonicalises a destructive step's targets and asks the guard
// about them. A guarded parameter that names nothing, or names something
// protected, refuses the step before anything is written (the guard's
// answer then comes with the error, for the refusal count).
func (r *run) judge(ctx workflow.Context, s *playbook.Step, loop *loopVars, a *action.Action, params map[string]any) (*canonical, *action.GuardResult, error) {
	c, err := r.canonicalize(ctx, s, loop, a, params)
	if err != nil {
		return nil, nil, err
	}
	if c.missing != "" {
		return nil, nil, &stepFailure{msg: fmt.Sprintf("step %s: %s; nothing was changed", s.ID, c.missing)}
	}
	req := action.GuardRequest{Action: a.Name, Kind: a.Targets.Kind, Targets: c.targets, Scopes: c.scopes}
	if req.Targets == nil {
		req.Targets = []string{}
	}
	g, err := r.guard(ctx, s, req)
	if err != nil {
		return nil, nil, err
	}
	if g.Refused != "" {
		return c, g, &stepFailure{msg: fmt.Sprintf("step %s: %s is refused: %s; nothing was changed", s.ID, a.Title, g.Refused)}
	}
	return c, g, nil
}

func isList(a *action.Action, params map[string]any) bool {
	p, _ := a.Param(a.Targets.Param)
	return p.Type == action.TypeStringList
}

// targetsOf reads a destructive action's raw targets (histories before
// canonical targets).
func targetsOf(a *action.Action, params map[string]any) ([]string, error) {
	return paramValues(a, a.Targets.Param, params)
}

// guard asks the worker's guardrail configuration which targets are
// protected. It runs as a local activity: cheap, and recorded in history
// like any other decision.
func (r *run) guard(ctx workflow.Context, s *playbook.Step, req action.GuardRequest) (*action.GuardResult, error) {
	var g action.GuardResult
	var err error
	if r.onOtherConnection(s) {
		// Another connection's guardrails live with its workers.
		opts := remoteOptions(guardOptions, s.ID+": guardrails")
		conn := r.route(&opts, s)
		err = r.answered(conn, workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), action.GuardActivity, req).Get(ctx, &g))
	} else {
		lctx := workflow.WithLocalActivityOptions(ctx, guardOptions)
		err = workflow.ExecuteLocalActivity(lctx, action.GuardActivity, req).Get(ctx, &g)
	}
	if err != nil {
		return nil, fmt.Errorf("step %s: guardrails: %w", s.ID, err)
	}
	return &g, nil
}

// checkLimit enforces max_targets over the distinct canonical targets,
// protected ones included: above it the step fails before any Okta call,
// or, with guardrails.above_limit: approval, asks for an approval listing
// the targets.
func (r *run) checkLimit(ctx workflow.Context, s *playbook.Step, a *action.Action, g *action.GuardResult) error {
	limit := r.stepLimit(s, g)
	// Protected targets count: a list padded with protected users must not
	// slip a larger set under the limit.
	total := len(g.Allowed) + len(g.Protected)
	if limit <= 0 || total <= limit {
		return nil
	}
	if _, approved := r.bound[s.ID]; approved {
		return nil
	}
	msg := fmt.Sprintf("step %s (%s) would act on %d targets, above the limit of %d", s.ID, a.Title, total, limit)
	if len(g.Protected) > 0 {
		msg = fmt.Sprintf("step %s (%s) names %d distinct targets (%d of them protected), above the limit of %d", s.ID, a.Title, total, len(g.Protected), limit)
	}
	if r.pb.Guardrails.AboveLimit != playbook.AboveLimitApproval {
		count(ctx, MetricGuardrailRefusals, map[string]string{"reason": RefusalMaxTargets})
		r.audit(ctx, AuditRecord{Kind: AuditRefusal, Step: s.ID, Action: a.Name, Outcome: RefusalMaxTargets, Message: msg})
		return &stepFailure{msg: msg + " (guardrails.max_targets); nothing was changed"}
	}
	return r.limitApproval(ctx, s, msg, g.Allowed)
}

// plan records what a destructive step would do; later steps see an output
// of the same shape as the real one, with outcome planned.
func (r *run) plan(s *playbook.Step, a *action.Action, params map[string]any, g *action.GuardResult) *outcome {
	p := &Plan{Action: a.Name, Title: a.Title, Targets: g.Allowed, Params: params, Calls: a.PlanCalls(params, g.Allowed)}
	out := &outcome{status: playbook.StatusPlanned, plan: p}
	if isList(a, params) {
		b := action.NewBulkResult()
		b.Status = string(playbook.StatusPlanned)
		for _, t := range g.Allowed {
			b.Results = append(b.Results, action.ItemResult{ID: t, OK: true, Outcome: action.OutcomePlanned})
		}
		b.Succeeded = append(b.Succeeded, g.Allowed...)
		out.bulk = b
		addProtected(out, g.Protected)
		return out
	}
	m := map[string]any{"id": "planned:" + s.ID, "planned": true}
	for k, v := range params {
		m[k] = v
	}
	out.output = m
	return out
}

// addProtected reports refused targets in a bulk result. An action that
// answers an object (create_zone's zone) gets the same two keys on it.
func addProtected(out *outcome, protected []action.ProtectedEntry) {
	if len(protected) == 0 {
		return
	}
	items := make([]action.ItemResult, len(protected))
	for i, p := range protected {
		items[i] = action.ItemResult{ID: p.Target, Outcome: action.OutcomeProtected, Message: p.Reason}
	}
	if b := out.bulk; b != nil {
		b.Results = append(b.Results, items...)
		b.Protected = len(protected)
		return
	}
	if m, ok := out.output.(map[string]any); ok {
		results, _ := m["results"].([]any)
		extra, _ := action.Plain(items).([]any)
		m["results"], m["protected"] = append(results, extra...), len(protected)
	}
}

// recordTargets adds acted-on users and IPs to the CordonTarget search
// attribute, so `cordon list --target` and the UI find every run that
// touched one. Temporal caps a search attribute's value at 2 KiB, so the
// list stops growing at maxSearchBytes; the run's result still lists every
// target.
func (r *run) recordTargets(ctx workflow.Context, a *action.Action, targets []string) {
	if a.Targets.Kind != action.TargetUsers && a.Targets.Kind != action.TargetIPs {
		return
	}
	before := len(r.targets)
	for _, t := range targets {
		if slices.Contains(r.targets, t) {
			continue
		}
		if r.targetBytes+len(t)+3 > maxSearchBytes {
			break
		}
		r.targets = append(r.targets, t)
		r.targetBytes += len(t) + 3 // quotes and comma in the JSON list
	}
	if len(r.targets) == before {
		return
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, SearchTarget.ValueSet(r.targets))
}

// maxSearchBytes keeps CordonTarget under Temporal's 2 KiB limit per
// search attribute value.
const maxSearchBytes = 1800
