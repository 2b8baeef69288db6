package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
)

func done(id, outcome string) (spec.ItemResult, error) {
	return spec.ItemResult{ID: id, OK: true, Outcome: outcome}, nil
}

// itemFunc acts on one item. It returns a non-nil error only for a
// transient failure (429, 5xx, network) that should stop the run and retry
// the activity; permanent failures are reported in the spec.ItemResult.
type itemFunc func(ctx context.Context, id string) (spec.ItemResult, error)

// failed turns a permanent error into the item's failed result, or passes
// a transient one through so the activity retries. On the last attempt a
// transient error is recorded as a failure too, so the step still reports
// what it did.
func failed(ctx context.Context, id string, err error) (spec.ItemResult, error) {
	if Retryable(err) && !lastAttempt(ctx) {
		return spec.ItemResult{}, err
	}
	d := errorDetails("", err)
	return spec.ItemResult{ID: id, Outcome: spec.OutcomeFailed, OktaCode: d.OktaCode, HTTPStatus: d.HTTPStatus, Message: d.Message}, nil
}

func beatInterval(ctx context.Context) time.Duration {
	if hb := activity.GetInfo(ctx).HeartbeatTimeout; hb > 0 {
		return max(hb/3, time.Second)
	}
	return 10 * time.Second
}

func lastAttempt(ctx context.Context) bool {
	if !activity.IsActivity(ctx) {
		return true
	}
	info := activity.GetInfo(ctx)
	rp := info.RetryPolicy
	return rp != nil && rp.MaximumAttempts > 0 && info.Attempt >= rp.MaximumAttempts
}

// bulkProgress is what a bulk activity records in its heartbeat: the
// finished items, by index into the request's ID list, and their results
// (Results[i] belongs to Done[i]). A retry resumes from it and redoes only
// the rest; an item interrupted by a 429 or a 5xx is not in it, so the
// retry does it again.
type bulkProgress struct {
	Done    []int             `json:"done"`
	Results []spec.ItemResult `json:"results"`
}

// add records item i's result. The item's id is left out: it is the
// request's ids[i], restored on resume, so a 250-item chunk's heartbeat
// stays a few kilobytes.
func (p *bulkProgress) add(i int, r spec.ItemResult) {
	r.ID = ""
	p.Done = append(p.Done, i)
	p.Results = append(p.Results, r)
}

// resumeProgress reads the last attempt's heartbeat. Details of another
// shape (an older Cordon's) or out of range are ignored: the items are
// then redone, which the idempotent writes report as already done.
func resumeProgress(ctx context.Context, ids []string) (bulkProgress, map[int]spec.ItemResult) {
	n := len(ids)
	var p bulkProgress
	done := map[int]spec.ItemResult{}
	if !activity.HasHeartbeatDetails(ctx) {
		return p, done
	}
	var prev bulkProgress
	if err := activity.GetHeartbeatDetails(ctx, &prev); err != nil || len(prev.Done) != len(prev.Results) {
		return p, done
	}
	for k, i := range prev.Done {
		if _, dup := done[i]; i >= 0 && i < n && !dup {
			r := prev.Results[k]
			p.add(i, r)
			r.ID = ids[i]
			done[i] = r
		}
	}
	return p, done
}

// runBulk runs fn over ids with bounded concurrency. It records a heartbeat
// with every finished item and, on a retry, resumes from the last
// heartbeat's details, so finished items are not redone. A transient error
// (a 429, a 5xx, no answer) does not fail its item while the activity has
// attempts left: the runner stops dispatching, lets the items in flight
// finish, and returns the error (classified: a 429 carries NextRetryDelay
// from Okta's reset) so that Temporal retries the unfinished items.
func (a *Activities) runBulk(ctx context.Context, act *spec.Action, ids []string, fn itemFunc) (*spec.BulkResult, error) {
	log := activity.GetLogger(ctx)
	b := &bulkRun{ctx: ctx, ids: ids, off: make(chan struct{})}
	b.progress, b.doneAt = resumeProgress(ctx, ids)
	if len(b.doneAt) > 0 {
		log.Info("resuming from heartbeat", "action", act.Name, "done", len(b.doneAt), "total", len(ids))
	}
	defer b.keepBeating()()
	// Once one item stops the run, the items still waiting for the pacer
	// are called off: they are unfinished work for the retry, and waiting
	// for the window to turn would only delay the retry.
	itemCtx := okta.WithCallOff(ctx, b.off)
	// The pacer bursts only while the whole remainder fits the budget.
	itemCtx, endPlan := okta.WithPlan(itemCtx, len(ids)-len(b.doneAt))
	defer endPlan()
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(a.BulkConcurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				res, err := fn(itemCtx, ids[i])
				b.record(i, res, err)
			}
		}()
	}
	b.dispatch(work)
	close(work)
	wg.Wait()
	if b.abort != nil {
		activity.RecordHeartbeat(ctx, b.progress)
		log.Warn("handing unfinished items back for a retry", "action", act.Name, "done", len(b.doneAt), "total", len(ids), "error", b.abort)
		return nil, classify(act.Title, b.abort)
	}
	return a.finish(act, ids, b.doneAt)
}

