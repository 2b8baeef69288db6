package playbook

import (
	"fmt"
	"slices"
	"strings"
)

// Kind keys: a step has exactly one.
var kindKeys = []string{"action", "approval", "set", "wait", "fail", "playbook", "parallel"}

// Keys every step may have, besides its kind key.
var commonStepKeys = []string{"id", "name", "if", "foreach", "concurrency", "continue_on_error",
	"retry", "timeout", "with", "max_targets", "undo_after", "connection"}

var stepKeys = append(slices.Clone(commonStepKeys), kindKeys...)

// stepCtx tracks, while steps are decoded in order, which steps and vars
// exist at the current point.
type stepCtx struct {
	done map[string]bool
	vars map[string]bool
}

func (d *decoder) decodeSteps(n *node) {
	if !d.want(n, seqNode, "steps") {
		return
	}
	if len(n.items) == 0 {
		d.errs.add(n.pos, CheckMissingKey, "steps is empty: a playbook needs at least one step")
	}
	d.collectIDs(n.items, map[string]Pos{})
	d.collectShapes(n.items)
	ctx := &stepCtx{done: map[string]bool{}, vars: map[string]bool{}}
	for _, it := range n.items {
		if st := d.step(it, ctx); st != nil {
			d.pb.Steps = append(d.pb.Steps, st)
			ctx.finish(st)
		}
	}
}

// finish records that st has run: later steps may read it and its vars.
func (c *stepCtx) finish(st *Step) {
	c.done[st.ID] = true
	for k := range st.Set {
		c.vars[k] = true
	}
	for _, b := range st.Parallel {
		c.finish(b)
	}
}

// collectIDs gathers every step id up front, parallel branches included, so
// that a reference to a later step is told apart from a typo.
func (d *decoder) collectIDs(items []*node, seen map[string]Pos) {
	for _, it := range items {
		if it.kind != mapNode {
			continue
		}
		for i, k := range it.keys {
			v := it.items[i]
			switch {
			case k.str == "id" && v.kind == scalarNode && v.tag == "str":
				if prev, dup := seen[v.str]; dup {
					d.errs.add(v.pos, CheckDuplicateID, "duplicate step id %q (first at line %d)", v.str, prev.Line)
					continue
				}
				seen[v.str] = v.pos
				d.stepIDs[v.str] = true
			case k.str == "parallel" && v.kind == seqNode:
				d.collectIDs(v.items, seen)
			}
		}
	}
}

// allVars is every var any set step defines, for outputs.
func (d *decoder) allVars() map[string]bool {
	vars := map[string]bool{}
	var walk func([]*Step)
	walk = func(steps []*Step) {
		for _, s := range steps {
			for k := range s.Set {
				vars[k] = true
			}
			walk(s.Parallel)
		}
	}
	walk(d.pb.Steps)
	return vars
}

// step decodes one step.
func (d *decoder) step(n *node, ctx *stepCtx) *Step {
	o := d.object(n, "step", stepKeys)
	if o == nil {
		return nil
	}
	st := &Step{Pos: n.pos}
	if v := o.val("id"); v != nil {
		if s, ok := d.str(v, "id"); ok {
			st.ID = s
			if !idPattern.MatchString(s) {
				d.errs.add(v.pos, CheckValue, "step id %q must match [a-z][a-z0-9_-]*", s)
			}
		}
	} else {
		d.errs.add(n.pos, CheckMissingKey, "step has no id")
	}
	if v := o.val("name"); v != nil {
		st.Name, _ = d.str(v, "name")
	}
	sc := &scope{where: fmt.Sprintf("step %q", st.ID), step: st.ID, done: ctx.done, vars: ctx.vars}
	if !d.stepKind(st, o) {
		return st
	}
	d.common(st, o, sc)
	switch st.Kind {
	case KindAction:
		d.actionStep(st, o, sc)
	case KindApproval:
		st.Approval = d.approval(o.val("approval"), sc)
	case KindSet:
		d.setStep(st, o.val("set"), sc)
	case KindWait:
		st.Wait = d.duration(o.val("wait"), "wait")
	case KindFail:
		d.failStep(st, o.val("fail"), sc)
	case KindPlaybook:
		d.playbookStep(st, o, sc)
	case KindParallel:
		d.parallelStep(st, o.val("parallel"), ctx)
	}
	d.unreachable(st, o)
	return st
}

