package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// An approval binds every destructive write that follows it, not only the
// next step: when it asks, it previews the targets of every destructive
// action up to the next approval step (plain steps, each item of a
// foreach, the entries of a parallel block) whose if: holds at that
// moment, and shows their union. Once approved, that union is the run's
// approval scope: every destructive step after it (wherever it sits: in
// a foreach, a parallel branch, behind an if: that became true later, in
// a child playbook) acts only on targets in the scope, and fails before
// its write otherwise. The next approved approval replaces the scope.

// versionApprovalScope gates the wider preview (more guard and resolve
// calls when an approval asks); histories recorded before it bind the
// next step only.
const versionApprovalScope = "approval-scope"

// maxPreviewItems bounds the foreach items an approval previews; a longer
// foreach is not shown, and its writes fail unless their targets were
// shown by another step.
const maxPreviewItems = 1000

// ApprovalScope is what an approved approval showed: its step and the
// union of the targets it listed.
type ApprovalScope struct {
	Step    string   `json:"step"`
	Targets []string `json:"targets"`
	// On holds the targets shown by connection, for runs that route by
	// connection (connection.go): a target shown for a step on one org
	// does not let a step on another org act on the same name (an IP, a
	// zone id). nil in scopes from before connections: Targets decides.
	On map[string][]string `json:"on,omitempty"`
}

// preview is what an approval shows: the union of the targets, in order,
// and the first plain step with its own targets, which keeps the exact
// binding of earlier versions.
type preview struct {
	targets  []string
	seen     map[string]bool
	first    *playbook.Step
	firstSet []string
	// conns is the connection of each step previewed (step id ->
	// connection), on the targets by connection, for runs that route by
	// connection.
	conns map[string]string
	on    map[string][]string
}

// add adds the targets ts of a step on connection conn ("" for a run
// that does not route by connection).
func (p *preview) add(conn string, ts []string) {
	if conn != "" {
		if p.on == nil {
			p.on = map[string][]string{}
		}
		for _, t := range ts {
			if !slices.Contains(p.on[conn], t) {
				p.on[conn] = append(p.on[conn], t)
			}
		}
	}
	for _, t := range ts {
		if !p.seen[t] {
			p.seen[t] = true
			p.targets = append(p.targets, t)
		}
	}
}

// previewScope previews the destructive steps an approval step governs.
func (r *run) previewScope(ctx workflow.Context, s *playbook.Step) *preview {
	p := &preview{seen: map[string]bool{}, targets: []string{}}
	i := slices.Index(r.pb.Steps, s)
	if i < 0 {
		return p // an approval inside a parallel block previews nothing
	}
	for _, t := range r.pb.Steps[i+1:] {
		if t.Kind == playbook.KindApproval {
			break
		}
		r.previewStep(ctx, t, p)
	}
	return p
}

func (r *run) previewStep(ctx workflow.Context, t *playbook.Step, p *preview) {
	if runs, err := playbook.EvalBool(t.If, r.env(nil)); err != nil || !runs {
		return
	}
	if t.Kind == playbook.KindParallel {
		for _, b := range t.Parallel {
			r.previewStep(ctx, b, p)
		}
		return
	}
	a, ok := r.reg.Lookup(t.Action)
	if t.Kind != playbook.KindAction || !ok || !a.Destructive {
		return
	}
	conn := ""
	if r.routed {
		if p.conns == nil {
			p.conns = map[string]string{}
		}
		conn = r.connectionOf(t)
		p.conns[t.ID] = conn
	}
	if t.Foreach == nil {
		ts, ok := r.previewCall(ctx, t, a, nil)
		if !ok {
			return
		}
		if p.first == nil {
			p.first, p.firstSet = t, ts
		}
		p.add(conn, ts)
		return
	}
	v, err := t.Foreach.Eval(r.env(nil))
	items, isList := v.([]any)
	if err != nil || !isList || len(items) > maxPreviewItems {
		return
	}
	for i, item := range items {
		if ts, ok := r.previewCall(ctx, t, a, &loopVars{item: item, index: i}); ok {
			p.add(conn, ts)
		}
	}
}

// previewCall is one call's canonical, allowed targets, as the step will
// compute them.
func (r *run) previewCall(ctx workflow.Context, t *playbook.Step, a *action.Action, loop *loopVars) ([]string, bool) {
	params, err := r.evalParams(t.With, loop)
	if err != nil {
		return nil, false
	}
	_, g, err := r.judge(ctx, t, loop, a, params)
	if err != nil {
		return nil, false
	}
	return g.Allowed, true
}

// checkScope fails a destructive step that would act on a target the
// approver of the run's latest approval was not shown.
func (r *run) checkScope(s *playbook.Step, allowed []string) error {
	if r.scope == nil {
		return nil
	}
	list := r.scope.Targets
	if r.scope.On != nil {
		list = r.scope.On[r.connectionOf(s)]
	}
	shown := make(map[string]bool, len(list))
	for _, t := range list {
		shown[t] = true
	}
	var missing []string
	for _, t := range allowed {
		if !shown[t] {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	more := ""
	if len(missing) > 10 {
		more = fmt.Sprintf(" and %d more", len(missing)-10)
		missing = missing[:10]
	}
	return &stepFailure{msg: fmt.Sprintf("step %s: targets [%s]%s were not shown to the approver of step %s; nothing was changed by this step "+
		"(an approval binds every destructive step after it: ask again with an approval step right before this one, "+
		"or let the approval compute these targets when it asks)", s.ID, strings.Join(missing, ", "), more, r.scope.Step)}
}
