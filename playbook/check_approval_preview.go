package playbook

import (
	"fmt"
	"strings"

	"github.com/cordonsec/cordon/action"
)

// CheckApprovalPreview is the kind of the warning for a destructive step
// whose targets its approval cannot show.
const CheckApprovalPreview = "approval-preview"

// SeverityWarning marks a problem that does not make the playbook invalid.
const SeverityWarning = "warning"

// ApprovalWarnings lists the destructive steps whose targets an approval
// cannot show when it asks. An approval binds every destructive step
// after it (docs/runs.md): it previews their targets up to the next
// approval step and, once approved, those steps act only on targets it
// showed. A step whose targets depend on what runs after the approval
// (a step's output or a var set after it, in its if:, foreach: or with:),
// a child playbook, or any write after an approval inside a parallel
// block, cannot be previewed: at run time it fails unless its targets
// happen to be among those shown. These are warnings, not errors: the
// playbook is valid and may still run as intended.
func ApprovalWarnings(pb *Playbook, reg *action.Registry) ErrorList {
	var out ErrorList
	warn := func(s *Step, format string, args ...any) {
		out = append(out, &Error{File: pb.File, Line: s.Pos.Line, Col: s.Pos.Col, Kind: CheckApprovalPreview,
			Severity: SeverityWarning, Message: fmt.Sprintf(format, args...)})
	}
	for i, s := range pb.Steps {
		if s.Kind != KindParallel || !writesLater(pb.Steps[i+1:], reg) {
			continue
		}
		for _, b := range s.Parallel {
			if b.Kind == KindApproval {
				warn(b, "approval %s is inside a parallel block and shows no targets: every destructive step after it will fail; put the approval in the top-level sequence", b.ID)
			}
		}
	}
	for i, a := range pb.Steps {
		if a.Kind != KindApproval {
			continue
		}
		later := &written{steps: map[string]bool{a.ID: true}, vars: map[string]bool{}}
		for _, t := range pb.Steps[i+1:] {
			if t.Kind == KindApproval {
				break
			}
			checkPreview(t, a, later, reg, warn)
			later.add(t)
		}
	}
	return sortErrors(out)
}

// written is what the steps after an approval produce: their results and
// the vars their set: steps write.
type written struct {
	steps map[string]bool
	vars  map[string]bool
}

func (w *written) add(s *Step) {
	w.steps[s.ID] = true
	for k := range s.Set {
		w.vars[k] = true
	}
	for _, b := range s.Parallel {
		w.add(b)
	}
}

func checkPreview(t, a *Step, later *written, reg *action.Registry, warn func(*Step, string, ...any)) {
	switch {
	case t.Kind == KindParallel:
		for _, b := range t.Parallel {
			checkPreview(b, a, later, reg, warn)
		}
		return
	case t.Kind == KindPlaybook:
		warn(t, "approval %s cannot show the targets of child playbook %s: its destructive steps act only on targets the approval showed, and fail otherwise; give the child its own approval", a.ID, t.Playbook)
		return
	case t.Kind != KindAction:
		return
	}
	act, ok := reg.Lookup(t.Action)
	if !ok || !act.Destructive {
		return
	}
	values := []*Value{t.If, t.Foreach}
	for _, v := range t.With {
		values = append(values, v)
	}
	if what := readsLater(values, later); what != "" {
		warn(t, "approval %s cannot show the targets of step %s, which depend on %s, produced after the approval: the step fails at run time unless they were shown; move the approval below what produces %s, or add one right before %s",
			a.ID, t.ID, what, what, t.ID)
	}
}

// readsLater returns the first step result or var, among later, that one
// of values reads ("steps.find", "vars.ids"), or "".
func readsLater(values []*Value, later *written) string {
	found := ""
	for _, v := range values {
		if v == nil {
			continue
		}
		v.walkExprs(func(e *expression) {
			if found != "" {
				return
			}
			_, refs, err := compile(e.text)
			if err != nil {
				return
			}
			for _, r := range refs {
				if name := laterRef(r, later); name != "" {
					found = name
					return
				}
			}
		})
	}
	return found
}

func laterRef(r ref, later *written) string {
	var set map[string]bool
	switch r.root {
	case "steps":
		set = later.steps
	case "vars":
		set = later.vars
	default:
		return ""
	}
	if len(set) == 0 {
		return ""
	}
	switch {
	case len(r.path) == 0:
		return "" // the identifier itself; its member accesses are refs of their own
	case r.path[0] == allStepsRef:
		return "steps" // reads every step, the later ones included
	}
	if set[r.path[0]] {
		return strings.Join([]string{r.root, r.path[0]}, ".")
	}
	return ""
}

// writesLater says whether any of steps may write: a destructive action
// or a child playbook, in parallel blocks too.
func writesLater(steps []*Step, reg *action.Registry) bool {
	for _, s := range steps {
		if a, ok := reg.Lookup(s.Action); (s.Kind == KindAction && ok && a.Destructive) || s.Kind == KindPlaybook || writesLater(s.Parallel, reg) {
			return true
		}
	}
	return false
}
