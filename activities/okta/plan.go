package okta

import (
	"context"
	"sync"
	"sync/atomic"
)

// plan is a caller's announcement of how many requests it is about to
// make. The pacer cannot see a bulk action's queue (only the few items in
// flight reach it), so without a plan it would judge 1,000 deactivations
// by the 8 waiting and burst where it should pace. An action whose items
// make one request in each of several buckets (a read, then a write)
// counts n in each.
type plan struct {
	n     int
	ended atomic.Bool

	mu   sync.Mutex
	sent map[*bucketState]int // requests let through, per bucket
}

type planKey struct{}

// WithPlan announces that the requests made with the returned context
// number about n (per bucket they touch); the pacer then bursts only while
// all of them fit in the budget left, and paces otherwise. Call end when
// the work is over (early or not) so the remainder stops counting. The
// bulk runner uses it.
func WithPlan(ctx context.Context, n int) (_ context.Context, end func()) {
	pl := &plan{n: n, sent: map[*bucketState]int{}}
	return context.WithValue(ctx, planKey{}, pl), func() { pl.ended.Store(true) }
}

func planOf(ctx context.Context) *plan {
	pl, _ := ctx.Value(planKey{}).(*plan)
	return pl
}

// left is how many of the plan's requests in bucket b are still to go
// (at least 1 while the plan is live: more requests than announced still
// count).
func (pl *plan) left(b *bucketState) int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return max(pl.n-pl.sent[b], 1)
}

// took records one of the plan's requests let through in bucket b.
func (pl *plan) took(b *bucketState) {
	pl.mu.Lock()
	pl.sent[b]++
	pl.mu.Unlock()
}