// stepKind finds the step's one kind key.
func (d *decoder) stepKind(st *Step, o *object) bool {
	var found []string
	for _, k := range kindKeys {
		if o.has(k) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		for _, k := range kindKeys {
			if o.typos[k] {
				return false // the unknown-key error already says which kind was meant
			}
		}
		d.errs.add(o.n.pos, CheckStepKind, "step %q does nothing: give it one of %s", st.ID, strings.Join(kindKeys, ", "))
		return false
	case 1:
		st.Kind = StepKind(found[0])
		return true
	}
	second := found[1]
	d.errs.add(o.keyPos(second), CheckStepKind, "step %q has both %s and %s: a step does exactly one thing; split it in two", st.ID, found[0], second)
	return false
}

// common decodes the keys every kind shares.
func (d *decoder) common(st *Step, o *object, sc *scope) {
	if v := o.val("if"); v != nil {
		st.If = d.condition(v, sc)
	}
	if v := o.val("foreach"); v != nil {
		st.Foreach = d.foreach(v, sc)
	}
	if v := o.val("concurrency"); v != nil {
		st.Concurrency = d.integer(v, "concurrency", 1)
	}
	if v := o.val("continue_on_error"); v != nil {
		st.ContinueOnError = d.boolean(v, "continue_on_error")
	}
	if v := o.val("retry"); v != nil {
		st.Retry = d.retry(v)
	}
	if v := o.val("timeout"); v != nil {
		st.Timeout = d.duration(v, "timeout")
	}
	if v := o.val("max_targets"); v != nil {
		st.MaxTargets = d.integer(v, "max_targets", 1)
	}
	if v := o.val("undo_after"); v != nil {
		st.UndoAfter = d.duration(v, "undo_after")
	}
	if v := o.val("connection"); v != nil {
		st.Connection, st.ConnectionPos = d.connection(v)
	}
}

// condition decodes if: a single expression, or a literal boolean.
func (d *decoder) condition(n *node, sc *scope) *Value {
	if n.kind == scalarNode && n.tag == "bool" {
		return d.value(n, sc)
	}
	if n.kind != scalarNode || n.tag != "str" {
		d.errs.add(n.pos, CheckType, "if must be a ${{ }} expression or true/false, got %s", article(n.kindName()))
		return nil
	}
	if !strings.Contains(n.str, "${{") {
		d.errs.add(n.pos, CheckType, "if must be a ${{ }} expression or true/false; write if: ${{ %s }}", n.str)
		return nil
	}
	v := d.value(n, sc)
	if v.expr == nil && v.parts != nil {
		d.errs.add(n.pos, CheckType, "if must be a single ${{ }} expression, without text around it")
	}
	return v
}

// foreach decodes the list to fan out over: an expression or a literal list.
func (d *decoder) foreach(n *node, sc *scope) *Value {
	v := d.value(n, sc)
	if v.literal && n.kind != seqNode {
		d.errs.add(n.pos, CheckType, "foreach must be a list or a ${{ }} expression giving one, got %s", article(n.kindName()))
	}
	if !v.literal && v.expr == nil && !v.isList {
		d.errs.add(n.pos, CheckType, "foreach must be a single ${{ }} expression, without text around it")
	}
	return v
}

func (d *decoder) retry(n *node) *Retry {
	o := d.object(n, "retry", []string{"max_attempts", "initial_interval", "max_interval", "backoff_coefficient"})
	if o == nil {
		return nil
	}
	r := &Retry{}
	if v := o.val("max_attempts"); v != nil {
		r.MaxAttempts = d.integer(v, "retry.max_attempts", 1)
	}
	if v := o.val("initial_interval"); v != nil {
		r.InitialInterval = d.duration(v, "retry.initial_interval")
	}
	if v := o.val("max_interval"); v != nil {
		r.MaxInterval = d.duration(v, "retry.max_interval")
	}
	if v := o.val("backoff_coefficient"); v != nil {
		if r.BackoffCoefficient = d.number(v, "retry.backoff_coefficient"); r.BackoffCoefficient < 1 && v.kind == scalarNode && v.tag != "str" {
			d.errs.add(v.pos, CheckValue, "retry.backoff_coefficient must be at least 1")
		}
	}
	if r.InitialInterval > 0 && r.MaxInterval > 0 && r.MaxInterval < r.InitialInterval {
		d.errs.add(o.keyPos("max_interval"), CheckValue, "retry.max_interval %s is shorter than initial_interval %s", r.MaxInterval, r.InitialInterval)
	}
	return r
}
