package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// Counting that cannot be split. max_targets counts the distinct
// canonical targets a step acts on over all its foreach items and every
// time it runs; max_run_targets counts the distinct targets of every
// destructive step of the run, plus what its child runs counted. Both are
// checked, and the targets reserved, before the write: workflow code runs
// one coroutine at a time and nothing between the check and the
// reservation blocks, so foreach items running side by side cannot both
// take the last place.

// counts is a run's tally of destructive targets.
type counts struct {
	step map[string]map[string]bool // step id -> targets it named
	run  map[string]bool            // kind/target -> named by some step of this run
	// children is what finished child runs counted, theirs included.
	children int
}

func newCounts() counts {
	return counts{step: map[string]map[string]bool{}, run: map[string]bool{}}
}

// runCount is the run-wide count: the parent's count handed to this run,
// this run's own targets and its children's.
func (r *run) runCount() int {
	return r.input.RunTargets + len(r.counts.run) + r.counts.children
}

// counted is what this run and its children counted, for the parent.
func (r *run) counted() int { return len(r.counts.run) + r.counts.children }

// checkCounts checks a destructive step's targets against max_targets
// (over everything the step named before) and max_run_targets, and
// reserves them.
func (r *run) checkCounts(ctx workflow.Context, s *playbook.Step, a *action.Action, g *action.GuardResult, loop *loopVars) error {
	r.workerRunDefault = g.DefaultMaxRunTargets
	named := append(append([]string{}, g.Allowed...), protectedTargets(g)...)
	seen := r.counts.step[s.ID]
	stepNew, runNew := 0, 0
	for _, t := range named {
		if !seen[t] {
			stepNew++
		}
		if !r.counts.run[runKey(a, t)] {
			runNew++
		}
	}
	stepTotal := len(seen) + stepNew
	// An approval that listed exactly this step's targets (an approval
	// step before it, or the above_limit approval) lifts both limits for
	// it; its targets still count.
	_, approved := r.bound[s.ID]
	if limit := r.stepLimit(s, g); limit > 0 && stepTotal > limit && len(named) <= limit {
		// Over only because of what earlier items or runs of the step named.
		if !approved && since(ctx, versionTargetCounts) {
			msg := fmt.Sprintf("step %s (%s) would act on %d distinct targets over its items and attempts, above the limit of %d", s.ID, a.Title, stepTotal, limit)
			if loop != nil {
				msg = fmt.Sprintf("step %s (%s) item %d would bring the step to %d distinct targets, above the limit of %d", s.ID, a.Title, loop.index, stepTotal, limit)
			}
			return r.refuseCount(ctx, s, a, RefusalMaxTargets, msg+" (guardrails.max_targets); this item was not run")
		}
	}
	if limit := r.runLimit(g); !approved && limit > 0 && r.runCount()+runNew > limit && since(ctx, versionTargetCounts) {
		msg := fmt.Sprintf("step %s (%s) would bring the run to %d distinct targets (%d before it, children and parent runs included), above the run's limit of %d",
			s.ID, a.Title, r.runCount()+runNew, r.runCount(), limit)
		return r.refuseCount(ctx, s, a, RefusalMaxRunTargets, msg+" (guardrails.max_run_targets); nothing was changed by this step")
	}
	if seen == nil {
		seen = map[string]bool{}
		r.counts.step[s.ID] = seen
	}
	for _, t := range named {
		seen[t] = true
		r.counts.run[runKey(a, t)] = true
	}
	r.status.TargetsCounted = r.counted()
	return nil
}

func (r *run) refuseCount(ctx workflow.Context, s *playbook.Step, a *action.Action, reason, msg string) error {
	count(ctx, MetricGuardrailRefusals, map[string]string{"reason": reason})
	r.audit(ctx, AuditRecord{Kind: AuditRefusal, Step: s.ID, Action: a.Name, Outcome: reason, Message: msg})
	return &stepFailure{msg: msg}
}

// runKey names a target across kinds: a user id and a zone id never
// count as one.
func runKey(a *action.Action, t string) string {
	return string(a.Targets.Kind) + "/" + t
}

func protectedTargets(g *action.GuardResult) []string {
	out := make([]string, len(g.Protected))
	for i, p := range g.Protected {
		out[i] = p.Target
	}
	return out
}

// stepLimit is a step's max_targets: the step's, the playbook's, the
// worker's.
func (r *run) stepLimit(s *playbook.Step, g *action.GuardResult) int {
	switch {
	case s.MaxTargets > 0:
		return s.MaxTargets
	case r.pb.Guardrails.MaxTargets > 0:
		return r.pb.Guardrails.MaxTargets
	}
	return g.DefaultMaxTargets
}

// runLimit is the run-wide limit. A root run's is its playbook's
// guardrails.max_run_targets; without one, RunTargetsFactor times the
// largest max_targets the playbook declares, or the worker's default
// (g.DefaultMaxRunTargets), whichever is larger. A child keeps what its
// parent handed down (childRunLimit); its own max_run_targets can only
// lower it.
func (r *run) runLimit(g *action.GuardResult) int {
	if limit := r.childRunLimit(); limit > 0 {
		return limit
	}
	return max(RunTargetsFactor*largestMaxTargets(r.pb), g.DefaultMaxRunTargets)
}

// childRunLimit is the run-wide limit as far as this run knows it without
// a guard answer, handed to its children: 0 when only the worker's
// default applies. A root run that has not yet seen the worker's default
// hands down its playbook's own figure, which can only be stricter.
func (r *run) childRunLimit() int {
	own := r.pb.Guardrails.MaxRunTargets
	if len(r.input.Chain) > 0 {
		limit := r.input.MaxRunTargets
		if own > 0 && (limit == 0 || own < limit) {
			limit = own
		}
		return limit
	}
	if own > 0 {
		return own
	}
	declared := RunTargetsFactor * largestMaxTargets(r.pb)
	if declared > 0 && r.workerRunDefault > 0 {
		return max(declared, r.workerRunDefault)
	}
	return declared
}

// RunTargetsFactor makes a run-wide limit from per-step ones: a run may
// act on four steps' worth of targets. The worker's default is the same
// multiple of its max_targets (internal/guard).
const RunTargetsFactor = 4

// largestMaxTargets is the largest max_targets a playbook declares, in
// its guardrails or on any step; 0 when it declares none.
func largestMaxTargets(pb *playbook.Playbook) int {
	n := pb.Guardrails.MaxTargets
	var walk func(steps []*playbook.Step)
	walk = func(steps []*playbook.Step) {
		for _, s := range steps {
			n = max(n, s.MaxTargets)
			walk(s.Parallel)
		}
	}
	walk(pb.Steps)
	return n
}

// addChildCount adds what a finished child run counted, from its result
// or from the status in its failure's details, so a child's targets count
// against its parent's limit however it ended.
func (r *run) addChildCount(res *RunStatus, err error) {
	if err != nil {
		var app *temporal.ApplicationError
		var st RunStatus
		if !errors.As(err, &app) || !app.HasDetails() || app.Details(&st) != nil {
			return
		}
		res = &st
	}
	if res != nil && res.TargetsCounted > 0 {
		r.counts.children += res.TargetsCounted
		r.status.TargetsCounted = r.counted()
	}
}
