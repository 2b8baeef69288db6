package okta

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer keeps this process's share of Okta's org-wide limits. One instance
// serves a Client (the worker holds one Client), so all activities of a
// process draw from the same budget; processes do not talk to each other.
//
// Okta counts a bucket's requests org-wide and every answer says what is
// left of the window (X-Rate-Limit-Remaining) and when it ends (Reset), so
// the headers are the truth all worker processes share:
//
//   - Hard stop: no request goes out while Remaining, less this process's
//     requests in flight, is at or below the margin less its headroom.
//   - Share: a window's allowance for this process is its share of the
//     org's consumption in the previous window (its own counted answers
//     over Limit - Remaining), times Limit less the margin. Three busy
//     workers settle at about a third each; a worker that wanted more
//     while the org left budget unused asks for a little more next window
//     (shareStep), so a share grows back when another worker goes idle.
//     Alone, the share is 1.
//   - Burst, then spread: a token bucket holds half the allowance (it
//     goes out at once: incident response values the first minute) and
//     refills at the allowance per window, so steady demand is spread
//     evenly and never waits for a reset, whose whole-second rounding
//     would waste part of every window.
//   - Margin: requests of each window left unspent. It starts at minMargin,
//     grows by half after a window that drew a 429 (other processes, or
//     other integrations on the org, were faster than the headers) and
//     shrinks by one after each clean window.
type pacer struct {
	window time.Duration
	paced  bool
	sem    chan struct{}

	mu      sync.Mutex
	buckets map[string]*bucketState
	skew    skewEstimate
}

type bucketState struct {
	known     bool
	limit     int
	remaining int   // what pacing assumes is left of the current window
	low       int   // the lowest Remaining reported for the window of resetUnix
	resetUnix int64 // the current window's X-Rate-Limit-Reset
	resetAt   time.Time
	window    time.Duration // learned window length; 0 until seen
	inflight  int           // this process's requests without an answer

	answered int  // this process's requests the org counted in the current window
	capped   bool // a request waited for this process's allowance this window
	limited  bool // the current window drew a 429
	stopped  bool // the last request waited for the window to reset

	share   float64 // this process's fraction of the window's budget
	margin  int
	lim     *rate.Limiter // the share of the allowance, spread over the window
	tuned   [4]float64    // share, limit, margin and window lim was set for
	changed chan struct{} // closed and replaced on every update
}

const (
	// minMargin is the least a window keeps unspent: one request of
	// reserve, so Remaining does not reach zero, and two of headroom for
	// requests whose arrival order makes them land in the older window.
	reserve   = 1
	headroom  = 2
	minMargin = reserve + headroom
	// burstFraction of a window's allowance goes out without spacing.
	burstFraction = 0.5
	// shareStep is how much a capped process asks for beyond its measured share.
	shareStep = 0.05
	// minShare keeps a process that was crowded out able to make progress.
	minShare = 1.0 / 16
)

func newPacer(window time.Duration, maxInFlight int, paced bool) *pacer {
	return &pacer{window: window, paced: paced, sem: make(chan struct{}, maxInFlight),
		buckets: map[string]*bucketState{}}
}

func (p *pacer) bucket(name string) *bucketState {
	b := p.buckets[name]
	if b == nil {
		b = &bucketState{changed: make(chan struct{}), share: 1, margin: minMargin}
		p.buckets[name] = b
	}
	return b
}

// releaseFunc hands a slot back with the answer's rate information and
// HTTP status (0 when no answer came).
type releaseFunc func(ri RateInfo, status int, sent, recv time.Time)

// acquire waits for a slot in bucket name and returns the function that
// hands the slot back.
func (p *pacer) acquire(ctx context.Context, name string) (releaseFunc, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if !p.paced {
		return func(RateInfo, int, time.Time, time.Time) { <-p.sem }, nil
	}
	if err := p.wait(ctx, name); err != nil {
		<-p.sem
		return nil, err
	}
	return func(ri RateInfo, status int, sent, recv time.Time) {
		p.update(name, ri, status, sent, recv)
		<-p.sem
	}, nil
}

