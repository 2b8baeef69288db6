package okta

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// pacer keeps this process's requests within Okta's org-wide limits. One
// instance serves a Client (the worker holds one Client per org), so all
// activities of a process draw from the same budget. Processes do not talk
// to each other: Okta counts a bucket's requests org-wide and every answer
// says what is left of the window (X-Rate-Limit-Remaining) and when it ends
// (X-Rate-Limit-Reset), so the headers are what worker processes share.
//
// The rules, per bucket (docs/operations.md#rate-limits):
//
//   - Budget: what the latest answer says remains, less the reserve kept
//     for other integrations (Config.RateReserve, default 10% of the
//     limit), less this process's requests still in flight.
//   - Burst when the work fits: while the requests this process has to
//     make in the bucket (those waiting, plus what bulk callers announced
//     with WithPlan) fit in the budget, every request goes at once, up to
//     the in-flight cap.
//   - Pace when it does not: the budget is spread evenly over the time
//     left in the window, one request every (time left) / (budget). Each
//     process paces by the org-wide Remaining, so several processes slow
//     each other down and together spend the budget by the window's end.
//   - Hard stop: no request while the budget is spent; the next goes at the
//     window's end, estimated to the millisecond (see update), and one
//     request probes the new window before the rest follow.
type pacer struct {
	window  time.Duration // Config.RateWindow: until a bucket's is measured
	reserve float64       // fraction of each window's limit left unspent
	paced   bool
	sem     chan struct{}

	mu      sync.Mutex
	buckets map[string]*bucketState
	skew    skewEstimate
}

type bucketState struct {
	known     bool
	limit     int
	remaining int       // the lowest Remaining of the current window (the limit once rolled)
	resetUnix int64     // the current window's X-Rate-Limit-Reset
	resetAt   time.Time // local estimate of the window's end; zero when the bucket has no window
	rolled    bool      // resetAt has passed and no answer of the next window came yet
	firstRecv time.Time // when this process's first answer of the current window came
	// window is the measured length, 0 until seen; sure once an answer
	// that opened a window showed it exactly (see update).
	window     time.Duration
	windowSure bool

	inflight int                // this process's requests without an answer
	waiting  int                // requests waiting that no plan announced
	queue    []chan struct{}    // requests waiting, in order; the head's channel is closed
	plans    map[*plan]struct{} // plans with requests in this bucket
	lastSent time.Time          // when the last request went while pacing
	changed  chan struct{}      // closed and replaced on every update
}

func newPacer(window time.Duration, maxInFlight int, reserve float64, paced bool) *pacer {
	return &pacer{window: window, reserve: reserve, paced: paced, sem: make(chan struct{}, maxInFlight),
		buckets: map[string]*bucketState{}}
}

func (p *pacer) bucket(name string) *bucketState {
	b := p.buckets[name]
	if b == nil {
		b = &bucketState{changed: make(chan struct{}), plans: map[*plan]struct{}{}}
		p.buckets[name] = b
	}
	return b
}

// reserveOf is the number of requests of a window of limit kept for other
// integrations: the reserve fraction rounded up, never the whole window.
func (p *pacer) reserveOf(limit int) int {
	if p.reserve <= 0 || limit <= 1 {
		return 0
	}
	return min(int(math.Ceil(p.reserve*float64(limit)-1e-9)), limit-1)
}

// ErrCalledOff is the error (wrapped in a *RequestError) of a request that
// was waiting for the pacer when its context's WithCallOff channel closed;
// it was never sent.
var ErrCalledOff = errors.New("okta: request called off before it was sent")

type callOffKey struct{}

// WithCallOff returns a context whose requests give up waiting for the
// pacer, with ErrCalledOff, once off is closed. Requests already sent are
// not affected (cancelling ctx would abort them mid-flight, leaving the
// caller unsure whether Okta acted). The bulk runner uses it to stop the
// items queued behind one that hit a 429.
func WithCallOff(ctx context.Context, off <-chan struct{}) context.Context {
	return context.WithValue(ctx, callOffKey{}, off)
}

