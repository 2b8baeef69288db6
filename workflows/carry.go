package workflows

import (
	"encoding/json"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/playbook"
)

// Continue-as-new: the state a run hands to the next run of the same
// workflow id, and how the next run restores it. The next run accepts it
// only from the run the server says it continues (contract_origin.go).

// restore rebuilds state carried over continue-as-new.
func (r *run) restore(c *Carry) {
	st := c.Status
	r.status = &st
	r.info.StartedAt = st.StartedAt
	for _, s := range r.status.Steps {
		r.byID[s.ID] = s
		if s.Status == playbook.StatusPending || s.Status == playbook.StatusRunning {
			continue
		}
		r.results[s.ID] = playbook.StepResult{Output: c.Outputs[s.ID], Status: string(s.Status), Error: s.Error}
	}
	for k, v := range c.Vars {
		r.vars[k] = v
	}
	r.next = c.Next
	for id, ts := range c.StepTargets {
		set := make(map[string]bool, len(ts))
		for _, t := range ts {
			set[t] = true
		}
		r.counts.step[id] = set
	}
	for _, k := range c.RunTargets {
		r.counts.run[k] = true
	}
	r.counts.children = c.ChildTargets
	if c.Scope != nil {
		r.scope = c.Scope
	}
	r.targets = c.Targets
	for _, t := range r.targets {
		r.targetBytes += len(t) + 3
	}
}

// maxCarry bounds the state handed over by continue-as-new. The carry is
// one payload, and Temporal refuses payloads over 2 MiB by default; a run
// whose state is larger keeps its history instead (Temporal's history
// limits, 50 MiB and 51,200 events, are far above what chunked bulk
// actions and windowed foreach steps produce).
const maxCarry = 1536 << 10

// mayContinueAsNew says whether to continue as new now: the server
// suggests it and the carried state fits in one payload. The size check
// runs only when the server suggests, and a run that is too big stops
// asking.
func (r *run) mayContinueAsNew(ctx workflow.Context, partial *foreachProgress) bool {
	if r.carryTooBig || !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		return false
	}
	next := r.input
	next.Resume = r.carry(partial)
	b, err := json.Marshal(next) // the whole next input is one payload
	if err != nil || len(b) > maxCarry {
		r.carryTooBig = true
		return false
	}
	return true
}

// continueAsNew hands the run's state to a fresh run with a short history.
func (r *run) continueAsNew(ctx workflow.Context, partial *foreachProgress) error {
	in := r.input
	in.Resume = r.carry(partial)
	in.Resume.From = workflow.GetInfo(ctx).WorkflowExecution.RunID
	return workflow.NewContinueAsNewError(ctx, PlaybookWorkflowName, in)
}

func (r *run) carry(partial *foreachProgress) *Carry {
	c := &Carry{Status: *r.status, Vars: r.vars, Outputs: map[string]any{}, Next: r.next, Targets: r.targets, Scope: r.scope}
	for _, id := range sortedKeys(r.results) {
		c.Outputs[id] = r.results[id].Output
	}
	if len(r.counts.run) > 0 || r.counts.children > 0 {
		c.StepTargets = make(map[string][]string, len(r.counts.step))
		for _, id := range sortedKeys(r.counts.step) {
			c.StepTargets[id] = sortedKeys(r.counts.step[id])
		}
		c.RunTargets, c.ChildTargets = sortedKeys(r.counts.run), r.counts.children
	}
	if partial != nil {
		c.DoneBits = packBits(partial.done)
		if partial.keep {
			c.Partial = partial.outputs
		}
	}
	return c
}
