package okta

import (
	"net/http"
	"strconv"
	"strings"
	"time"
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
	// BucketToken is the org authorization server's token endpoint,
	// POST /oauth2/v1/token, which Okta limits apart from the Management
	// API (an authentication bucket, not in BucketFor's table).
	BucketToken = "oauth2-token"
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