// releaseFunc hands a slot back with the answer's rate information and
// HTTP status (0 when no answer came).
type releaseFunc func(ri RateInfo, status int, sent, recv time.Time)

// acquire waits for a slot in bucket name and returns the function that
// hands the slot back.
func (p *pacer) acquire(ctx context.Context, name string) (releaseFunc, error) {
	off, _ := ctx.Value(callOffKey{}).(<-chan struct{})
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-off:
		return nil, ErrCalledOff
	}
	if !p.paced {
		return func(RateInfo, int, time.Time, time.Time) { <-p.sem }, nil
	}
	if err := p.wait(ctx, off, name, planOf(ctx)); err != nil {
		<-p.sem
		return nil, err
	}
	return func(ri RateInfo, status int, sent, recv time.Time) {
		p.update(name, ri, status, sent, recv)
		<-p.sem
	}, nil
}

// wait queues the request in its bucket, first come first served: only
// the request at the head watches the clock and the answers, so an answer
// wakes one goroutine, not every request waiting (which cost the CPU of
// the request itself at a thousand requests a second).
func (p *pacer) wait(ctx context.Context, off <-chan struct{}, name string, pl *plan) error {
	turn := make(chan struct{})
	p.mu.Lock()
	b := p.bucket(name)
	if pl != nil {
		b.plans[pl] = struct{}{}
	} else {
		b.waiting++
	}
	b.queue = append(b.queue, turn)
	if len(b.queue) == 1 {
		close(turn)
	}
	p.mu.Unlock()
	err := sleep(ctx, off, turn, 0)
	for err == nil {
		p.mu.Lock()
		delay, ok := p.admit(b, time.Now())
		if ok {
			b.inflight++
			if pl != nil {
				pl.took(b)
			} else {
				b.waiting--
			}
			b.leave(turn)
			p.mu.Unlock()
			return nil
		}
		changed := b.changed
		p.mu.Unlock()
		err = sleep(ctx, off, changed, delay)
	}
	p.mu.Lock()
	if pl == nil {
		b.waiting--
	}
	b.leave(turn)
	p.mu.Unlock()
	return err
}

// leave takes a request out of the bucket's queue and, when it was at the
// head, gives the next one its turn.
func (b *bucketState) leave(turn chan struct{}) {
	i := slices.Index(b.queue, turn)
	if i < 0 {
		return
	}
	b.queue = slices.Delete(b.queue, i, i+1)
	if i == 0 && len(b.queue) > 0 {
		close(b.queue[0])
	}
}

// sleep waits for delay (0: no deadline), for changed to close, or for the
// request to be given up.
func sleep(ctx context.Context, off, changed <-chan struct{}, delay time.Duration) error {
	var wake <-chan time.Time
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		wake = t.C
	}
	select {
	case <-changed:
	case <-wake:
	case <-ctx.Done():
		return ctx.Err()
	case <-off:
		return ErrCalledOff
	}
	return nil
}

// admit decides whether a request may go at now; if not, it returns how
// long to wait before asking again (0: until the bucket's next update).
// It is the pacer's rules in one place, a pure function of the bucket's
// state and the clock, so unit tests drive it with a fake clock.
func (p *pacer) admit(b *bucketState, now time.Time) (time.Duration, bool) {
	if !b.known {
		return 0, b.inflight == 0 // one probe learns the bucket's limit
	}
	if !b.rolled && !b.resetAt.IsZero() && !now.Before(b.resetAt) {
		// The window has ended by our estimate: assume it is full again.
		b.rolled, b.remaining = true, b.limit
	}
	if b.rolled && b.inflight > 0 {
		// One request probes the new window: had the estimate been early,
		// a burst would land in the old window's reserve, or draw 429s.
		return 0, false
	}
	budget := b.remaining - p.reserveOf(b.limit) - b.inflight
	if budget <= 0 {
		switch {
		case b.inflight > 0 && (b.resetAt.IsZero() || b.rolled):
			return 0, false // an answer will say more
		case b.resetAt.IsZero() || b.rolled:
			return time.Second, false // no window to wait for: look again
		}
		return b.resetAt.Sub(now), false
	}
	if b.demand() <= budget {
		return 0, true
	}
	// The work does not fit: spread the budget over what is left of the
	// window (the next whole window, once this one has rolled).
	left := p.windowOf(b)
	if !b.rolled && !b.resetAt.IsZero() {
		left = b.resetAt.Sub(now)
	}
	next := b.lastSent.Add(left / time.Duration(budget))
	if now.Before(next) {
		return next.Sub(now), false
	}
	b.lastSent = now
	return 0, true
}

