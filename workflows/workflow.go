package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// Interpreter runs playbooks. Its only dependency is the action registry,
// which is plain data; Register adds its workflows (and the others) to a
// worker:
//
//	workflows.Register(w, workflows.New(reg))
type Interpreter struct {
	Registry *action.Registry
	// ApprovalsURL is the approvals page (cordon serve's /approvals) that
	// a waiting run links to in its current details; empty: no link. It
	// is only shown, never recorded in history.
	ApprovalsURL string
	// Approvals says which decisions the approve update's validator
	// accepts; the zero value accepts unsigned ones (tests, --dev).
	Approvals ApprovalPolicy
	// UndoRetryFor is how long an undo step retries 5xx and connection
	// errors before it gives up and ends undo_failed (undo.go); 0 means
	// DefaultUndoRetryFor. Recorded in each undo's input when scheduled.
	UndoRetryFor time.Duration
}

// New returns an interpreter over the given action registry.
func New(reg *action.Registry) *Interpreter { return &Interpreter{Registry: reg} }

// Run is PlaybookWorkflow: it re-parses the pinned playbook, runs its steps
// and returns the run's status. A failed or rejected run returns an
// ApplicationError (type PlaybookFailed or PlaybookRejected) whose details
// hold the same RunStatus, so the run shows as failed in the Temporal UI and
// clients still get every step's result.
func (in *Interpreter) Run(ctx workflow.Context, input RunInput) (*RunStatus, error) {
	pb, err := in.parse(input.Playbook, input.Library)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidPlaybook, nil)
	}
	ctx = withGates(ctx)
	if gated(ctx, versionRunContract) {
		return in.runChecked(ctx, pb, input)
	}
	r := newRun(ctx, in.Registry, pb, input)
	r.policy, r.undoRetryFor = in.Approvals, in.undoRetryFor()
	if err := r.registerHandlers(ctx); err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// runChecked is Run for runs under the run contract (contract.go): the
// input is admitted before the first step, and the search attributes are
// the workflow's own.
func (in *Interpreter) runChecked(ctx workflow.Context, pb *playbook.Playbook, input RunInput) (*RunStatus, error) {
	visible := gated(ctx, versionVisibleWaiting)
	lib, libErr := in.parseLibrary(input.Library)
	admitted, err := admit(ctx, pb, lib, input)
	if libErr != nil {
		err = libErr
	}
	if err != nil {
		admitted.Resume = nil // a refused run never restores what it was handed
	}
	r := newRun(ctx, in.Registry, pb, admitted)
	r.visible, r.approvalsURL, r.policy, r.undoRetryFor = visible, in.ApprovalsURL, in.Approvals, in.undoRetryFor()
	if err := r.registerHandlers(ctx); err != nil {
		return nil, err
	}
	if input.Resume == nil {
		count(ctx, MetricRunsStarted, map[string]string{"playbook": pb.Name})
	}
	if err != nil {
		return nil, r.refuse(ctx, err)
	}
	if err := r.verifyStart(ctx, input, lib); err != nil {
		return nil, r.refuse(ctx, err)
	}
	for name, child := range lib {
		r.children[name] = child
	}
	r.initRouting(ctx)
	if err := r.upsertSearchAttributes(ctx, input.Resume == nil); err != nil {
		return nil, err
	}
	if err := r.setState(ctx, RunRunning); err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// run runs the steps and settles the result.
func (r *run) run(ctx workflow.Context) (*RunStatus, error) {
	runErr := r.runTop(ctx)
	var can *workflow.ContinueAsNewError
	if errors.As(runErr, &can) {
		return nil, runErr
	}
	return r.finish(ctx, runErr)
}

func (in *Interpreter) parse(p Pinned, lib map[string]Pinned) (*playbook.Playbook, error) {
	opts := playbook.Options{Registry: in.Registry, Pinned: true}
	if lib != nil {
		opts.Library = func(name string) bool { _, ok := lib[name]; return ok }
	}
	pb, err := playbook.Load(p.File, []byte(p.Source), opts)
	if err != nil {
		return nil, fmt.Errorf("pinned playbook %s does not load: %w", p.Name, err)
	}
	return pb, nil
}

// finish settles the run's status and outputs and turns the outcome into
// the workflow's result.
func (r *run) finish(ctx workflow.Context, runErr error) (*RunStatus, error) {
	now := workflow.Now(ctx)
	r.status.FinishedAt = &now
	r.status.PendingApprovals = nil
	var rejected *rejectedError
	switch {
	case runErr == nil:
		r.status.Status = RunSucceeded
		if err := r.evalOutputs(); err != nil {
			runErr = err
			r.status.Status = RunFailed
		}
	case errors.As(runErr, &rejected):
		r.status.Status = RunRejected
	case temporal.IsCanceledError(runErr):
		r.status.Status = RunCancelled
		if err := r.showFinal(ctx); err != nil {
			return nil, err
		}
		r.skipUnreached()
		return r.status, runErr
	default:
		r.status.Status = RunFailed
	}
	if err := r.showFinal(ctx); err != nil {
		return nil, err
	}
	r.skipUnreached()
	if runErr == nil {
		return r.report(), nil
	}
	r.status.Error = runErr.Error()
	kind := ErrPlaybookFailed
	if r.status.Status == RunRejected {
		kind = ErrPlaybookRejected
	}
	return nil, temporal.NewNonRetryableApplicationError(r.status.Error, kind, nil, r.report())
}

// skipUnreached reports the steps a finished run never reached (after a
// failure, a rejection or a cancel) as skipped rather than pending: the
// run is over, so they will not run. It changes only the reported status,
// after the last command (showFinal), so histories replay unchanged.
func (r *run) skipUnreached() {
	for _, s := range r.status.Steps {
		if s.Status == playbook.StatusPending {
			s.Status = playbook.StatusSkipped
		}
	}
}

func (r *run) evalOutputs() error {
	if len(r.pb.Outputs) == 0 {
		return nil
	}
	r.status.Outputs = map[string]any{}
	env := r.env(nil)
	for _, o := range r.pb.Outputs {
		v, err := o.Value.Eval(env)
		if err != nil {
			return fmt.Errorf("output %s: %w", o.Name, err)
		}
		r.status.Outputs[o.Name] = v
	}
	if err := checkOutputs(r.status.Outputs); err != nil {
		r.status.Outputs = nil
		return err
	}
	return nil
}
