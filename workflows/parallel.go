package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/playbook"
)

// runParallel starts every entry at once. The first failure cancels the
// others (an entry with continue_on_error records its failure and does not
// count); the step waits for all entries before returning, so nothing is
// left running behind it. Its output maps entry id to output.
func (r *run) runParallel(ctx workflow.Context, s *playbook.Step, loop *loopVars) (*outcome, error) {
	err := window(ctx, len(s.Parallel), len(s.Parallel), func(ctx workflow.Context, i int) error {
		return r.runStep(ctx, s.Parallel[i], loop)
	})
	out := make(map[string]any, len(s.Parallel))
	for _, b := range s.Parallel {
		out[b.ID] = r.results[b.ID].Output
	}
	if err != nil {
		r.markCancelled(ctx, s.Parallel)
		return &outcome{output: out}, fmt.Errorf("step %s: %w", s.ID, err)
	}
	return &outcome{output: out}, nil
}

// markCancelled records entries that never finished because a sibling failed.
func (r *run) markCancelled(ctx workflow.Context, steps []*playbook.Step) {
	now := workflow.Now(ctx)
	for _, b := range steps {
		st := r.byID[b.ID]
		if st.Status == playbook.StatusPending || st.Status == playbook.StatusRunning {
			st.Status = playbook.StatusSkipped
			st.FinishedAt = &now
			r.results[b.ID] = playbook.StepResult{Status: string(playbook.StatusSkipped)}
		}
	}
}
