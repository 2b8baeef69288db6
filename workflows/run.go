package workflows

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// run is one playbook run's interpreter state. Temporal runs workflow
// goroutines one at a time, so the maps need no locks; every iteration over
// them is sorted to stay deterministic.
type run struct {
	reg    *action.Registry
	pb     *playbook.Playbook
	input  RunInput
	status *RunStatus
	byID   map[string]*StepStatus

	results map[string]playbook.StepResult
	vars    map[string]any
	info    playbook.RunInfo
	// now is the workflow's clock, read at every evaluation (run.now, now()).
	now func() time.Time

	approvals map[string]*pendingApproval // step id -> waiting approval
	bound     map[string][]string         // step id -> targets its approval named
	counts    counts                      // targets counted against the limits (counting.go)
	scope     *ApprovalScope              // what the latest approval showed (approval_scope.go)
	// workerRunDefault is the worker's max_run_targets default, once a
	// guard answer told it (counting.go).
	workerRunDefault int
	children         map[string]*playbook.Playbook // parsed library playbooks, by name
	resolved         map[string]action.Resolved    // canonical targets resolved in this run (targets.go)
	targets          []string                      // acted-on targets, for CordonTarget
	targetBytes      int                           // JSON size of targets
	next             int                           // next top-level step; carried over continue-as-new
	// visible is set for runs that keep CordonState and their current
	// details up to date (versionVisibleWaiting); approvalsURL is the
	// approvals page those details link to ("" for none).
	visible      bool
	approvalsURL string
	// policy says which decisions the approve update accepts.
	policy ApprovalPolicy
	// undoRetryFor goes into the undos the run schedules (undo.go).
	undoRetryFor time.Duration
	// conn is the run's connection, routed whether the run routes its
	// steps' activities by connection (versionConnections), served the
	// connections whose queue a worker answered on (connection.go).
	conn   string
	routed bool
	served map[string]bool
	// carryTooBig is set once the run's state is too big to carry over
	// continue-as-new; the run then keeps its history.
	carryTooBig bool
}

func newRun(ctx workflow.Context, reg *action.Registry, pb *playbook.Playbook, input RunInput) *run {
	info := workflow.GetInfo(ctx)
	r := &run{
		reg: reg, pb: pb, input: input,
		byID:      map[string]*StepStatus{},
		results:   map[string]playbook.StepResult{},
		vars:      map[string]any{},
		approvals: map[string]*pendingApproval{},
		bound:     map[string][]string{},
		children:  map[string]*playbook.Playbook{},
		counts:    newCounts(),
		now:       func() time.Time { return workflow.Now(ctx) },
		scope:     input.Approved,
	}
	r.info = playbook.RunInfo{
		ID: info.WorkflowExecution.ID, Playbook: pb.Name,
		StartedBy: input.Options.StartedBy, DryRun: input.Options.DryRun,
		StartedAt: workflow.Now(ctx),
	}
	if c := input.Resume; c != nil {
		r.restore(c)
		return r
	}
	r.status = &RunStatus{
		WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		Playbook: pb.Name, Version: pb.Version, SHA256: pb.SHA256,
		DryRun: input.Options.DryRun, Status: RunRunning, StartedAt: r.info.StartedAt, StartedBy: input.Options.StartedBy,
	}
	var add func(steps []*playbook.Step)
	add = func(steps []*playbook.Step) {
		for _, s := range steps {
			st := &StepStatus{ID: s.ID, Kind: string(s.Kind), Action: s.Action, Status: playbook.StatusPending}
			r.status.Steps = append(r.status.Steps, st)
			r.byID[s.ID] = st
			add(s.Parallel)
		}
	}
	add(pb.Steps)
	return r
}

// env is the expression environment at this point of the run. loop, when
// set, binds item and index.
func (r *run) env(loop *loopVars) *playbook.Env {
	e := &playbook.Env{
		Inputs: r.input.Inputs, Alert: r.input.Alert,
		Steps: r.results, Vars: r.vars, Run: r.info,
	}
	if r.now != nil {
		e.Run.Now = r.now()
	}
	if loop != nil {
		e.Item, e.Index, e.InLoop = loop.item, loop.index, true
	}
	return e
}

type loopVars struct {
	item  any
	index int
}

// runTop runs the top-level steps from r.next, offering continue-as-new
// between steps when the server suggests it.
func (r *run) runTop(ctx workflow.Context) error {
	for ; r.next < len(r.pb.Steps); r.next++ {
		if err := r.runStep(ctx, r.pb.Steps[r.next], nil); err != nil {
			return err
		}
		if r.next+1 < len(r.pb.Steps) && r.mayContinueAsNew(ctx, nil) {
			r.next++
			return r.continueAsNew(ctx, nil)
		}
	}
	return nil
}

