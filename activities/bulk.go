package activities

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

func done(id, outcome string) (action.ItemResult, error) {
	return action.ItemResult{ID: id, OK: true, Outcome: outcome}, nil
}

// itemFunc acts on one item. It returns a non-nil error only for a
// transient failure (429, 5xx, network) that should stop the run and retry
// the activity; permanent failures are reported in the action.ItemResult.
type itemFunc func(ctx context.Context, id string) (action.ItemResult, error)

// failed turns a permanent error into the item's failed result, or passes
// a transient one through so the activity retries. A 429 always passes
// through (runBulk waits for the reset). On the last attempt's last round
// a 5xx or network error is recorded as a failure, so the step still
// reports what it did.
func failed(ctx context.Context, id string, err error) (action.ItemResult, error) {
	if _, limited := rateLimitDelay(err); limited {
		refused(ctx)                    // Okta refused before acting: the write did not land
		return action.ItemResult{}, err // budget, not failure: runBulk waits and redoes the item
	}
	if Retryable(err) && !lastAttempt(ctx) {
		return action.ItemResult{}, err
	}
	d := errorDetails("", err)
	return action.ItemResult{ID: id, Outcome: action.OutcomeFailed, OktaCode: d.OktaCode, HTTPStatus: d.HTTPStatus, Message: d.Message}, nil
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
	if r := itemOf(ctx); r != nil && r.b.retriesLeft > 0 {
		return false // the bulk attempt gives the item another round first
	}
	info := activity.GetInfo(ctx)
	rp := info.RetryPolicy
	return rp != nil && rp.MaximumAttempts > 0 && info.Attempt >= rp.MaximumAttempts
}

// runBulk runs fn over ids with bounded concurrency. It records a heartbeat
// with every finished item and, on a retry, resumes from the last
// heartbeat's details (bulkprogress.go), so finished items are not redone.
// A 429 never fails an item and never ends the attempt: the runner lets
// the items in flight finish, waits for Okta's reset, and dispatches the
// unfinished items again, within the attempt (a rate-limit wait is
// budget, not failure). Any other transient error (a 5xx, no answer)
// does not fail its item while the activity has attempts left: the runner
// stops dispatching, gives the unfinished items up to inAttemptRetries
// more rounds, and then returns the error, so that Temporal retries them.
func (a *Activities) runBulk(ctx context.Context, act *action.Action, ids []string, fn itemFunc) (*action.BulkResult, error) {
	return a.runBulkIn(ctx, act, "", ids, fn)
}

// runBulkIn is runBulk for a membership action: group is the group its
// System Log events name (attribution.go).
func (a *Activities) runBulkIn(ctx context.Context, act *action.Action, group string, ids []string, fn itemFunc) (*action.BulkResult, error) {
	fn = a.guardItem(act, fn) // the guardrails, re-checked before each item's write (writeguard.go)
	log := activity.GetLogger(ctx)
	ctx = a.withAttribution(ctx, act, group)
	b := &bulkRun{ctx: ctx, ids: ids}
	b.progress, b.doneAt, b.uncertain = resumeProgress(ctx, ids)
	if len(b.doneAt) > 0 {
		log.Info("resuming from heartbeat", "action", act.Name, "done", len(b.doneAt), "total", len(ids))
	}
	defer b.keepBeating()()
	b.retriesLeft = inAttemptRetries
	for {
		b.round(a, act, fn)
		if delay, limited := rateLimitDelay(b.abort); limited {
			if !a.waitForReset(ctx, delay) {
				break
			}
			log.Info("rate limited; waited for the reset within the attempt", "action", act.Name,
				"done", len(b.doneAt), "total", len(ids), "wait", delay)
			continue
		}
		if b.abort == nil || !Retryable(b.abort) || b.retriesLeft == 0 || ctx.Err() != nil {
			break
		}
		// A 5xx or a lost connection: the unfinished items get another
		// round within the attempt first, so that one bad answer does not
		// cost the step a new attempt (and its re-reads).
		wait := time.Second << (inAttemptRetries - b.retriesLeft)
		b.retriesLeft--
		if !sleepCtx(ctx, wait) {
			break
		}
	}
	if b.abort != nil {
		b.mu.Lock()
		b.progress.Final = true
		activity.RecordHeartbeat(ctx, b.progress)
		b.mu.Unlock()
		log.Warn("handing unfinished items back for a retry", "action", act.Name, "done", len(b.doneAt), "total", len(ids), "error", b.abort)
		return nil, classify(act.Title, b.abort)
	}
	return a.finish(act, ids, b.doneAt)
}

