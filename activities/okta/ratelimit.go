package okta

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateInfo is what one response's X-Rate-Limit-* headers said.
type RateInfo struct {
	Bucket    string    // the Okta bucket the request counted against (see BucketFor)
	Present   bool      // the response carried the headers
	Limit     int       // X-Rate-Limit-Limit
	Remaining int       // X-Rate-Limit-Remaining
	Reset     time.Time // X-Rate-Limit-Reset (whole epoch seconds)
	Date      time.Time // the response's Date header
	// ResetIn is Reset minus Date: how long until the window rolls over by
	// the server's own clock, so local clock skew does not matter.
	ResetIn time.Duration
}

// Concurrency reports a 429 caused by the org-wide concurrency limit, which
// Okta signals with Limit and Remaining both 0; it says nothing about the
// bucket's window.
func (r RateInfo) Concurrency() bool { return r.Present && r.Limit == 0 }

func parseRateInfo(h http.Header, bucket string) RateInfo {
	ri := RateInfo{Bucket: bucket}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		ri.Date = d
	}
	lim, err1 := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Limit")))
	rem, err2 := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")))
	// Okta's SDKs read only the first Reset value when a proxy duplicates it.
	rst, err3 := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return ri
	}
	ri.Present, ri.Limit, ri.Remaining, ri.Reset = true, lim, rem, time.Unix(rst, 0)
	if !ri.Date.IsZero() {
		ri.ResetIn = max(ri.Reset.Sub(ri.Date), 0)
	}
	return ri
}

// Bucket names, after Okta's published management rate-limit table
// (REFERENCE.md §1.7): exact matches first, then the longest prefix, and
// the same path may count against different buckets by method.
const (
	BucketUsers     = "users"       // GET or POST /api/v1/users
	BucketUserGet   = "user-get"    // GET /api/v1/users/{idOrLogin}
	BucketUserWrite = "user-write"  // POST/PUT/DELETE /api/v1/users/{id}
	BucketGroups    = "groups"      // /api/v1/groups and sub-paths except /api/v1/groups/{id}
	BucketGroupByID = "group-by-id" // /api/v1/groups/{id}
	BucketLogs      = "logs"        // /api/v1/logs
	BucketOther     = "api"         // every other /api/{version} call
)

// BucketFor maps a request to its Okta rate-limit bucket. path is relative
// to /api/{version} (e.g. /users/00u1/lifecycle/deactivate).
func BucketFor(method, path string) string {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch seg[0] {
	case "users":
		switch {
		case len(seg) == 1:
			return BucketUsers
		case len(seg) == 2 && method == http.MethodGet:
			return BucketUserGet
		case len(seg) == 2:
			return BucketUserWrite
		}
	case "groups":
		if len(seg) == 2 {
			return BucketGroupByID
		}
		return BucketGroups
	case "logs":
		return BucketLogs
	}
	return BucketOther
}

// pacer keeps this process under Okta's limits: one shared instance per
// Client (the worker holds one Client), so all activities draw from the
// same budget. It spreads each bucket's limit evenly over the window with a
// token bucket, refuses to spend a bucket's last request when the headers
// say it is nearly empty, and caps in-flight requests org-wide.
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
	remaining int   // as last reported, lowest seen in the current window
	resetUnix int64 // the current window's X-Rate-Limit-Reset
	resetAt   time.Time
	inflight  int
	window    time.Duration // learned window length; 0 until seen
	lim       *rate.Limiter
	changed   chan struct{} // closed and replaced on every update
}

// reserve is how many requests of a window the pacer leaves unspent, so a
// bucket's Remaining does not reach zero; headroom covers requests whose
// arrival order makes them land in the older window.
const (
	reserve  = 1
	headroom = 2
)

func newPacer(window time.Duration, maxInFlight int, paced bool) *pacer {
	return &pacer{window: window, paced: paced, sem: make(chan struct{}, maxInFlight),
		buckets: map[string]*bucketState{}}
}

func (p *pacer) bucket(name string) *bucketState {
	b := p.buckets[name]
	if b == nil {
		b = &bucketState{changed: make(chan struct{})}
		p.buckets[name] = b
	}
	return b
}