// bulkRun is the state runBulk's item workers share, under mu.
type bulkRun struct {
	ctx      context.Context
	ids      []string
	mu       sync.Mutex
	progress bulkProgress
	doneAt   map[int]spec.ItemResult
	abort    error         // the error that stopped the run
	off      chan struct{} // closed when abort is set by an item
}

// keepBeating heartbeats the progress on a ticker until the returned stop
// is called. Items record a heartbeat as they finish, but pacing may hold
// every item back for up to a rate-limit window (60 s at Okta), longer
// than the heartbeat timeout.
func (b *bulkRun) keepBeating() (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(beatInterval(b.ctx))
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.mu.Lock()
				activity.RecordHeartbeat(b.ctx, b.progress)
				b.mu.Unlock()
			case <-done:
				return
			case <-b.ctx.Done():
				return
			}
		}
	}()
	return func() { close(done) }
}

func (b *bulkRun) calledOff() bool {
	select {
	case <-b.off:
		return true
	default:
		return false
	}
}

// record takes item i's result: done (and heartbeated), or the error that
// stops the run and calls off the items still waiting.
func (b *bulkRun) record(i int, res spec.ItemResult, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.calledOff() && (err != nil || !res.OK):
		// Called off (or failed after the call-off): left for the retry,
		// neither done nor failed.
	case err != nil:
		if b.abort == nil {
			b.abort = err
			close(b.off)
		}
	default:
		b.doneAt[i] = res
		if !res.Secret { // a credential never goes into a heartbeat: a retry redoes the item
			b.progress.add(i, res)
		}
		activity.RecordHeartbeat(b.ctx, b.progress)
	}
}

// dispatch hands the unfinished items to the workers until one stops the
// run or the activity's context ends.
func (b *bulkRun) dispatch(work chan<- int) {
	for i := range b.ids {
		b.mu.Lock()
		_, finished := b.doneAt[i]
		stop := b.abort != nil
		b.mu.Unlock()
		if finished {
			continue
		}
		if stop {
			return
		}
		select {
		case work <- i:
		case <-b.ctx.Done():
			b.mu.Lock()
			if b.abort == nil {
				b.abort = b.ctx.Err()
			}
			b.mu.Unlock()
			return
		}
	}
}

// finish assembles the result in input order and fails the activity when
// every item failed, with the integration spec's message for the first
// failure. The spec.BulkResult rides along as the error's second detail.
func (a *Activities) finish(act *spec.Action, ids []string, byIndex map[int]spec.ItemResult) (*spec.BulkResult, error) {
	res := &spec.BulkResult{Results: make([]spec.ItemResult, 0, len(ids)), Succeeded: []string{}, Failed: []string{}}
	for i, id := range ids {
		r := byIndex[i]
		res.Results = append(res.Results, r)
		if r.OK {
			res.Succeeded = append(res.Succeeded, id)
		} else {
			res.Failed = append(res.Failed, id)
		}
	}
	switch {
	case len(res.Failed) == 0:
		res.Status = spec.StatusSuccessful
	case len(res.Succeeded) > 0:
		res.Status = spec.StatusPartiallySuccessful
	default:
		res.Status = spec.StatusFailed
		// Each item's failure was permanent (transient ones stop the run
		// instead), so the activity fails without retrying.
		first := res.Results[0]
		d := spec.ErrorDetails{Command: act.Title, OktaCode: first.OktaCode, HTTPStatus: first.HTTPStatus, Message: first.Message}
		return nil, temporal.NewApplicationErrorWithOptions(failureMessage(act.Title, d), ErrClientError,
			temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{d, res}})
	}
	return res, nil
}
