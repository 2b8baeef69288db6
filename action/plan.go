package action

import (
	"fmt"
	"strconv"
	"strings"
)

// PlanText phrases what the action would do to n targets, from PlanWords:
// "add 3 users to group 00g1".
func (a *Action) PlanText(params map[string]any, n int) string {
	return strings.ReplaceAll(a.fill(a.PlanWords, params), "{n}", strconv.Itoa(n))
}

// PlanCalls lists the Okta calls a dry run shows for the action over
// targets, from PlanCall: one per target when it names {target}.
func (a *Action) PlanCalls(params map[string]any, targets []string) []string {
	call := a.fill(a.PlanCall, params)
	if !strings.Contains(call, "{target}") {
		return []string{call}
	}
	calls := make([]string, 0, len(targets))
	for _, t := range targets {
		calls = append(calls, strings.ReplaceAll(call, "{target}", t))
	}
	return calls
}

// fill puts the step's string parameters into a plan template's
// {param} placeholders.
func (a *Action) fill(s string, params map[string]any) string {
	for _, p := range a.Params {
		if v, ok := params[p.Name].(string); ok {
			s = strings.ReplaceAll(s, "{"+p.Name+"}", v)
		}
	}
	return s
}

// UndoParams is the request of the action's undo (Undo) for the targets
// the step changed: those targets, the step's UndoKeep parameters and the
// fixed UndoSet ones.
func (a *Action) UndoParams(params map[string]any, changed []string) map[string]any {
	targets := make([]any, len(changed))
	for i, t := range changed {
		targets[i] = t
	}
	out := map[string]any{a.Targets.Param: targets}
	for _, k := range a.UndoKeep {
		if v, ok := params[k]; ok {
			out[k] = v
		}
	}
	for k, v := range a.UndoSet {
		out[k] = v
	}
	return out
}

// checkMeta holds an action's plan, zone and undo metadata to what the
// workflow needs: a destructive action says how a plan phrases it, a zone
// write names its zone, and an undo keeps only declared parameters.
func (a *Action) checkMeta() error {
	if a.Destructive && (a.PlanWords == "" || a.PlanCall == "") {
		return fmt.Errorf("destructive action %s has no PlanWords or PlanCall, so a dry run could not describe it", a.Name)
	}
	if _, ok := a.Param(ParamZoneID); a.ZoneWrite && !ok {
		return fmt.Errorf("action %s is a zone write without a %s parameter", a.Name, ParamZoneID)
	}
	if (a.Undo != "" || len(a.UndoKeep) > 0 || len(a.UndoSet) > 0) && a.Targets == nil {
		return fmt.Errorf("action %s has an undo but no targets to undo", a.Name)
	}
	for _, k := range a.UndoKeep {
		if _, ok := a.Param(k); !ok {
			return fmt.Errorf("action %s: undo keeps parameter %s, which it does not declare", a.Name, k)
		}
	}
	return nil
}
