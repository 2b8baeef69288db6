package playbook

import (
	"fmt"
	"sort"
	"strings"
)

// withScope is the scope of a step's with: item and index are bound when
// the step fans out.
func withScope(st *Step, sc *scope) *scope {
	if st.Foreach == nil {
		return sc
	}
	cp := *sc
	cp.loop = true
	return &cp
}

func (d *decoder) actionStep(st *Step, o *object, sc *scope) {
	n := o.val("action")
	name, ok := d.str(n, "action")
	if !ok {
		return
	}
	st.Action = name
	a, found := d.opts.Registry.Lookup(name)
	if !found {
		d.errs.add(n.pos, CheckUnknownAction, "unknown action %q%s", name, actionHint(name, d.opts.Registry.Names()))
		st.With = d.freeWith(o.val("with"), withScope(st, sc))
		return
	}
	st.With = d.params(a, o, withScope(st, sc))
	if o.has("undo_after") && a.Undo == "" {
		d.errs.add(o.keyPos("undo_after"), CheckUndoAfter, "undo_after: %s cannot be undone (only actions with an undo, such as okta.block_ips, okta.deactivate_users, okta.add_users_to_group)", name)
	}
	if o.has("max_targets") && !a.Destructive {
		d.errs.add(o.keyPos("max_targets"), CheckUnreachable, "max_targets has no effect: %s is not destructive", name)
	}
}

// actionHint suggests a registered action, allowing for a missing "okta."
// prefix, which a plain edit distance would judge too far.
func actionHint(name string, names []string) string {
	for _, n := range names {
		if n == "okta."+name {
			return fmt.Sprintf("; did you mean %q?", n)
		}
	}
	if h := suggest(name, names, false); h != "" {
		return h
	}
	return "; see `cordon schema` or docs/actions.md for the list"
}

// freeWith decodes a with: block without a parameter list to check against
// (child playbooks, unknown actions): only its expressions are checked.
func (d *decoder) freeWith(n *node, sc *scope) map[string]*Value {
	keys, vals := d.dict(n, "with")
	if keys == nil {
		return nil
	}
	out := make(map[string]*Value, len(keys))
	for i, k := range keys {
		out[k.str] = d.value(vals[i], sc)
	}
	return out
}

func (d *decoder) approval(n *node, sc *scope) *Approval {
	o := d.object(n, "approval", []string{"approvers", "message", "timeout", "on_timeout", "allow_self"})
	if o == nil {
		return nil
	}
	a := &Approval{OnTimeout: Reject}
	if v := o.val("approvers"); v != nil {
		a.Approvers = d.stringList(v, "approval.approvers")
	}
	if v := o.val("message"); v != nil && !(v.kind == scalarNode && v.tag == "null") {
		if d.scalarOf(v, "str", "approval.message", "a string") {
			if strings.TrimSpace(v.str) == "" {
				d.errs.add(v.pos, CheckApproval, "approval.message is empty: say what is being approved")
			}
			a.Message = d.value(v, sc)
		}
	} else {
		d.errs.add(n.pos, CheckApproval, "approval needs a message: approvers must see what they approve")
	}
	if v := o.val("timeout"); v != nil {
		a.Timeout = d.duration(v, "approval.timeout")
	}
	if v := o.val("on_timeout"); v != nil {
		if s := d.enum(v, "approval.on_timeout", string(Reject), string(Approve)); s != "" {
			a.OnTimeout = Decision(s)
		}
		if !o.has("timeout") {
			d.errs.add(o.keyPos("on_timeout"), CheckUnreachable, "approval.on_timeout has no effect without approval.timeout")
		}
	}
	if v := o.val("allow_self"); v != nil {
		a.AllowSelf = d.boolean(v, "approval.allow_self")
	}
	return a
}

