package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/activities/spec"
)

// BulkResult is the output of every action over a list of IDs.
type BulkResult struct {
	Status    string       `json:"status"` // successful | partially_successful | failed
	Results   []ItemResult `json:"results"`
	Succeeded []string     `json:"succeeded"`
	Failed    []string     `json:"failed"`
	// Zone is the zone after the write, for Block/Unblock IPs.
	Zone any `json:"zone,omitempty"`
}

// ItemResult is the outcome for one item of a list action.
type ItemResult struct {
	ID         string `json:"id"`
	OK         bool   `json:"ok"`
	Outcome    string `json:"outcome"` // spec.Outcome*
	OktaCode   string `json:"okta_code,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Message    string `json:"message,omitempty"`
	// Data is what Okta returned for the item when it matters to the
	// playbook: the activation or password-reset URL when no email is sent.
	Data any `json:"data,omitempty"`
	// Secret marks Data holding a credential (a temporary password): the
	// item is left out of heartbeats, so the credential reaches Temporal
	// only in the step's output; a retry redoes the item instead.
	Secret bool `json:"-"`
}

// heartbeatable returns the items a heartbeat may carry.
func heartbeatable(items []ItemResult) []ItemResult {
	out := items[:0:0]
	for _, r := range items {
		if !r.Secret {
			out = append(out, r)
		}
	}
	return out
}

func done(id, outcome string) (ItemResult, error) {
	return ItemResult{ID: id, OK: true, Outcome: outcome}, nil
}

// itemFunc acts on one item. It returns a non-nil error only for a
// transient failure (429, 5xx, network) that should stop the run and retry
// the activity; permanent failures are reported in the ItemResult.
type itemFunc func(ctx context.Context, id string) (ItemResult, error)

// failed turns a permanent error into the item's failed result, or passes
// a transient one through so the activity retries. On the last attempt a
// transient error is recorded as a failure too, so the step still reports
// what it did.
func failed(ctx context.Context, id string, err error) (ItemResult, error) {
	if retryable(err) && !lastAttempt(ctx) {
		return ItemResult{}, err
	}
	d := errorDetails("", err)
	return ItemResult{ID: id, Outcome: spec.OutcomeFailed, OktaCode: d.OktaCode, HTTPStatus: d.HTTPStatus, Message: d.Message}, nil
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

// runBulk runs fn over ids with bounded concurrency. It records a heartbeat
// with every finished item and, on a retry, resumes from the last
// heartbeat's details, so finished items are not redone. A transient error
// stops dispatching, waits for items in flight, and is returned (classified
// by the caller) so Temporal retries after the right delay.
func (a *Activities) runBulk(ctx context.Context, act *spec.Action, ids []string, fn itemFunc) (*BulkResult, error) {
	log := activity.GetLogger(ctx)
	doneByID := map[string]ItemResult{}
	if activity.HasHeartbeatDetails(ctx) {
		var prev []ItemResult
		if err := activity.GetHeartbeatDetails(ctx, &prev); err == nil {
			for _, r := range prev {
				doneByID[r.ID] = r
			}
			log.Info("resuming from heartbeat", "action", act.Name, "done", len(prev), "total", len(ids))
		}
	}
	var (
		mu       sync.Mutex
		progress = make([]ItemResult, 0, len(ids))
		abort    error
	)
	for _, r := range doneByID {
		progress = append(progress, r)
	}
	// Items record a heartbeat as they finish, but pacing may hold every
	// item back for up to a rate-limit window (60 s at Okta), longer than
	// the heartbeat timeout; a ticker keeps the heartbeat alive meanwhile.
	stopBeat := make(chan struct{})
	defer close(stopBeat)
	go func() {
		t := time.NewTicker(beatInterval(ctx))
		defer t.Stop()
		for {
			select {
			case <-t.C:
				mu.Lock()
				activity.RecordHeartbeat(ctx, heartbeatable(progress))
				mu.Unlock()
			case <-stopBeat:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	work := make(chan string)
	var wg sync.WaitGroup
	for range max(a.BulkConcurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				res, err := fn(ctx, id)
				mu.Lock()
				if err != nil {
					if abort == nil {
						abort = err
					}
				} else {
					doneByID[id] = res
					progress = append(progress, res)
					activity.RecordHeartbeat(ctx, heartbeatable(progress))
				}
				mu.Unlock()
			}
		}()
	}
dispatch:
	for _, id := range ids {
		mu.Lock()
		_, finished := doneByID[id]
		stop := abort != nil
		mu.Unlock()
		if finished {
			continue
		}
		if stop {
			break
		}
		select {
		case work <- id:
		case <-ctx.Done():
			mu.Lock()
			if abort == nil {
				abort = ctx.Err()
			}
			mu.Unlock()
			break dispatch
		}
	}
	close(work)
	wg.Wait()
	if abort != nil {
		activity.RecordHeartbeat(ctx, heartbeatable(progress))
		log.Warn("stopping for a retry", "action", act.Name, "done", len(progress), "total", len(ids), "error", abort)
		return nil, classify(act.Title, abort)
	}
	return a.finish(act, ids, doneByID)
}

// finish assembles the result in input order and fails the activity when
// every item failed, with the integration spec's message for the first
// failure. The BulkResult rides along as the error's second detail.
func (a *Activities) finish(act *spec.Action, ids []string, byID map[string]ItemResult) (*BulkResult, error) {
	res := &BulkResult{Results: make([]ItemResult, 0, len(ids)), Succeeded: []string{}, Failed: []string{}}
	for _, id := range ids {
		r := byID[id]
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
		d := ErrorDetails{Command: act.Title, OktaCode: first.OktaCode, HTTPStatus: first.HTTPStatus, Message: first.Message}
		return nil, temporal.NewApplicationErrorWithOptions(failureMessage(act.Title, d), ErrClientError,
			temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{d, res}})
	}
	return res, nil
}
