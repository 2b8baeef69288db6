package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/playbook"
)

// DefaultMaxChildDepth caps how deeply playbook: steps nest at run time
// unless the root playbook sets guardrails.max_depth. The loader refuses
// cycles, but a library edited between runs, or pinned sources from older
// versions, must still not build child runs without end; no real playbook
// comes near 8 levels.
const DefaultMaxChildDepth = 8

// runChild runs a library playbook as a child workflow, pinned from the
// parent's input like the parent itself. Its output is the child's outputs.
// Cancelling the parent (cordon cancel) cancels the child, and so on down.
func (r *run) runChild(ctx workflow.Context, s *playbook.Step, loop *loopVars) (*outcome, error) {
	chain := append(slices.Clone(r.input.Chain), r.pb.Name)
	limit := r.maxDepth()
	if len(chain) > limit {
		return nil, &stepFailure{msg: fmt.Sprintf("step %s: playbook %s would run %d levels deep (%s), above the limit of %d nested playbook: steps; nothing was started",
			s.ID, s.Playbook, len(chain), strings.Join(append(chain, s.Playbook), " -> "), limit)}
	}
	pinned, ok := r.input.Library[s.Playbook]
	if !ok {
		return nil, fmt.Errorf("step %s: playbook %s is not in the run's pinned library", s.ID, s.Playbook)
	}
	given, err := r.evalParams(s.With, loop)
	if err != nil {
		return nil, fmt.Errorf("step %s: %w", s.ID, err)
	}
	// The child's declared inputs apply as they do for `cordon run`:
	// defaults, required inputs, types and allowed values.
	childPB, err := r.child(s.Playbook, pinned)
	if err != nil {
		return nil, fmt.Errorf("step %s: playbook %s: %w", s.ID, s.Playbook, err)
	}
	inputs, err := childPB.InputsWithDefaults(given)
	if err != nil {
		return nil, &stepFailure{msg: fmt.Sprintf("step %s: playbook %s: %v", s.ID, s.Playbook, err)}
	}
	child := RunInput{
		Playbook: pinned, Library: r.input.Library, Inputs: inputs,
		Alert: r.input.Alert, Options: r.input.Options, Chain: chain, MaxDepth: limit,
		RunTargets: r.runCount(), MaxRunTargets: r.childRunLimit(), Approved: r.scope,
	}
	if r.routed {
		// The step's own connection: starts the child as --connection
		// does; otherwise the child inherits this run's unless its
		// playbook names one (playbook.RunConnection).
		child.Connection, child.ParentConnection = s.Connection, r.conn
	}
	id := r.info.ID + "/" + activityID(s.ID, loop, -1)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:    id,
		StaticSummary: s.ID + ": playbook " + s.Playbook,
		RetryPolicy:   &temporal.RetryPolicy{MaximumAttempts: 1},
		// Explicit: a parent that closes for any reason asks its children
		// to stop, and they ask theirs.
		ParentClosePolicy: enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SearchPlaybook.ValueSet(pinned.Name),
			SearchDryRun.ValueSet(r.input.Options.DryRun),
		),
	})
	if s.Timeout > 0 {
		cctx = workflow.WithWorkflowRunTimeout(cctx, s.Timeout)
	}
	var res RunStatus
	err = workflow.ExecuteChildWorkflow(cctx, PlaybookWorkflowName, child).Get(ctx, &res)
	r.addChildCount(&res, err)
	if err != nil {
		return nil, err
	}
	return &outcome{output: res.Outputs, attempts: 1}, nil
}

// maxDepth is the run's cap on nested playbook: steps: the root's, which
// children inherit, else the root playbook's guardrails.max_depth, else
// DefaultMaxChildDepth.
func (r *run) maxDepth() int {
	switch {
	case r.input.MaxDepth > 0:
		return r.input.MaxDepth
	case r.pb.Guardrails.MaxDepth > 0:
		return r.pb.Guardrails.MaxDepth
	}
	return DefaultMaxChildDepth
}

// child parses a pinned library playbook once per run: a foreach over a
// playbook step would otherwise parse it for every item.
func (r *run) child(name string, pinned Pinned) (*playbook.Playbook, error) {
	if pb, ok := r.children[name]; ok {
		return pb, nil
	}
	pb, err := playbook.Load(pinned.File, []byte(pinned.Source), playbook.Options{Registry: r.reg, Pinned: true})
	if err != nil {
		return nil, err
	}
	r.children[name] = pb
	return pb, nil
}
