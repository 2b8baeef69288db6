package okta

import (
	"context"
	"errors"
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
//   - Burst while plentiful, else spread: a token bucket refills at the
//     allowance per window, so steady demand is spread evenly and never
//     waits for a reset (whose whole-second rounding would waste part of
//     every window). While the budget is plentiful (the org used under
//     half of the last window, or this process sat out a whole window,
//     and others have spent little of this one) the bucket holds half
//     the allowance, which goes out at once: incident response values
//     the first minute. Under sustained demand it holds one request, so
//     the bursts of several workers never add up past a window.
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
	busy     bool // the org used at least half of the last window
	// othersRate is how fast other clients spent the last window
	// (requests per second); it ages Remaining between answers.
	othersRate float64
	seenAt     time.Time // when the last answer came
	firstRecv  time.Time // when the first answer of this window came
	windowSure bool      // window was measured on an answer that opened one
	rolledAt   time.Time // when the last window ended by our estimate

	share   float64 // this process's fraction of the window's budget
	margin  int
	lim     *rate.Limiter // the share of the allowance, spread over the window
	burst   int           // the bucket's burst while the budget is plentiful
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
	if err := p.wait(ctx, off, name); err != nil {
		<-p.sem
		return nil, err
	}
	return func(ri RateInfo, status int, sent, recv time.Time) {
		p.update(name, ri, status, sent, recv)
		<-p.sem
	}, nil
}

func (p *pacer) wait(ctx context.Context, off <-chan struct{}, name string) error {
	for {
		p.mu.Lock()
		b := p.bucket(name)
		now := time.Now()
		if b.known && !b.resetAt.IsZero() && !now.Before(b.resetAt) {
			// The window has rolled over by our estimate: assume it is full
			// again until the next answer says otherwise. (low keeps the
			// old window's figure for closeWindow.)
			b.remaining, b.resetAt, b.rolledAt = b.limit, time.Time{}, b.resetAt
		}
		delay, ok := p.admit(b, now)
		if ok {
			b.inflight++
			p.mu.Unlock()
			return nil
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
		case <-off:
			err = ErrCalledOff
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
// to wait before asking again (0: until the bucket's next update).
func (p *pacer) admit(b *bucketState, now time.Time) (time.Duration, bool) {
	if !b.known {
		// One probe learns the bucket's limit before the rest go.
		return 0, b.inflight == 0
	}
	// The hard stop keeps the margin less its headroom, which is for the
	// rounding of window starts and does not need to stay unspent: the
	// steady rate never reaches it. A bucket of one request cannot keep
	// a reserve. Remaining is as old as the last answer, and the other
	// clients have spent some since, at about their last window's rate.
	left := b.remaining
	if !b.resetAt.IsZero() {
		left -= int(b.othersRate * now.Sub(b.seenAt).Seconds())
	}
	if left-b.inflight <= min(b.margin-headroom, b.limit-1) {
		if b.resetAt.IsZero() {
			return time.Second, false // no known reset: look again after a second
		}
		return max(b.resetAt.Sub(now), time.Millisecond), false
	}
	if b.lim == nil {
		return 0, true
	}
	// Burst only while the budget is plentiful: the org used under half
	// of the last window, and others have used little of this one. Under
	// sustained demand the bucket paces at the steady rate, so bursts of
	// several workers never add up past a window.
	quiet := !b.busy
	switch {
	case b.resetAt.IsZero():
		// Between windows by our estimate: a whole window without a
		// request from this process makes the last one's use stale.
		quiet = quiet || now.Sub(b.rolledAt) >= p.windowOf(b)
	case b.limit-b.low-b.answered > b.limit/10:
		quiet = false // others are spending this window
	}
	burst := 1
	if quiet {
		burst = b.burst
	}
	if b.lim.Burst() != burst {
		b.lim.SetBurstAt(now, burst)
	}
	// Take a token only when there is one: a reservation made now would
	// commit the request to a time when the headers may say the window is
	// spent, and reservations made at a rate that a new share lowered
	// would hold the next requests back for seconds.
	if b.lim.AllowN(now, 1) {
		return 0, true
	}
	b.capped = true
	need := (1 - b.lim.TokensAt(now)) / float64(b.lim.Limit())
	return max(time.Duration(need*float64(time.Second)), time.Millisecond), false
}

// retune sets the token bucket from the bucket's limit, window, margin and
// this process's share: the allowance of a window, spread over the window;
// half of it may go at once while the budget is plentiful (see admit).
func (p *pacer) retune(b *bucketState, now time.Time) {
	window := p.windowOf(b)
	allow := b.share * float64(max(b.limit-min(b.margin, b.limit-1), 1))
	b.burst = max(int(allow*burstFraction), 1)
	if b.lim == nil {
		b.lim = rate.NewLimiter(rate.Limit(allow/window.Seconds()), b.burst)
		return
	}
	b.lim.SetLimitAt(now, rate.Limit(allow/window.Seconds()))
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
	// rolled: wait already treats the window of resetUnix as over.
	rolled := b.known && b.resetAt.IsZero()
	switch {
	case !b.known:
		b.low, b.remaining, b.firstRecv = ri.Remaining, ri.Remaining, recv
	case reset > b.resetUnix:
		b.closeWindow(p.windowOf(b))
		b.low, b.remaining, b.firstRecv = ri.Remaining, ri.Remaining, recv
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
	b.known, b.resetUnix, b.limit, b.seenAt = true, reset, ri.Limit, recv
	// The headers do not state the window's length, but Reset - Date is at
	// most the window plus the rounding of both headers to whole seconds
	// (Date down, Reset up): exactly W + 1s for the answer that opened a
	// window (its Date and the window's start share a second), less for
	// later ones. The longest observation, less a second, is kept.
	if ri.ResetIn >= 2*time.Second {
		b.window = max(b.window, ri.ResetIn-time.Second)
		b.windowSure = b.windowSure || ri.Remaining == ri.Limit-1
	}
	b.resetAt = p.skew.local(ri.Reset, recv.Add(ri.ResetIn))
	switch {
	case limited:
		// The window is spent: wait for the reset Okta announced, by the
		// latest reading of it.
		b.resetAt = later(b.resetAt, recv.Add(ri.ResetIn))
	case b.windowSure:
		// Reset is rounded up to a whole second, up to a second late. The
		// window started before our first answer in it arrived, so it
		// ends by that arrival plus its length: often much sooner.
		if end := b.firstRecv.Add(b.window); end.Before(b.resetAt) {
			b.resetAt = end
		}
	}
	if b.lim == nil || b.tuned != [4]float64{b.share, float64(b.limit), float64(b.margin), b.window.Seconds()} {
		b.tuned = [4]float64{b.share, float64(b.limit), float64(b.margin), b.window.Seconds()}
		p.retune(b, recv)
	}
}

// closeWindow learns from the window that just ended: this process's share
// of what the org consumed, and whether the margin was enough.
func (b *bucketState) closeWindow(window time.Duration) {
	total := b.limit - b.low
	b.othersRate = float64(max(total-b.answered, 0)) / window.Seconds()
	if total > 0 && b.answered > 0 {
		s := float64(b.answered) / float64(total)
		if unused := b.low - b.margin; b.capped && unused > 0 {
			// This process wanted more and the org left budget unused:
			// ask for half of it (another worker may have gone idle).
			s += max(shareStep, float64(unused)/float64(2*b.limit))
		}
		b.share = min(max(s, minShare), 1)
	}
	b.busy = 2*total >= b.limit
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