// stringList decodes a list of strings, or a single string as a list of one.
func (d *decoder) stringList(n *node, what string) []string {
	if n.kind == scalarNode && n.tag == "str" {
		return []string{n.str}
	}
	if !d.want(n, seqNode, what) {
		return nil
	}
	out := make([]string, 0, len(n.items))
	for _, it := range n.items {
		if s, ok := d.str(it, what+" entry"); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) setStep(st *Step, n *node, sc *scope) {
	keys, vals := d.dict(n, "set")
	if n != nil && n.kind == mapNode && len(keys) == 0 {
		d.errs.add(n.pos, CheckValue, "set is empty: give it at least one name: value")
	}
	st.Set = make(map[string]*Value, len(keys))
	for i, k := range keys {
		if !identPattern.MatchString(k.str) {
			d.errs.add(k.pos, CheckValue, "var name %q must be an identifier (letters, digits, _), so that vars.%s works", k.str, k.str)
		}
		st.Set[k.str] = d.value(vals[i], sc)
	}
}

func (d *decoder) failStep(st *Step, n *node, sc *scope) {
	if !d.scalarOf(n, "str", "fail", "a message string") {
		return
	}
	if strings.TrimSpace(n.str) == "" {
		d.errs.add(n.pos, CheckValue, "fail needs a message saying why the playbook stops")
	}
	st.Fail = d.value(n, sc)
}

func (d *decoder) playbookStep(st *Step, o *object, sc *scope) {
	n := o.val("playbook")
	name, ok := d.str(n, "playbook")
	if !ok {
		return
	}
	st.Playbook = name
	switch {
	case name == d.pb.Name:
		d.errs.add(n.pos, CheckValue, "playbook %q calls itself", name)
	case d.opts.Library != nil && !d.opts.Library(name):
		d.errs.add(n.pos, CheckUnknownPlaybook, "no playbook named %q in the library", name)
	}
	st.With = d.freeWith(o.val("with"), withScope(st, sc))
	if d.opts.ChildInputs != nil && name != d.pb.Name {
		d.checkChildInputs(st, n, d.opts.ChildInputs(name))
	}
}

// checkChildInputs checks a playbook: step's with: against the child's
// declared inputs, as action parameters are checked against the registry.
func (d *decoder) checkChildInputs(st *Step, at *node, inputs []*Input) {
	if inputs == nil {
		return
	}
	names := make([]string, 0, len(inputs))
	declared := map[string]bool{}
	for _, in := range inputs {
		names = append(names, in.Name)
		declared[in.Name] = true
	}
	keys := make([]string, 0, len(st.With))
	for k := range st.With {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !declared[k] {
			d.errs.add(st.With[k].Pos(), CheckUnknownInput, "playbook %s has no input %q%s", st.Playbook, k, suggest(k, names, true))
		}
	}
	for _, in := range inputs {
		if _, given := st.With[in.Name]; in.Required && !in.HasDefault && !given {
			d.errs.add(at.pos, CheckMissingParam, "playbook %s needs input %s", st.Playbook, in.Name)
		}
	}
}

func (d *decoder) parallelStep(st *Step, n *node, ctx *stepCtx) {
	if !d.want(n, seqNode, "parallel") {
		return
	}
	if len(n.items) == 0 {
		d.errs.add(n.pos, CheckValue, "parallel is empty: list the steps to run at once")
	}
	// Branches see only what ran before the block: they run at the same
	// time, so none can read another's result.
	for _, it := range n.items {
		if b := d.step(it, ctx); b != nil {
			st.Parallel = append(st.Parallel, b)
		}
	}
}

// unreachable reports settings that the step's kind ignores: a silently
// ignored key is the bug analysts find last.
func (d *decoder) unreachable(st *Step, o *object) {
	k := st.Kind
	fanout := k == KindAction || k == KindPlaybook
	rules := []struct {
		key    string
		bad    bool
		reason string
	}{
		{"foreach", !fanout, "foreach needs an action or playbook step to repeat"},
		{"concurrency", !o.has("foreach"), "concurrency has no effect without foreach"},
		{"with", !fanout, fmt.Sprintf("with has no effect on a %s step; it passes parameters to an action or playbook", k)},
		{"retry", k != KindAction, fmt.Sprintf("retry has no effect on a %s step; only actions are retried", k)},
		{"timeout", k == KindApproval, "timeout has no effect on an approval step; use approval.timeout"},
		{"timeout", k == KindSet || k == KindWait || k == KindFail, fmt.Sprintf("timeout has no effect on a %s step", k)},
		{"max_targets", k != KindAction, "max_targets only applies to destructive action steps"},
		{"undo_after", k != KindAction, "undo_after only applies to action steps whose action has an undo"},
		{"connection", !fanout, fmt.Sprintf("connection has no effect on a %s step; only action and playbook: steps act on an Okta org", k)},
	}
	for _, r := range rules {
		if r.bad && o.has(r.key) {
			kind := CheckUnreachable
			if r.key == "foreach" {
				kind = CheckForeach
			}
			d.errs.add(o.keyPos(r.key), kind, "%s", r.reason)
		}
	}
}
