package oktasim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Top-level LogEvent properties; a filter on anything else is Okta's
// "field is not valid" error.
var logEventFields = map[string]bool{"uuid": true, "published": true, "eventType": true, "version": true,
	"severity": true, "legacyEventType": true, "displayMessage": true, "actor": true, "client": true,
	"device": true, "authenticationContext": true, "outcome": true, "securityContext": true,
	"debugContext": true, "transaction": true, "request": true, "target": true}

const (
	logDefaultLimit = 100
	logMaxLimit     = 1000
	logMaxSinceAge  = 180 * 24 * time.Hour
	logDefaultSpan  = 7 * 24 * time.Hour
)

// logQuery is a parsed GET /api/v1/logs request.
type logQuery struct {
	since, until time.Time
	hasUntil     bool
	desc         bool
	polling      bool // no until and ascending: infinite pages, persistence order
	limit        int
	afterSeq     int64
	afterPub     time.Time
	hasAfter     bool
	filter       node
	keywords     []string
}

func (s *Sim) parseLogQuery(r *http.Request) (*logQuery, *apiError) {
	q := r.URL.Query()
	now := s.clock()
	lq := &logQuery{until: now, limit: logDefaultLimit}
	if v := q.Get("until"); v != "" {
		t, err := parseISO(v)
		if err != nil {
			return nil, errLogDate("until")
		}
		lq.until, lq.hasUntil = t.UTC(), true
	}
	lq.since = lq.until.Add(-logDefaultSpan)
	if v := q.Get("since"); v != "" {
		t, err := parseISO(v)
		if err != nil {
			return nil, errLogDate("since")
		}
		lq.since = t.UTC()
	}
	if now.Sub(lq.since) > logMaxSinceAge {
		return nil, errLogFilter("Invalid parameter: The since parameter is over 180 days prior to the current day.")
	}
	switch strings.ToUpper(q.Get("sortOrder")) {
	case "", "ASCENDING":
	case "DESCENDING":
		lq.desc = true
	default:
		return nil, &apiError{status: 400, code: "E0000001", uuidID: true, summary: "Api validation failed: 'sortOrder': must be ASCENDING or DESCENDING",
			causes: []string{"sortOrder: must be ASCENDING or DESCENDING"}}
	}
	lq.polling = !lq.hasUntil && !lq.desc
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > logMaxLimit {
			return nil, &apiError{status: 400, code: "E0000001", uuidID: true, summary: "Api validation failed: 'limit': must be between 0 and 1000",
				causes: []string{"limit: must be between 0 and 1000"}}
		}
		if n > 0 {
			lq.limit = n
		}
	}
	if v := q.Get("after"); v != "" {
		ms, seq, ok := strings.Cut(v, "_")
		msN, err1 := strconv.ParseInt(ms, 10, 64)
		seqN, err2 := strconv.ParseInt(seq, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, errLogFilter("Invalid parameter: after")
		}
		lq.afterPub, lq.afterSeq, lq.hasAfter = time.UnixMilli(msN).UTC(), seqN, true
	}
	if f := q.Get("filter"); f != "" {
		n, e := parseLogFilter(f)
		if e != nil {
			return nil, e
		}
		lq.filter = n
	}
	if v := q.Get("q"); v != "" {
		for _, k := range strings.Fields(v) {
			if len(k) > 40 {
				return nil, &apiError{status: 400, code: "E0000001", uuidID: true,
					summary: "Api validation failed: 'q': Freeform search cannot contain items longer than 40 characters. Please shorten the items in your search or use an advanced filter to query by specific fields.",
					causes:  []string{"q: Freeform search cannot contain items longer than 40 characters. Please shorten the items in your search or use an advanced filter to query by specific fields."}}
			}
			lq.keywords = append(lq.keywords, strings.ToLower(k))
		}
		if len(lq.keywords) > 10 {
			return nil, &apiError{status: 400, code: "E0000001", uuidID: true, summary: "Api validation failed: 'q': Freeform search cannot contain more than 10 items.",
				causes: []string{"q: Freeform search cannot contain more than 10 items."}}
		}
	}
	return lq, nil
}

func parseLogFilter(f string) (node, *apiError) {
	n, err := parseExpr(f)
	if err != nil {
		return nil, errLogFilter(fmt.Sprintf("Invalid filter '%s': %s", f, err.Error()))
	}
	var ae *apiError
	_ = walk(n, true, func(c cmpNode) error {
		root, _, _ := strings.Cut(c.attr, ".")
		switch {
		case !logEventFields[root]:
			ae = errLogFilter("field is not valid: " + c.attr)
		case c.attr == "published":
			ae = errLogOperator(c.op, c.attr) // Okta: filter does not apply to published
		case c.op == "co" && (c.attr == "debugContext.debugData.url" || c.attr == "debugContext.debugData.requestUri"):
			ae = errLogOperator(c.op, c.attr)
		}
		if ae != nil {
			return ae
		}
		return nil
	})
	return n, ae
}

