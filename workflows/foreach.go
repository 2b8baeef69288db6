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
	keep    bool // outputs are kept (and carried)
}

// maxUnreadOutputs: a foreach up to this many items keeps its outputs for
// the report even when no expression reads them.
const maxUnreadOutputs = 1000

// maxHistoryEvents is where a foreach that cannot continue as new stops
// cleanly, well before Temporal's 51,200-event limit would terminate the
// run.
const maxHistoryEvents = 40000

// whyNoContinue says why a run at the history limit did not continue as new.
func (r *run) whyNoContinue(top bool) string {
	if !top {
		return "the foreach is inside a parallel block or another foreach"
	}
	return fmt.Sprintf("its state is over the %d-byte carry limit", maxCarry)
}

// packBits and unpackBits carry a foreach's finished items as a bitmap.
func packBits(done []bool) []byte {
	b := make([]byte, (len(done)+7)/8)
	for i, d := range done {
		if d {
			b[i/8] |= 1 << (i % 8)
		}
	}
	return b
}

func unpackBits(b []byte, n int) ([]bool, bool) {
	if len(b) != (n+7)/8 {
		return nil, false
	}
	out := make([]bool, n)
	for i := range out {
		out[i] = b[i/8]&(1<<(i%8)) != 0
	}
	return out, true
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
	// Item outputs nothing reads are not kept (beyond what a report
	// shows), so a 100,000-item foreach carries a bitmap over
	// continue-as-new, not 100,000 outputs.
	keep := r.pb.OutputRead(s.ID) || len(items) <= maxUnreadOutputs
	prog.keep = keep
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
		if n := workflow.GetInfo(ctx).GetCurrentHistoryLength(); n > maxHistoryEvents {
			return fmt.Errorf("step %s stopped before item %d of %d: the run's history holds %d events, near Temporal's limit of 51,200, "+
				"and the run cannot continue as new (%s); keep the outputs smaller (fields:, a jsonpath of ids) or run the items as a playbook: step",
				s.ID, todo[k], len(items), n, r.whyNoContinue(top))
		}
		i := todo[k]
		item := &loopVars{item: items[i], index: i}
		var out *outcome
		var err error
		out, err = r.guarded(s, func() (*outcome, error) {
			if s.Kind == playbook.KindPlaybook {
				return r.runChild(ctx, s, item)
			}
			return r.runAction(ctx, s, item)
		})
		if err != nil {
			if s.ContinueOnError && !isCancel(ctx, err) {
				failures++
				finished++
				prog.done[i] = true
				return nil
			}
			return fmt.Errorf("item %d: %w", i, err)
		}
		if keep {
			prog.outputs[i] = out.output
		}
		prog.done[i] = true
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
	if !keep {
		res.output = nil
	}
	if failures > 0 {
		res.status = playbook.StatusPartiallySucceeded
	}
	return res, nil
}

// resumeProgress restores items a previous run of this workflow finished
// before continuing as new.
func (r *run) resumeProgress(s *playbook.Step, n int) *foreachProgress {
	p := &foreachProgress{outputs: make([]any, n), done: make([]bool, n)}
	c := r.input.Resume
	if c == nil || r.next >= len(r.pb.Steps) || r.pb.Steps[r.next] != s {
		return p
	}
	done, ok := unpackBits(c.DoneBits, n)
	if !ok && len(c.Done) == n {
		done, ok = c.Done, true // carried by a worker from before the bitmap
	}
	if ok {
		copy(p.outputs, c.Partial)
		copy(p.done, done)
		c.Partial, c.Done, c.DoneBits = nil, nil, nil
	}
	return p
}