// runStep runs one step and records its result. The returned error stops
// the enclosing sequence; a step with continue_on_error records its failure
// and returns nil.
func (r *run) runStep(ctx workflow.Context, s *playbook.Step, loop *loopVars) error {
	st := r.byID[s.ID]
	now := workflow.Now(ctx)
	st.StartedAt = &now
	ok, err := playbook.EvalBool(s.If, r.env(loop))
	if err != nil {
		return r.settle(ctx, s, nil, fmt.Errorf("step %s: if: %w", s.ID, err))
	}
	if !ok {
		st.Status = playbook.StatusSkipped
		r.results[s.ID] = playbook.StepResult{Status: string(playbook.StatusSkipped)}
		st.FinishedAt = &now
		return nil
	}
	st.Status = playbook.StatusRunning
	out, err := r.guarded(s, func() (*outcome, error) { return r.dispatch(ctx, s, loop) })
	var can *workflow.ContinueAsNewError
	if errors.As(err, &can) {
		return err // the step goes on in the next run
	}
	return r.settle(ctx, s, out, err)
}

// guarded runs fn and turns a panic in it into the step's failure: a
// workflow task that panics is retried by the SDK forever (and blocks
// the run), so no input, however odd, may panic one. Nothing recorded
// changes for a run that never panicked, and a run that did never
// completed the panicking task, so no gate is needed. runtime.Goexit,
// which the SDK uses to stop a workflow's coroutines
// (go.temporal.io/sdk@v1.50.0/internal/internal_workflow.go, exit), is
// not a panic and passes through.
func (r *run) guarded(s *playbook.Step, fn func() (*outcome, error)) (out *outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, &stepFailure{msg: fmt.Sprintf("step %s: internal error: %v; nothing more was done by this step", s.ID, p)}
		}
	}()
	return fn()
}

func (r *run) dispatch(ctx workflow.Context, s *playbook.Step, loop *loopVars) (*outcome, error) {
	if s.Foreach != nil {
		return r.runForeach(ctx, s, loop)
	}
	switch s.Kind {
	case playbook.KindAction:
		return r.runAction(ctx, s, loop)
	case playbook.KindApproval:
		return r.runApproval(ctx, s, loop)
	case playbook.KindSet:
		return r.runSet(s, loop)
	case playbook.KindWait:
		return &outcome{}, workflow.Sleep(ctx, s.Wait)
	case playbook.KindFail:
		msg, err := evalString(s.Fail, r.env(loop))
		if err != nil {
			return nil, err
		}
		return nil, &stepFailure{msg: msg}
	case playbook.KindPlaybook:
		return r.runChild(ctx, s, loop)
	case playbook.KindParallel:
		return r.runParallel(ctx, s, loop)
	}
	return nil, fmt.Errorf("step %s: unknown kind %q", s.ID, s.Kind)
}

// outcome is what a step produced.
type outcome struct {
	output any
	// bulk is a list action's result until seal makes it the output.
	bulk     *action.BulkResult
	status   playbook.StepState // "" means succeeded
	attempts int
	plan     *Plan
}

// settle records a finished step. Rejections and cancellations always stop
// the run; other failures stop it unless the step continues on error.
func (r *run) settle(ctx workflow.Context, s *playbook.Step, out *outcome, err error) error {
	st := r.byID[s.ID]
	now := workflow.Now(ctx)
	st.FinishedAt = &now
	status := playbook.StatusSucceeded
	var res playbook.StepResult
	if out != nil {
		res.Output = out.output
		if out.status != "" {
			status = out.status
		}
		st.Attempts, st.Plan = out.attempts, out.plan
	}
	if err != nil {
		status = playbook.StatusFailed
		res.Error = stepError(err)
		var rej *rejectedError
		if errors.As(err, &rej) {
			status = playbook.StatusRejected
		}
		if st.Attempts == 0 {
			st.Attempts = attemptsOf(err)
		}
	}
	res.Status = string(status)
	st.Status, st.Output, st.Error = status, summarize(res.Output), res.Error
	r.results[s.ID] = res
	if err == nil || (s.ContinueOnError && status == playbook.StatusFailed && !isCancel(ctx, err)) {
		return nil
	}
	return err
}

func (r *run) runSet(s *playbook.Step, loop *loopVars) (*outcome, error) {
	out := map[string]any{}
	env := r.env(loop)
	for _, k := range sortedKeys(s.Set) {
		v, err := s.Set[k].Eval(env)
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", k, err)
		}
		r.vars[k] = v
		out[k] = v
	}
	return &outcome{output: out}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func evalString(v *playbook.Value, env *playbook.Env) (string, error) {
	if v == nil {
		return "", nil
	}
	x, err := v.Eval(env)
	if err != nil {
		return "", err
	}
	if s, ok := x.(string); ok {
		return s, nil
	}
	return fmt.Sprint(x), nil
}