// round dispatches the unfinished items to the workers until one stops the
// run, and waits for the items in flight.
func (b *bulkRun) round(a *Activities, act *action.Action, fn itemFunc) {
	b.abort, b.off = nil, make(chan struct{})
	// What earlier rounds and attempts sent: an item they wrote may have
	// landed, so this round reads it back and attributes it as a retry.
	b.sentBefore = slices.Clone(b.progress.SentBits)
	b.rounds++
	// Once one item stops the run, the items still waiting for the pacer
	// are called off: they are unfinished work for the next round or the
	// retry, and waiting for the window to turn would only delay it.
	itemCtx := okta.WithCallOff(b.ctx, b.off)
	// The pacer bursts only while the whole remainder fits the budget.
	itemCtx, endPlan := okta.WithPlan(itemCtx, len(b.ids)-len(b.doneAt))
	defer endPlan()
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(a.BulkConcurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				ictx := context.WithValue(itemCtx, itemKey{}, &itemRef{b: b, i: i})
				res, err := a.item(ictx, act, b.ids[i], fn)
				b.record(i, res, err)
			}
		}()
	}
	b.dispatch(work)
	close(work)
	wg.Wait()
}

// inAttemptRetries is how many more rounds a bulk attempt gives its
// unfinished items after a 5xx or a lost connection (1 s, 2 s, 4 s apart)
// before it hands them back to Temporal's retry.
const inAttemptRetries = 3

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// rateLimitDelay says whether err is a 429 and how long its reset is.
func rateLimitDelay(err error) (time.Duration, bool) {
	var apiErr *okta.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusTooManyRequests {
		return 0, false
	}
	if apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	return fallbackRateDelay, true
}

// waitForReset sleeps until a 429's window resets, plus jitter; false
// when the activity's deadline or context ends first, so the attempt
// hands its unfinished items back instead.
func (a *Activities) waitForReset(ctx context.Context, delay time.Duration) bool {
	delay += time.Duration(rand.Int64N(int64(retryJitter)))
	if activity.IsActivity(ctx) {
		if dl := activity.GetInfo(ctx).Deadline; !dl.IsZero() && time.Until(dl) < delay+time.Minute {
			return false
		}
	}
	return sleepCtx(ctx, delay)
}

// bulkRun is the state runBulk's item workers share, under mu.
type bulkRun struct {
	ctx      context.Context
	ids      []string
	mu       sync.Mutex
	progress bulkProgress
	doneAt   map[int]action.ItemResult
	// sentBefore is the write-ahead record of the earlier rounds and
	// attempts (taken at the start of each round); uncertain says it may
	// be incomplete (the last attempt died).
	sentBefore []byte
	uncertain  bool
	// retriesLeft counts the in-attempt rounds left after a 5xx; set
	// between rounds only.
	retriesLeft int
	rounds      int           // rounds run in this attempt, the current one included
	abort       error         // the error that stopped the round
	off         chan struct{} // closed when abort is set by an item
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
func (b *bulkRun) record(i int, res action.ItemResult, err error) {
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
		if activity.IsActivity(b.ctx) {
			activity.RecordHeartbeat(b.ctx, b.progress)
		}
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
// failure. The action.BulkResult rides along as the error's second detail.
func (a *Activities) finish(act *action.Action, ids []string, byIndex map[int]action.ItemResult) (*action.BulkResult, error) {
	res := &action.BulkResult{Results: make([]action.ItemResult, 0, len(ids)), Succeeded: []string{}, Failed: []string{}}
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
		res.Status = action.StatusSuccessful
	case len(res.Succeeded) > 0:
		res.Status = action.StatusPartiallySuccessful
	default:
		res.Status = action.StatusFailed
		// Each item's failure was permanent (transient ones stop the run
		// instead), so the activity fails without retrying.
		first := res.Results[0]
		d := action.ErrorDetails{Command: act.Title, OktaCode: first.OktaCode, HTTPStatus: first.HTTPStatus, Message: first.Message}
		return nil, appError(failureMessage(act.Title, d), action.ErrClientError,
			temporal.ApplicationErrorOptions{Details: []any{d, res}})
	}
	return res, nil
}
