package okta

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListFollowsNextExactly(t *testing.T) {
	t.Parallel()
	var seen []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.RawQuery)
		// An opaque cursor with characters a rebuilt URL would encode
		// differently; the client must send it back byte for byte.
		switch r.URL.Query().Get("after") {
		case "":
			w.Header().Add("Link", fmt.Sprintf(`<%s/api/v1/users?limit=2>; rel="self"`, srv.URL))
			w.Header().Add("Link", fmt.Sprintf(`<%s/api/v1/users?after=c%%2F1%%3Dx&limit=2>; rel="next"`, srv.URL))
			_, _ = w.Write([]byte(`[{"id":"1"},{"id":"2"}]`))
		case "c/1=x":
			// Self and next folded into one header value by a proxy.
			w.Header().Set("Link", fmt.Sprintf(`<%s/api/v1/users?after=c%%2F1%%3Dx>; rel="self", <%s/api/v1/users?after=2,3&limit=2>; rel="next"`, srv.URL, srv.URL))
			_, _ = w.Write([]byte(`[{"id":"3"},{"id":"4"}]`))
		default:
			// An empty last page that still has a next link.
			w.Header().Add("Link", fmt.Sprintf(`<%s/api/v1/users?after=end>; rel="next"`, srv.URL))
			_, _ = w.Write([]byte(`[]`))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{OrgURL: srv.URL, Token: secret})
	require.NoError(t, err)
	items, err := c.ListUsers(context.Background(), "", 0)
	require.NoError(t, err)
	assert.Len(t, items, 4)
	assert.Equal(t, []string{"limit=200", "after=c%2F1%3Dx&limit=2", "after=2,3&limit=2"}, seen)

	t.Run("max stops early", func(t *testing.T) {
		seen = nil
		items, err := c.ListUsers(context.Background(), "", 3)
		require.NoError(t, err)
		assert.Len(t, items, 3)
		assert.Len(t, seen, 2)
	})
}

func TestListRefusesForeignNextLink(t *testing.T) {
	t.Parallel()
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Add("Link", `<https://evil.example/api/v1/users?after=x>; rel="next"`)
		_, _ = w.Write([]byte(`[{"id":"1"}]`))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{OrgURL: srv.URL, Token: secret})
	require.NoError(t, err)
	_, err = c.ListUsers(context.Background(), "", 0)
	require.ErrorContains(t, err, "not the org")
	assert.Equal(t, 1, hits)
}