// listLogs serves GET /api/v1/logs with Okta's two modes: polling requests
// (no until, ascending) follow persistence order and always carry a next
// link; bounded requests follow published order and end.
func (s *Sim) listLogs(w http.ResponseWriter, r *http.Request) *apiError {
	lq, e := s.parseLogQuery(r)
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var hits []*logEvent
	var lastScanned *logEvent
	if lq.polling {
		for _, ev := range s.org.events { // events are in persistence order
			if lq.hasAfter {
				if ev.seq <= lq.afterSeq {
					continue
				}
			} else if ev.persisted.Before(lq.since) {
				continue
			}
			if lq.matches(ev) {
				hits = append(hits, ev)
			}
			lastScanned = ev
			if len(hits) == lq.limit {
				break
			}
		}
		next := r.URL.Query().Get("after")
		if lastScanned != nil {
			// Resume after the last event looked at, matched or not.
			next = cursor(lastScanned)
		} else if next == "" {
			next = fmt.Sprintf("%d_%d", lq.since.UnixMilli(), s.org.lastSeqBefore(lq.since))
		}
		s.setLinks(w, r, next)
		writeEvents(w, hits)
		return nil
	}
	for _, ev := range s.org.events {
		if ev.published.Before(lq.since) || ev.published.After(lq.until) || !lq.matches(ev) {
			continue
		}
		if lq.hasAfter && !lq.beyondCursor(ev) {
			continue
		}
		hits = append(hits, ev)
	}
	sort.SliceStable(hits, func(i, j int) bool { return lq.less(hits[i], hits[j]) })
	next := ""
	if len(hits) > lq.limit {
		hits = hits[:lq.limit]
		next = cursor(hits[len(hits)-1])
	}
	s.setLinks(w, r, next)
	writeEvents(w, hits)
	return nil
}

func cursor(ev *logEvent) string { return fmt.Sprintf("%d_%d", ev.published.UnixMilli(), ev.seq) }

// lastSeqBefore finds where a poller that starts at since should resume.
func (o *org) lastSeqBefore(t time.Time) int64 {
	var seq int64
	for _, ev := range o.events {
		if ev.persisted.Before(t) {
			seq = ev.seq
		}
	}
	return seq
}

func (lq *logQuery) less(a, b *logEvent) bool {
	if !a.published.Equal(b.published) {
		return a.published.Before(b.published) != lq.desc
	}
	if a.seq == b.seq {
		return false
	}
	return (a.seq < b.seq) != lq.desc
}

func (lq *logQuery) beyondCursor(ev *logEvent) bool {
	c := &logEvent{published: lq.afterPub, seq: lq.afterSeq}
	return lq.less(c, ev)
}

func (lq *logQuery) matches(ev *logEvent) bool {
	if lq.filter != nil && !eval(lq.filter, eventGetter(ev.raw), true) {
		return false
	}
	for _, k := range lq.keywords {
		if !containsKeyword(ev.raw, k) {
			return false
		}
	}
	return true
}

func writeEvents(w http.ResponseWriter, evs []*logEvent) {
	out := make([]map[string]any, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.raw)
	}
	writeJSON(w, http.StatusOK, out)
}

// eventGetter resolves dotted paths; through arrays (target, ipChain) it
// yields every element's value so that `target.id eq "…"` matches any target.
func eventGetter(raw map[string]any) getter {
	return func(attr string) (any, bool) {
		vals := []any{raw}
		for _, part := range strings.Split(attr, ".") {
			var next []any
			for _, v := range vals {
				switch x := v.(type) {
				case map[string]any:
					if c, ok := x[part]; ok {
						next = append(next, c)
					}
				case []any:
					for _, el := range x {
						if m, ok := el.(map[string]any); ok {
							if c, ok := m[part]; ok {
								next = append(next, c)
							}
						}
					}
				}
			}
			vals = next
		}
		switch len(vals) {
		case 0:
			return nil, false
		case 1:
			return vals[0], true
		}
		return vals, true
	}
}

// containsKeyword is the q search: a case-insensitive match of a whole
// value or of one of its words (values are split on spaces, hyphens, dots
// and other separators, as Okta splits hyphenated values).
func containsKeyword(v any, k string) bool {
	switch x := v.(type) {
	case string:
		l := strings.ToLower(x)
		if l == k {
			return true
		}
		for _, word := range strings.FieldsFunc(l, func(r rune) bool { return strings.ContainsRune(" -.,;:/@()\"'", r) }) {
			if word == k {
				return true
			}
		}
	case map[string]any:
		for _, c := range x {
			if containsKeyword(c, k) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if containsKeyword(c, k) {
				return true
			}
		}
	}
	return false
}