// acquire waits for a slot in bucket name and returns the function that
// hands the slot back with the response's rate information.
func (p *pacer) acquire(ctx context.Context, name string) (func(RateInfo, time.Time, time.Time), error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if !p.paced {
		return func(RateInfo, time.Time, time.Time) { <-p.sem }, nil
	}
	if err := p.wait(ctx, name); err != nil {
		<-p.sem
		return nil, err
	}
	return func(ri RateInfo, sent, recv time.Time) {
		p.update(name, ri, sent, recv)
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
			// again until the next response says otherwise.
			b.remaining, b.resetAt = b.limit, time.Time{}
		}
		var wake <-chan time.Time
		switch {
		case !b.known && b.inflight > 0:
			// One probe learns the bucket's limit before the rest go.
		case b.known && b.remaining-b.inflight <= min(reserve, b.limit-1):
			// A bucket of one request cannot keep a reserve; and without a
			// known reset, look again after a second rather than wait for
			// an answer that may never come.
			d := time.Second
			if !b.resetAt.IsZero() {
				d = b.resetAt.Sub(now)
			}
			wake = time.After(d)
		default:
			b.inflight++
			var delay time.Duration
			if b.lim != nil {
				delay = b.lim.Reserve().DelayFrom(now)
			}
			p.mu.Unlock()
			return sleepCtx(ctx, delay, func() { p.mu.Lock(); b.inflight--; p.mu.Unlock() })
		}
		changed := b.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
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

// update records a response's headers. Responses to concurrent requests
// arrive out of order, so within one window the lowest Remaining wins.
func (p *pacer) update(name string, ri RateInfo, sent, recv time.Time) {
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
	reset := ri.Reset.Unix()
	switch {
	case !b.known || reset > b.resetUnix:
		b.remaining = ri.Remaining
	case reset == b.resetUnix:
		b.remaining = min(b.remaining, ri.Remaining)
	default:
		return // a late answer from an older window
	}
	b.known, b.resetUnix = true, reset
	b.resetAt = p.skew.local(ri.Reset, recv.Add(ri.ResetIn))
	relimit := ri.Limit != b.limit
	// The headers do not state the window's length, but the first request
	// of a fresh window sees Reset - Date = the window plus the rounding of
	// both headers to whole seconds (Date down, Reset up): about W + 1s.
	// The longest such observation is kept, so an unlucky rounding only
	// ever slows pacing down.
	if ri.Remaining == ri.Limit-1 && ri.ResetIn >= 2*time.Second {
		if w := ri.ResetIn - time.Second; w > b.window {
			b.window, relimit = w, true
		}
	}
	if relimit {
		b.limit = ri.Limit
		window := p.window
		if b.window > 0 {
			window = b.window
		}
		// Spread the limit over the window, keeping reserve+headroom unspent:
		// a window opened by request k then holds at most limit-reserve-1
		// requests, however the window's start falls.
		per := float64(max(ri.Limit-reserve-headroom, 1)) / window.Seconds()
		b.lim = rate.NewLimiter(rate.Limit(per), 1)
	}
}

// skewEstimate pins the offset between the server's clock and ours from
// Date headers. Each response bounds the offset to
// [Date - recv, Date + 1s - sent); intersecting many responses narrows it
// to milliseconds once a Date second ticks over, which turns the
// whole-second X-Rate-Limit-Reset into an accurate local deadline.
type skewEstimate struct {
	lo, hi time.Duration
	ok     bool
}

func (s *skewEstimate) observe(date, sent, recv time.Time) {
	lo, hi := date.Sub(recv), date.Add(time.Second).Sub(sent)
	if !s.ok || lo > s.hi || hi < s.lo {
		// First sample, or the clocks drifted apart: start over.
		s.lo, s.hi, s.ok = lo, hi, true
		return
	}
	s.lo, s.hi = max(s.lo, lo), min(s.hi, hi)
}

// local converts a server time to local time, erring late (using the
// smallest plausible offset) so a wait never ends before the server's
// window has rolled over. Without an estimate it uses fallback.
func (s *skewEstimate) local(server, fallback time.Time) time.Time {
	if !s.ok {
		return fallback
	}
	return server.Add(-s.lo)
}