// demand is the number of requests this process still has to make in the
// bucket: the unannounced ones waiting and every live plan's remainder.
func (b *bucketState) demand() int {
	n := b.waiting
	for pl := range b.plans {
		if pl.ended.Load() {
			delete(b.plans, pl)
			continue
		}
		n += pl.left(b)
	}
	return max(n, 1)
}

// windowOf is the bucket's window length: as measured, else Config.RateWindow.
func (p *pacer) windowOf(b *bucketState) time.Duration {
	if b.window > 0 {
		return b.window
	}
	return p.window
}

// update records an answer's headers. Answers to concurrent requests arrive
// out of order, so within one window the lowest Remaining wins.
func (p *pacer) update(name string, ri RateInfo, status int, sent, recv time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bucket(name)
	b.inflight--
	defer func() { close(b.changed); b.changed = make(chan struct{}) }()
	if !ri.Present || ri.Concurrency() {
		if !ri.Present && !b.known {
			// A bucket that never sent headers (a proxy in front of a
			// test server?) has nothing to pace by. Once known, a stray
			// answer without headers (a proxy's 502) changes nothing.
			b.known = true
			b.limit, b.remaining = 1<<30, 1<<30
		}
		return
	}
	if !ri.Date.IsZero() {
		p.skew.observe(ri.Date, sent, recv)
	}
	limited := status == http.StatusTooManyRequests
	reset := ri.Reset.Unix()
	switch {
	case !b.known || reset > b.resetUnix:
		b.resetUnix, b.remaining, b.firstRecv, b.rolled = reset, ri.Remaining, recv, false
	case reset == b.resetUnix && (!b.rolled || limited):
		// A 429 from a window we thought over means the estimate of its
		// end was early: stop until the answer's own Reset.
		b.remaining, b.rolled = min(b.remaining, ri.Remaining), false
	default:
		return // a late answer from a window that has ended
	}
	b.known, b.limit = true, ri.Limit
	p.learnWindow(b, ri)
	b.resetAt = p.windowEnd(b, ri, recv, limited)
}

// learnWindow measures the window's length. The headers do not state it,
// but Reset - Date is at most the window plus the rounding of both to whole
// seconds (Date down, Reset up): W + 1s exactly for the answer that opened
// a window (its Date and the window's start share a second, Remaining is
// Limit - 1), less for later ones. The longest observation, less a second,
// is kept.
func (p *pacer) learnWindow(b *bucketState, ri RateInfo) {
	if ri.ResetIn < 2*time.Second {
		return
	}
	b.window = max(b.window, ri.ResetIn-time.Second)
	b.windowSure = b.windowSure || ri.Remaining == ri.Limit-1
}

// windowEnd estimates, in local time, when the current window ends.
// X-Rate-Limit-Reset is whole epoch seconds rounded up, so the window ends
// up to a second before it; the Date headers pin the server's clock to
// ours within milliseconds (skewEstimate). The window also began before
// this process's first answer in it arrived, so once the length is known
// exactly it ends by that arrival plus the length: usually within a round
// trip of the truth, never a whole second late.
func (p *pacer) windowEnd(b *bucketState, ri RateInfo, recv time.Time, limited bool) time.Time {
	end := p.skew.local(ri.Reset, recv.Add(ri.ResetIn))
	if limited {
		return end // the window is spent: wait for the reset Okta announced
	}
	if b.windowSure {
		if e := b.firstRecv.Add(b.window); e.Before(end) {
			end = e
		}
	}
	return end
}
