package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// Replay-only paths: the code that histories recorded before a change
// (their version gate answered DefaultVersion) still run when they are
// replayed. New runs never take them. Each names the change ID it serves;
// the IDs are in versions.go.
//
//	runDestructiveV0  canonicalVersion (canonical targets)

// runDestructiveV0 is runDestructive for histories recorded before
// canonical targets (canonicalVersion): raw targets, the group alone.
func (r *run) runDestructiveV0(ctx workflow.Context, s *playbook.Step, a *action.Action, params map[string]any, loop *loopVars) (*outcome, error) {
	targets, err := targetsOf(a, params)
	if err != nil {
		return nil, fmt.Errorf("step %s: with.%s: %w", s.ID, a.Targets.Param, err)
	}
	group, _ := params[action.ParamGroupID].(string)
	g, err := r.guard(ctx, s, action.GuardRequest{Action: a.Name, Kind: a.Targets.Kind, Targets: targets, Group: group})
	if err != nil {
		return nil, err
	}
	if g.Refused != "" {
		return nil, &stepFailure{msg: fmt.Sprintf("step %s: %s; nothing was changed", s.ID, g.Refused)}
	}
	if err := r.checkBound(s, g.Allowed); err != nil {
		return nil, err
	}
	if err := r.checkLimit(ctx, s, a, g); err != nil {
		return nil, err
	}
	if r.input.Options.DryRun {
		return r.plan(s, a, params, g), nil
	}
	var out *outcome
	if len(g.Allowed) == 0 && len(targets) > 0 {
		out = &outcome{bulk: action.NewBulkResult()}
	} else {
		if isList(a, params) {
			params[a.Targets.Param] = toAny(g.Allowed)
		}
		out, err = r.callAction(ctx, s, a, params, loop)
		if err != nil {
			return nil, err
		}
	}
	addProtected(out, g.Protected)
	r.recordTargets(ctx, a, g.Allowed)
	if s.UndoAfter > 0 && a.Undo != "" {
		r.scheduleUndo(ctx, s, a, params, out)
	}
	return out, nil
}
