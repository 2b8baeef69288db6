package oktasim

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nextLink returns the rel="next" Link of an answer, "" when there is none.
func nextLink(r resp) string {
	for _, l := range r.header.Values("Link") {
		if strings.HasSuffix(l, `rel="next"`) {
			return strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
		}
	}
	return ""
}

// TestQueryIsOnePage: q answers up to limit matches and no next link
// (Okta: q "doesn't support pagination, but you can use limit"), for users
// and groups.
func TestQueryIsOnePage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Users: 30})
	r := h.do("GET", "/api/v1/users?q=user0000&limit=5", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Len(t, r.arr(), 5)
	assert.Empty(t, nextLink(r), "q does not page")
	r = h.do("GET", "/api/v1/users?q=user0000", nil)
	assert.Len(t, r.arr(), 10, "q's default limit is 10")
	assert.Empty(t, nextLink(r))

	g := h.do("GET", "/api/v1/groups?q=E&limit=1", nil)
	require.Equal(t, http.StatusOK, g.status)
	assert.Len(t, g.arr(), 1)
	assert.Empty(t, nextLink(g))
	// Without q the same org pages.
	assert.NotEmpty(t, nextLink(h.do("GET", "/api/v1/users?limit=5", nil)))
}

// TestSearchSortBy: with search, sortBy/sortOrder order the results (ties
// by id) across pages; without search they are ignored.
func TestSearchSortBy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	all := func(path string) []map[string]any {
		var out []map[string]any
		for path != "" {
			r := h.do("GET", path, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
			for _, v := range r.arr() {
				out = append(out, v.(map[string]any))
			}
			path = h.pathOf(nextLink(r))
		}
		return out
	}
	last := func(u map[string]any) string {
		return strings.ToLower(u["profile"].(map[string]any)["lastName"].(string))
	}
	for _, order := range []string{"asc", "desc"} {
		got := all("/api/v1/users?search=status+eq+%22ACTIVE%22&sortBy=profile.lastName&sortOrder=" + order + "&limit=7")
		require.Greater(t, len(got), 14, "several pages")
		sorted := slices.IsSortedFunc(got, func(a, b map[string]any) int {
			c := strings.Compare(last(a), last(b))
			if order == "desc" {
				c = -c
			}
			if c == 0 {
				c = strings.Compare(a["id"].(string), b["id"].(string))
			}
			return c
		})
		assert.True(t, sorted, "sorted by lastName %s, ties by id", order)
		unsorted := all("/api/v1/users?search=status+eq+%22ACTIVE%22&limit=7")
		assert.ElementsMatch(t, ids(unsorted), ids(got), "sorting changes the order, not the matches")
	}
	plain := h.do("GET", "/api/v1/users?sortBy=profile.lastName&sortOrder=desc&limit=3", nil)
	first := h.do("GET", "/api/v1/users?limit=3", nil)
	assert.Equal(t, first.arr(), plain.arr(), "without search sortBy is ignored")
	expectError(t, h.do("GET", "/api/v1/users?search=status+eq+%22ACTIVE%22&sortBy=profile.lastName&sortOrder=sideways", nil), 400, "E0000031")

	groups := all("/api/v1/groups?search=type+eq+%22OKTA_GROUP%22&sortBy=profile.name&sortOrder=desc&limit=3")
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = strings.ToLower(g["profile"].(map[string]any)["name"].(string))
	}
	assert.True(t, slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }), "%v", names)
}

func ids(us []map[string]any) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u["id"].(string)
	}
	return out
}

// TestUsersFieldsProjection: fields keeps the listed properties (id
// always) and, with profile:(…), only those profile attributes.
func TestUsersFieldsProjection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	r := h.do("GET", "/api/v1/users?limit=5&fields=status,profile:(firstName,%20city)", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Len(t, r.arr(), 5)
	for _, v := range r.arr() {
		u := v.(map[string]any)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range u {
				if !yield(k) {
					return
				}
			}
		})
		assert.Equal(t, []string{"id", "profile", "status"}, keys)
		for k := range u["profile"].(map[string]any) {
			assert.Contains(t, []string{"firstName", "city"}, k)
		}
		assert.NotEmpty(t, u["profile"].(map[string]any)["firstName"])
	}
	only := h.do("GET", "/api/v1/users?limit=1&fields=id", nil).arr()[0].(map[string]any)
	assert.Len(t, only, 1)
	expectError(t, h.do("GET", "/api/v1/users?fields=profile:(firstName", nil), 400, "E0000001")
}
