package oktasim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// List options of the Management API beyond filter/search/limit/after:
// q's unpaged answers, sortBy/sortOrder with search, and the fields
// projection of GET /users.

// listSort is a search's sortBy/sortOrder. Okta: "for search queries
// only"; sortOrder "is ignored if sortBy isn't present"; entries with the
// same sortBy value are ordered by id.
type listSort struct {
	attr string
	desc bool
}

// parseSort reads sortBy/sortOrder; nil when the request has no search or
// no sortBy (the parameters are then ignored, as Okta ignores them).
func parseSort(q url.Values) (*listSort, *apiError) {
	if q.Get("search") == "" || q.Get("sortBy") == "" {
		return nil, nil
	}
	srt := &listSort{attr: q.Get("sortBy")}
	switch strings.ToLower(q.Get("sortOrder")) {
	case "", "asc":
	case "desc":
		srt.desc = true
	default:
		return nil, errSearch()
	}
	return srt, nil
}

// writeSortedPage serves a search answer in sortBy order. The after cursor
// is the id of the last object of the previous page (the next link carries
// it), looked up in the sorted matches; an unknown one is E0000029. Objects
// without the attribute sort last in either order.
func writeSortedPage[T any](s *Sim, w http.ResponseWriter, r *http.Request, items []T, match func(T) bool,
	get func(T) getter, srt *listSort, limit int, l listing[T]) *apiError {
	type keyed struct {
		it  T
		v   any
		has bool
		id  string
	}
	var hits []keyed
	for _, it := range items {
		if match == nil || match(it) {
			v, ok := get(it)(srt.attr)
			hits = append(hits, keyed{it: it, v: v, has: ok && v != nil, id: l.id(it)})
		}
	}
	slices.SortStableFunc(hits, func(a, b keyed) int {
		if a.has != b.has {
			if a.has {
				return -1
			}
			return 1
		}
		c := compareValues(a.v, b.v)
		if srt.desc {
			c = -c
		}
		return cmp.Or(c, strings.Compare(a.id, b.id))
	})
	start := 0
	if after := r.URL.Query().Get("after"); after != "" {
		i := slices.IndexFunc(hits, func(k keyed) bool { return k.id == after })
		if i < 0 {
			return errPaging()
		}
		start = i + 1
	}
	pg := hits[start:]
	next := ""
	if limit > 0 && len(pg) > limit {
		pg = pg[:limit]
		next = pg[limit-1].id
	}
	s.setLinks(w, r, next)
	base := s.baseURL(r)
	out := make([]any, 0, len(pg))
	for _, k := range pg {
		out = append(out, l.render(base, k.it))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// compareValues orders two attribute values: numbers numerically, strings
// (Okta's timestamps included) case-insensitively, anything else by text.
func compareValues(a, b any) int {
	fa, aNum := a.(float64)
	fb, bNum := b.(float64)
	if aNum && bNum {
		return cmp.Compare(fa, fb)
	}
	return strings.Compare(strings.ToLower(fmt.Sprint(a)), strings.ToLower(fmt.Sprint(b)))
}

// projection is a parsed `fields` parameter: the top-level properties to
// keep and, for profile:(…), the profile attributes. id is always kept.
type projection struct {
	top     map[string]bool
	profile map[string]bool // nil: the whole profile when "profile" is listed
}

// parseFields parses "id,status,profile:(firstName, city)". Spaces around
// names are allowed (the spec's own example has them).
func parseFields(raw string) (*projection, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	p := &projection{top: map[string]bool{"id": true}}
	rest := raw
	for rest != "" {
		var item string
		if i := strings.Index(rest, ":("); i >= 0 && (strings.IndexByte(rest, ',') < 0 || i < strings.IndexByte(rest, ',')) {
			end := strings.IndexByte(rest, ')')
			if end < i {
				return nil, errValidation("fields", "fields: unbalanced parentheses")
			}
			name := strings.TrimSpace(rest[:i])
			if name != "profile" {
				return nil, errValidation("fields", "fields: only profile takes a sub-field list")
			}
			p.top[name] = true
			p.profile = map[string]bool{}
			for _, f := range strings.Split(rest[i+2:end], ",") {
				if f = strings.TrimSpace(f); f != "" {
					p.profile[f] = true
				}
			}
			rest = strings.TrimLeft(strings.TrimSpace(rest[end+1:]), ",")
			continue
		}
		item, rest, _ = strings.Cut(rest, ",")
		if item = strings.TrimSpace(item); item != "" {
			p.top[item] = true
		}
	}
	return p, nil
}

// apply renders v (a user) and keeps only the projected properties.
func (p *projection) apply(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return v
	}
	for k := range m {
		if !p.top[k] {
			delete(m, k)
		}
	}
	if prof, ok := m["profile"].(map[string]any); ok && p.profile != nil {
		for k := range prof {
			if !p.profile[k] {
				delete(prof, k)
			}
		}
	}
	return m
}
