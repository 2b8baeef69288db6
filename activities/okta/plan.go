package okta

import (
	"context"
	"sync/atomic"
)

// plan is a caller's announcement of how many requests it is about to
// make. The pacer cannot see a bulk action's queue (only the few items in
// flight reach it), so without a plan it would judge 1,000 deactivations
// by the 8 waiting and burst where it should pace.
type plan struct {
	left  atomic.Int64 // requests announced and not yet let through
	ended atomic.Bool
}

type planKey struct{}

// WithPlan announces that the requests made with the returned context
// number about n; the pacer then bursts only while all n fit in the
// budget left, and paces otherwise. Call end when the work is over (early
// or not) so the remainder stops counting. The bulk runner uses it.
func WithPlan(ctx context.Context, n int) (_ context.Context, end func()) {
	pl := &plan{}
	pl.left.Store(int64(n))
	return context.WithValue(ctx, planKey{}, pl), func() { pl.ended.Store(true) }
}

func planOf(ctx context.Context) *plan {
	pl, _ := ctx.Value(planKey{}).(*plan)
	return pl
}
