package oktasim

import (
	"sync"
	"time"
)

// Rate-limit buckets. Each request counts against exactly one; the names are
// the keys of Options.Limits. Defaults are the Workforce column of Okta's last
// published management limits (requests per window).
const (
	// BucketUsers: GET or POST /api/v1/users (list, create). Default 600.
	BucketUsers = "/api/v1/users"
	// BucketUserGet: GET /api/v1/users/{idOrLogin}, including users/me. Default 2000.
	BucketUserGet = "GET /api/v1/users/{id}"
	// BucketUserWrite: POST/PUT/DELETE /api/v1/users/{id} (partial update,
	// replace, delete). Default 600.
	BucketUserWrite = "/api/v1/users/{id}"
	// BucketGroups: /api/v1/groups and its sub-paths except /api/v1/groups/{id}
	// (list, create, members, membership changes). Default 500.
	BucketGroups = "/api/v1/groups"
	// BucketGroupByID: /api/v1/groups/{id} only. Default 1000.
	BucketGroupByID = "/api/v1/groups/{id}"
	// BucketLogs: /api/v1/logs. Default 120.
	BucketLogs = "/api/v1/logs"
	// BucketOther: every other /api/v1 call (zones, user lifecycle, a user's
	// groups, sessions, factors and app links, org). Default 1200.
	BucketOther = "/api/v1"
)

// DefaultLimits returns the Workforce default limit of every bucket.
func DefaultLimits() map[string]int {
	return map[string]int{
		BucketUsers: 600, BucketUserGet: 2000, BucketUserWrite: 600,
		BucketGroups: 500, BucketGroupByID: 1000, BucketLogs: 120, BucketOther: 1200,
	}
}

// rateLimiter keeps one fixed window per bucket. A window opens with the
// first request after the previous one ended, which matches Okta's note that
// windows are not synchronised with wall-clock minutes.
type rateLimiter struct {
	window time.Duration
	limits map[string]int

	mu      sync.Mutex
	buckets map[string]*bucketState
}

type bucketState struct {
	start time.Time
	count int
}

// rateState is what the X-Rate-Limit-* headers report.
type rateState struct {
	limit, remaining int
	reset            time.Time
	ok               bool
}

func newRateLimiter(window time.Duration, overrides map[string]int) *rateLimiter {
	limits := DefaultLimits()
	for k, v := range overrides {
		limits[k] = v
	}
	return &rateLimiter{window: window, limits: limits, buckets: map[string]*bucketState{}}
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets = map[string]*bucketState{}
}

// current returns the bucket's live window, rolling it over if it ended.
func (l *rateLimiter) current(name string, now time.Time) *bucketState {
	b := l.buckets[name]
	if b == nil || !now.Before(b.start.Add(l.window)) {
		b = &bucketState{start: now}
		l.buckets[name] = b
	}
	return b
}

// take counts one request. A refused request does not count.
func (l *rateLimiter) take(name string, now time.Time) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.limits[name]
	b := l.current(name, now)
	st := rateState{limit: limit, reset: b.start.Add(l.window), ok: true}
	if limit <= 0 { // unlimited: report a generous constant ceiling
		st.limit, st.remaining = 1<<30, 1<<30
		return st
	}
	if b.count >= limit {
		st.ok = false
		return st
	}
	b.count++
	st.remaining = limit - b.count
	return st
}

// peek reports the bucket without counting (for answers that are not
// counted, such as 401).
func (l *rateLimiter) peek(name string, now time.Time) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.limits[name]
	b := l.current(name, now)
	st := rateState{limit: limit, remaining: max(limit-b.count, 0), reset: b.start.Add(l.window), ok: true}
	if limit <= 0 {
		st.limit, st.remaining = 1<<30, 1<<30
	}
	return st
}
