package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// canonicalVersion gates canonical targets (resolve before guard) for
// histories recorded before it: those replay with the raw targets.
const canonicalVersion = "canonical-targets"

// canonical is a destructive step's targets and guarded parameters in
// canonical form: users, groups and zones as Okta IDs, IPs as canonical
// CIDRs, each list distinct in first-seen order. The guard, the
// blast-radius count, the approval and the action all see these.
type canonical struct {
	targets  []string
	notFound []action.ProtectedEntry // spellings that name nothing in Okta, with why
	scopes   []action.Scope
	// missing says why a guarded parameter (a group, a zone) could not be
	// resolved; the step then changes nothing.
	missing string
}

// resolveKey keys the per-run cache of resolved spellings.
func resolveKey(kind action.TargetKind, given string) string {
	return string(kind) + "\x00" + strings.TrimSpace(given)
}

// canonicalize reads the action's guarded parameters (Action.Guarded) and
// turns every value into its canonical form, reading Okta through the
// cordon.resolve activity for what is not already an ID. Answers are cached
// for the run, so a foreach over the same users resolves each once.
func (r *run) canonicalize(ctx workflow.Context, s *playbook.Step, loop *loopVars, a *action.Action, params map[string]any) (*canonical, error) {
	c := &canonical{}
	lists := map[string][]string{}
	var need []action.Guarded
	for _, g := range a.Guarded() {
		raw, err := paramValues(a, g.Param, params)
		if err != nil {
			return nil, fmt.Errorf("step %s: with.%s: %w", s.ID, g.Param, err)
		}
		lists[g.Param] = raw
		need = append(need, g)
	}
	if err := r.resolveAll(ctx, s, loop, need, lists); err != nil {
		return nil, err
	}
	for i, g := range need {
		ids, missing, err := r.lookup(g.Kind, lists[g.Param])
		if err != nil {
			return nil, fmt.Errorf("step %s: with.%s: %w", s.ID, g.Param, err)
		}
		if i == 0 && a.Targets != nil {
			c.targets, c.notFound = ids, missing
			continue
		}
		if len(missing) > 0 && c.missing == "" {
			c.missing = fmt.Sprintf("with.%s: %s", g.Param, missing[0].Reason)
		}
		c.scopes = append(c.scopes, action.Scope{Param: g.Param, Kind: g.Kind, Values: ids})
	}
	return c, nil
}

// paramValues reads one guarded parameter as a list of spellings.
func paramValues(a *action.Action, name string, params map[string]any) ([]string, error) {
	p, _ := a.Param(name)
	if p.Type != action.TypeStringList {
		v, ok := params[name]
		if !ok || v == nil {
			return nil, nil
		}
		str, err := action.ScalarString(v)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(str) == "" {
			return nil, nil
		}
		return []string{str}, nil
	}
	return action.ParseList(params[name])
}

// resolveAll resolves, in one activity call per kind, every spelling not
// yet in the run's cache that is not already canonical. Only answers are
// cached: foreach items in flight at once may each ask for the same
// spelling, which costs a read, never a wrong answer.
func (r *run) resolveAll(ctx workflow.Context, s *playbook.Step, loop *loopVars, need []action.Guarded, lists map[string][]string) error {
	if r.resolved == nil {
		r.resolved = map[string]action.Resolved{}
	}
	byKind := map[action.TargetKind][]string{}
	asked := map[string]bool{}
	var kinds []action.TargetKind
	for _, g := range need {
		if g.Kind == action.TargetIPs {
			continue
		}
		for _, t := range lists[g.Param] {
			if _, ok := action.CanonicalID(g.Kind, t); ok {
				continue
			}
			k := resolveKey(g.Kind, t)
			if _, ok := r.resolved[k]; ok || asked[k] {
				continue
			}
			asked[k] = true
			if byKind[g.Kind] == nil {
				kinds = append(kinds, g.Kind)
			}
			byKind[g.Kind] = append(byKind[g.Kind], strings.TrimSpace(t))
		}
	}
	for _, kind := range kinds {
		opts := resolveOptions
		opts.ActivityID = activityID(s.ID, loop, -1) + "-resolve-" + string(kind)
		opts.Summary = s.ID + ": resolve " + string(kind)
		conn := r.route(&opts, s)
		actx := workflow.WithActivityOptions(ctx, opts)
		var res action.ResolveResult
		req := action.ResolveRequest{Kind: kind, Targets: byKind[kind]}
		if err := r.answered(conn, workflow.ExecuteActivity(actx, action.ResolveActivity, req).Get(ctx, &res)); err != nil {
			return fmt.Errorf("step %s: resolving %s: %w", s.ID, kind, err)
		}
		for _, x := range res.Resolved {
			r.resolved[resolveKey(kind, x.Given)] = x
		}
	}
	return nil
}

// lookup maps spellings to distinct canonical IDs, in first-seen order,
// listing the spellings that name nothing. New users (create_user_in_group)
// that do not exist yet keep their trimmed, lower-cased email.
func (r *run) lookup(kind action.TargetKind, raw []string) (ids []string, missing []action.ProtectedEntry, err error) {
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, t := range raw {
		if kind == action.TargetIPs {
			e, err := action.ParseIPEntry(t)
			if err != nil {
				return nil, nil, err
			}
			add(e.String())
			continue
		}
		if id, ok := action.CanonicalID(kind, t); ok {
			add(id)
			continue
		}
		res := r.resolved[resolveKey(kind, t)]
		switch {
		case res.ID != "":
			add(res.ID)
		case kind == action.TargetNew:
			add(strings.ToLower(strings.TrimSpace(t)))
		default:
			msg := res.Message
			if msg == "" {
				msg = "not found"
			}
			missing = append(missing, action.ProtectedEntry{Target: strings.TrimSpace(t), Reason: msg})
		}
	}
	return ids, missing, nil
}

// applyCanonical rewrites the step's parameters to the canonical values the
// guard judged: the allowed targets (list actions) and the guarded
// parameters, so the action acts on exactly what was checked.
func applyCanonical(a *action.Action, params map[string]any, c *canonical, allowed []string) {
	if a.Targets != nil && a.Targets.Kind != action.TargetNew {
		if isList(a, params) {
			params[a.Targets.Param] = toAny(allowed)
		} else if len(allowed) == 1 {
			params[a.Targets.Param] = allowed[0]
		}
	}
	for _, sc := range c.scopes {
		p, _ := a.Param(sc.Param)
		switch {
		case p.Type == action.TypeStringList:
			params[sc.Param] = toAny(sc.Values)
		case len(sc.Values) == 1:
			params[sc.Param] = sc.Values[0]
		}
	}
}

// addNotFound reports spellings that name nothing as failed items
// (outcome not_found); nothing was sent to Okta for them.
func addNotFound(out *outcome, missing []action.ProtectedEntry) {
	b := out.bulk
	if b == nil || len(missing) == 0 {
		return
	}
	for _, x := range missing {
		b.Results = append(b.Results, action.ItemResult{ID: x.Target, Outcome: action.OutcomeNotFound, Message: x.Reason})
		b.Failed = append(b.Failed, x.Target)
	}
	if len(b.Succeeded) == 0 {
		b.Status = action.StatusFailed
	} else {
		b.Status = action.StatusPartiallySuccessful
		if out.status == "" {
			out.status = playbook.StatusPartiallySucceeded
		}
	}
}