func (p *pacer) wait(ctx context.Context, name string) error {
	for {
		p.mu.Lock()
		b := p.bucket(name)
		now := time.Now()
		if b.known && !b.resetAt.IsZero() && !now.Before(b.resetAt) {
			// The window has rolled over by our estimate: assume it is full
			// again until the next answer says otherwise. (low keeps the
			// old window's figure for closeWindow.)
			b.remaining, b.resetAt = b.limit, time.Time{}
		}
		delay, ok := p.admit(b, now)
		if ok {
			b.inflight++
			p.mu.Unlock()
			return sleepCtx(ctx, delay, func() { p.mu.Lock(); b.inflight--; p.mu.Unlock() })
		}
		changed := b.changed
		p.mu.Unlock()
		var wake <-chan time.Time
		var timer *time.Timer
		if delay > 0 {
			timer = time.NewTimer(delay)
			wake = timer.C
		}
		var err error
		select {
		case <-changed:
		case <-wake:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if timer != nil {
			timer.Stop()
		}
		if err != nil {
			return err
		}
	}
}

// admit decides whether a request may go now; if not, it returns how long
// to wait before asking again (0: until the bucket's next update). A
// request it admits may still have to sleep off its token reservation
// (the second result is then true and the delay is that sleep).
func (p *pacer) admit(b *bucketState, now time.Time) (time.Duration, bool) {
	if !b.known {
		// One probe learns the bucket's limit before the rest go.
		return 0, b.inflight == 0
	}
	// The hard stop keeps the margin less its headroom, which is for the
	// rounding of window starts and does not need to stay unspent: the
	// steady rate never reaches it. A bucket of one request cannot keep
	// a reserve.
	if b.remaining-b.inflight <= min(b.margin-headroom, b.limit-1) {
		b.stopped = true
		if b.resetAt.IsZero() {
			return time.Second, false // no known reset: look again after a second
		}
		return max(b.resetAt.Sub(now), time.Millisecond), false
	}
	if b.lim == nil {
		return 0, true
	}
	if b.stopped {
		// Demand outran the window: the bucket refilled while it waited
		// for the reset, but those tokens are not spare budget. Carry on
		// at the steady rate; bursts are for demand that follows a lull.
		b.stopped = false
		if n := int(b.lim.TokensAt(now)); n > 0 {
			b.lim.ReserveN(now, n)
		}
	}
	delay := b.lim.ReserveN(now, 1).DelayFrom(now)
	if delay > 0 {
		b.capped = true
	}
	return delay, true
}

// retune sets the token bucket from the bucket's limit, window, margin and
// this process's share: the allowance of a window, spread over the window,
// with half of it available at once.
func (p *pacer) retune(b *bucketState, now time.Time) {
	window := p.window
	if b.window > 0 {
		window = b.window
	}
	allow := b.share * float64(max(b.limit-min(b.margin, b.limit-1), 1))
	burst := max(int(allow*burstFraction), 1)
	if b.lim == nil {
		b.lim = rate.NewLimiter(rate.Limit(allow/window.Seconds()), burst)
		return
	}
	b.lim.SetLimitAt(now, rate.Limit(allow/window.Seconds()))
	b.lim.SetBurstAt(now, burst)
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
	// rolled: wait already treats the window of resetUnix as over.
	rolled := b.known && b.resetAt.IsZero()
	switch {
	case !b.known:
		b.low, b.remaining = ri.Remaining, ri.Remaining
	case reset > b.resetUnix:
		b.closeWindow()
		b.low, b.remaining = ri.Remaining, ri.Remaining
	case reset == b.resetUnix:
		b.low = min(b.low, ri.Remaining)
		if rolled && !limited {
			// A late answer from the window that ended: it counts for
			// closeWindow but says nothing about the new one.
			b.answered++
			return
		}
		// A 429 from a window we thought over means the estimate of its
		// reset was early: stop until the answer's own reset.
		b.remaining = min(b.remaining, ri.Remaining)
	default:
		return // a late answer from an older window
	}
	if limited {
		b.limited = true
	} else {
		b.answered++
	}
	b.known, b.resetUnix, b.limit = true, reset, ri.Limit
	b.resetAt = p.skew.local(ri.Reset, recv.Add(ri.ResetIn))
	if limited {
		b.resetAt = later(b.resetAt, recv.Add(ri.ResetIn))
	}
	// The headers do not state the window's length, but Reset - Date is at
	// most the window plus the rounding of both headers to whole seconds
	// (Date down, Reset up). The longest such observation, less a second,
	// is kept, so an unlucky rounding only ever makes pacing burstier
	// within the allowance, never the allowance larger.
	if ri.ResetIn >= 2*time.Second {
		b.window = max(b.window, ri.ResetIn-time.Second)
	}
	if b.lim == nil || b.tuned != [4]float64{b.share, float64(b.limit), float64(b.margin), b.window.Seconds()} {
		b.tuned = [4]float64{b.share, float64(b.limit), float64(b.margin), b.window.Seconds()}
		p.retune(b, recv)
	}
}

func sleepCtx(ctx context.Context, d time.Duration, undo func()) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		undo()
		return ctx.Err()
	}
}

// closeWindow learns from the window that just ended: this process's share
// of what the org consumed, and whether the margin was enough.
func (b *bucketState) closeWindow() {
	if total := b.limit - b.low; total > 0 && b.answered > 0 {
		s := float64(b.answered) / float64(total)
		if b.capped && b.low > b.margin+1 {
			// This process wanted more and the org left budget unused:
			// ask for a little more (another worker may have gone idle).
			s += shareStep
		}
		b.share = min(max(s, minShare), 1)
	}
	switch {
	case b.limited:
		b.margin = min(b.margin+max(1, b.margin/2), max(b.limit/4, minMargin))
	case b.margin > minMargin:
		b.margin--
	}
	b.answered, b.capped, b.limited = 0, false, false
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
