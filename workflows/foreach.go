package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/playbook"
)

// defaultConcurrency is a foreach's window when the step sets none.
const defaultConcurrency = 8

// window runs fn for indexes 0..n-1 with at most size running at once, in
// index order of start. The first error cancels the rest and is returned
// once every started call has finished, so no activity is left running.
func window(ctx workflow.Context, n, size int, fn func(workflow.Context, int) error) error {
	if size <= 0 {
		size = defaultConcurrency
	}
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	var firstErr error
	paused := false
	running, next := 0, 0
	done := workflow.NewChannel(ctx)
	for next < n || running > 0 {
		for running < size && next < n && firstErr == nil && !paused {
			i := next
			next++
			running++
			workflow.Go(ctx, func(gctx workflow.Context) {
				done.Send(gctx, fn(gctx, i))
			})
		}
		if running == 0 {
			break
		}
		var err error
		done.Receive(ctx, &err)
		running--
		switch {
		case err == errPause:
			paused = true
		case err != nil && firstErr == nil:
			firstErr = err
			cancel()
		}
	}
	if firstErr == nil && paused {
		return errPause
	}
	return firstErr
}

// errPause, returned by a window's function, stops new calls without
// cancelling running ones: the window drains and returns errPause.
var errPause = errors.New("paused for continue-as-new")

// foreachProgress is a foreach step's finished items, carried over
// continue-as-new.
type foreachProgress struct {
	outputs []any
	done    []bool
}

// runForeach fans a step out over a list: outputs come back in item order.
// Items that fail fail the step unless it continues on error, in which case
// their output is null and the step is partially_succeeded.
func (r *run) runForeach(ctx workflow.Context, s *playbook.Step, loop *loopVars) (*outcome, error) {
	v, err := s.Foreach.Eval(r.env(loop))
	if err != nil {
		return nil, fmt.Errorf("step %s: foreach: %w", s.ID, err)
	}
	items, ok := v.([]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("step %s: foreach: got %T, want a list", s.ID, v)
	}
	r.byID[s.ID].Items = len(items)
	prog := r.resumeProgress(s, len(items))
	failures, finished := 0, 0
	top := loop == nil && r.next < len(r.pb.Steps) && r.pb.Steps[r.next] == s
	var todo []int
	for i := range items {
		if !prog.done[i] {
			todo = append(todo, i)
		}
	}
	err = window(ctx, len(todo), s.Concurrency, func(ctx workflow.Context, k int) error {
		if top && finished > 0 && r.mayContinueAsNew(ctx, prog) {
			return errPause
		}
		i := todo[k]
		item := &loopVars{item: items[i], index: i}
		var out *outcome
		var err error
		if s.Kind == playbook.KindPlaybook {
			out, err = r.runChild(ctx, s, item, i+1)
		} else {
			out, err = r.runAction(ctx, s, item, i+1)
		}
		if err != nil {
			if s.ContinueOnError && !isCancel(ctx, err) {
				failures++
				finished++
				prog.done[i] = true
				return nil
			}
			return fmt.Errorf("item %d: %w", i, err)
		}
		prog.outputs[i], prog.done[i] = out.output, true
		finished++
		return nil
	})
	if err == errPause {
		return nil, r.continueAsNew(ctx, prog)
	}
	if err != nil {
		return nil, err
	}
	res := &outcome{output: prog.outputs}
	if failures > 0 {
		res.status = playbook.StatusPartiallySucceeded
	}
	return res, nil
}

// resumeProgress restores items a previous run of this workflow finished
// before continuing as new.
func (r *run) resumeProgress(s *playbook.Step, n int) *foreachProgress {
	p := &foreachProgress{outputs: make([]any, n), done: make([]bool, n)}
	if c := r.input.Resume; c != nil && len(c.Done) == n && r.pb.Steps[r.next] == s {
		copy(p.outputs, c.Partial)
		copy(p.done, c.Done)
		c.Partial, c.Done = nil, nil
	}
	return p
}
