package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/playbook"
)

// runChild runs a library playbook as a child workflow, pinned from the
// parent's input like the parent itself. Its output is the child's outputs.
func (r *run) runChild(ctx workflow.Context, s *playbook.Step, loop *loopVars, index int) (*outcome, error) {
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
		Alert: r.input.Alert, Options: r.input.Options,
	}
	id := r.info.ID + "/" + activityID(s.ID, index, -1)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:    id,
		StaticSummary: s.ID + ": playbook " + s.Playbook,
		RetryPolicy:   &temporal.RetryPolicy{MaximumAttempts: 1},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SearchPlaybook.ValueSet(pinned.Name),
			SearchDryRun.ValueSet(r.input.Options.DryRun),
		),
	})
	if s.Timeout > 0 {
		cctx = workflow.WithWorkflowRunTimeout(cctx, s.Timeout)
	}
	var res RunStatus
	if err := workflow.ExecuteChildWorkflow(cctx, PlaybookWorkflowName, child).Get(ctx, &res); err != nil {
		return nil, err
	}
	return &outcome{output: res.Outputs, attempts: 1}, nil
}

// child parses a pinned library playbook once per run: a foreach over a
// playbook step would otherwise parse it for every item.
func (r *run) child(name string, pinned Pinned) (*playbook.Playbook, error) {
	if pb, ok := r.children[name]; ok {
		return pb, nil
	}
	pb, err := playbook.Load(pinned.File, []byte(pinned.Source), playbook.Options{Registry: r.reg})
	if err != nil {
		return nil, err
	}
	r.children[name] = pb
	return pb, nil
}
