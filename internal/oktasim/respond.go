package oktasim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only simulator bugs reach here; answer as Okta does for internal errors.
		status = http.StatusInternalServerError
		b = []byte(`{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorLink":"E0000009","errorId":"oaeSimMarshalFailure00000","errorCauses":[]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// noContent answers 204 with an empty body, as Okta does for membership
// changes and deletes.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// readJSON decodes a request body. Malformed JSON (and anything that is not
// the expected shape) is E0000003, an over-long body too: Okta's "Reader
// exception" covers every body it cannot read.
func readJSON(r *http.Request, v any) *apiError {
	b, err := io.ReadAll(r.Body) // over MaxBodyBytes this fails too
	if err != nil {
		return errMalformed()
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return errMalformed()
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errMalformed()
	}
	return nil
}

// baseURL is the org URL used in Link headers, _links, the issuer and the
// URLs DPoP proofs and client assertions name: Options.BaseURL or the
// request's scheme and host, followed by the org's path prefix.
func (s *Sim) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimRight(s.opts.BaseURL, "/") + s.prefix
	}
	return orgBase(r) + s.prefix
}

// setLinks adds the self link and, when nextAfter is non-empty, a next link.
// They are separate Link header values because Okta's SDKs split on header
// values, not on commas. next carries every original parameter plus after;
// url.Values.Encode sorts keys and uses "+" for spaces, as Okta's links do.
func (s *Sim) setLinks(w http.ResponseWriter, r *http.Request, nextAfter string) {
	base := s.baseURL(r) + r.URL.Path
	q := r.URL.Query()
	self := base
	if enc := q.Encode(); enc != "" {
		self += "?" + enc
	}
	w.Header().Add("Link", "<"+self+`>; rel="self"`)
	if nextAfter != "" {
		q.Set("after", nextAfter)
		w.Header().Add("Link", "<"+base+"?"+q.Encode()+`>; rel="next"`)
	}
}

// parseLimit reads `limit` with a default and a ceiling. Values above the
// ceiling are clamped (Okta silently caps page sizes); garbage is E0000029.
func parseLimit(q url.Values, def, max int) (int, *apiError) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errPaging()
	}
	if n == 0 {
		return def, nil
	}
	if max > 0 && n > max {
		return max, nil
	}
	return n, nil
}

// page returns up to limit items whose position is after the cursor and
// whether more remain. items must be in ascending position order.
func page[T any](items []T, pos func(T) int64, after int64, limit int) ([]T, bool) {
	i := 0
	for i < len(items) && pos(items[i]) <= after {
		i++
	}
	rest := items[i:]
	if limit > 0 && len(rest) > limit {
		return rest[:limit], true
	}
	return rest, false
}

// listing is what a paged list endpoint needs to know of its objects.
type listing[T any] struct {
	seq    func(T) int64  // order position, compared with the after cursor
	id     func(T) string // the next link's after value
	render func(base string, t T) any
	// noNext leaves out the next link: q answers are one page (Okta: q
	// "doesn't support pagination, but you can use limit").
	noNext bool
}

// writePage serves one page of a list endpoint that pages by object id:
// the objects that match, after the cursor, at most limit of them, with the
// self and next Link headers. Every such list endpoint shares it, so paging
// behaves the same on users, groups, members and zones.
//
// Items are in cursor order (as page assumes), so the scan starts after the
// cursor and stops at the first match past the page: paging through N
// objects costs O(N) in all, not O(N) per page (a 100,000-user org's
// department search is 100 pages).
func writePage[T any](s *Sim, w http.ResponseWriter, r *http.Request, items []T, match func(T) bool, after int64, limit int, l listing[T]) {
	i := 0
	for i < len(items) && l.seq(items[i]) <= after {
		i++
	}
	var hits []T
	for _, it := range items[i:] {
		if match == nil || match(it) {
			hits = append(hits, it)
			if limit > 0 && len(hits) > limit {
				break
			}
		}
	}
	pg, more := page(hits, l.seq, after, limit)
	next := ""
	if more && !l.noNext {
		next = l.id(pg[len(pg)-1])
	}
	s.setLinks(w, r, next)
	base := s.baseURL(r)
	out := make([]any, 0, len(pg))
	for _, it := range pg {
		out = append(out, l.render(base, it))
	}
	writeJSON(w, http.StatusOK, out)
}

// afterCursor turns an id-style `after` into an order position.
func (o *org) afterCursor(q url.Values) (int64, *apiError) {
	a := q.Get("after")
	if a == "" {
		return 0, nil
	}
	p, ok := o.seqOf[a]
	if !ok {
		return 0, errPaging()
	}
	return p, nil
}

func boolParam(q url.Values, name string, def bool) bool {
	switch strings.ToLower(q.Get(name)) {
	case "true":
		return true
	case "false":
		return false
	}
	return def
}

func link(href string) map[string]any { return map[string]any{"href": href} }
