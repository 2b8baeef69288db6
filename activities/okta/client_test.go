package okta

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestClient(t *testing.T, h http.HandlerFunc, mod ...func(*Config)) *Client {
	return newTestClientOpts(t, h, nil, mod...)
}

func newTestClientOpts(t *testing.T, h http.HandlerFunc, opts []Option, mod ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{OrgURL: srv.URL, Token: secret}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := NewClient(cfg, opts...)
	require.NoError(t, err)
	return c
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, scheme, version, wantAuth, wantPath string
	}{
		{name: "SSWS default", wantAuth: "SSWS " + secret, wantPath: "/api/v1/users/me"},
		{name: "Bearer and version", scheme: "bearer", version: "v2", wantAuth: "Bearer " + secret, wantPath: "/api/v2/users/me"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *http.Request
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				got = r
				_, _ = w.Write([]byte(`{"id":"00u1","status":"ACTIVE","profile":{"login":"a@b.c"}}`))
			}, func(cfg *Config) { cfg.AuthScheme, cfg.APIVersion = tc.scheme, tc.version })
			u, err := c.Me(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "a@b.c", u.Profile.Login)
			assert.Equal(t, tc.wantPath, got.URL.Path)
			assert.Equal(t, tc.wantAuth, got.Header.Get("Authorization"))
			assert.Regexp(t, `^cordon/`, got.Header.Get("User-Agent"))
			assert.Equal(t, "application/json", got.Header.Get("Accept"))
		})
	}
}

func TestAPIErrorDecoding(t *testing.T) {
	t.Parallel()
	date := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		status    int
		body      string
		headers   map[string]string
		want      APIError
		wantRetry time.Duration
	}{
		{name: "404", status: 404, body: `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: 00u1 (User)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}`,
			want: APIError{HTTPStatus: 404, Code: "E0000007", Summary: "Not found: Resource not found: 00u1 (User)", ErrorID: "oae1", RequestID: "req1"}},
		{name: "400 with causes", status: 400, body: `{"errorCode":"E0000001","errorSummary":"Api validation failed: login","errorCauses":[{"errorSummary":"login: An object with this field already exists"}]}`,
			want: APIError{HTTPStatus: 400, Code: "E0000001", Summary: "Api validation failed: login", Causes: []string{"login: An object with this field already exists"}, RequestID: "req1"}},
		{name: "429", status: 429, body: `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}`,
			headers: map[string]string{"Date": date.Format(http.TimeFormat), "X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0",
				"X-Rate-Limit-Reset": strconv.FormatInt(date.Add(42*time.Second).Unix(), 10)},
			want: APIError{HTTPStatus: 429, Code: "E0000047", Summary: "API call exceeded rate limit due to too many requests.", RequestID: "req1"}, wantRetry: 42 * time.Second},
		{name: "html 502 from a proxy", status: 502, body: `<html>bad gateway</html>`, want: APIError{HTTPStatus: 502, RequestID: "req1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Okta-Request-Id", "req1")
				for k, v := range tc.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, _, err := c.GetUser(context.Background(), "00u1")
			var ae *APIError
			require.True(t, errors.As(err, &ae), "%T %v", err, err)
			assert.Equal(t, tc.want.HTTPStatus, ae.HTTPStatus)
			assert.Equal(t, tc.want.Code, ae.Code)
			assert.Equal(t, tc.want.Summary, ae.Summary)
			assert.Equal(t, tc.want.Causes, ae.Causes)
			assert.Equal(t, tc.want.RequestID, ae.RequestID)
			assert.Equal(t, tc.wantRetry, ae.RetryAfter)
			assert.NotContains(t, ae.Error(), secret)
		})
	}
}

func TestConnectionErrorIsRequestError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := NewClient(Config{OrgURL: srv.URL, Token: secret})
	require.NoError(t, err)
	_, _, err = c.GetUser(context.Background(), "00u1")
	var re *RequestError
	require.True(t, errors.As(err, &re))
	assert.NotContains(t, err.Error(), secret)
}

func TestMaxInFlight(t *testing.T) {
	t.Parallel()
	var cur, peak atomic.Int32
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	c := newTestClientOpts(t, func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		arrived <- struct{}{}
		<-release
		cur.Add(-1)
		_, _ = w.Write([]byte(`{}`))
	}, []Option{WithoutPacing()}, func(cfg *Config) { cfg.MaxInFlight = 2 }) // pacing's one-probe rule would hide the cap
	errs := make(chan error, 5)
	for range 5 {
		go func() { _, err := c.DeactivateUser(context.Background(), "00u1"); errs <- err }()
	}
	<-arrived
	<-arrived
	select {
	case <-arrived:
		t.Fatal("a third request went out while two were in flight")
	default:
	}
	close(release)
	for range 5 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, int32(2), peak.Load())
}

// The pacer does not spend a bucket's last request: with Remaining at the
// reserve and the reset far away, the next request waits (here, until the
// caller's deadline) instead of going out to earn a 429.
func TestPacerHoldsBackWhenBucketNearlyEmpty(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		now := time.Now()
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		w.Header().Set("X-Rate-Limit-Limit", "10")
		w.Header().Set("X-Rate-Limit-Remaining", "1")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(30*time.Second).Unix(), 10))
		if r.URL.Path == "/api/v1/logs" {
			_, _ = w.Write([]byte(`[]`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	})
	_, err := c.DeactivateUser(context.Background(), "00u1")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.DeactivateUser(ctx, "00u2")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int32(1), hits.Load())

	// Another bucket is unaffected.
	_, err = c.ListLogs(context.Background(), LogQuery{Max: 1})
	require.NoError(t, err)
}

func TestBucketFor(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{"GET", "/users", BucketUsers},
		{"POST", "/users", BucketUsers},
		{"GET", "/users/00u1", BucketUserGet},
		{"GET", "/users/me", BucketUserGet},
		{"DELETE", "/users/00u1", BucketUserWrite},
		{"POST", "/users/00u1/lifecycle/deactivate", BucketOther},
		{"GET", "/users/00u1/groups", BucketOther},
		{"GET", "/groups", BucketGroups},
		{"GET", "/groups/00g1", BucketGroupByID},
		{"PUT", "/groups/00g1/users/00u1", BucketGroups},
		{"GET", "/logs", BucketLogs},
		{"PUT", "/zones/nzo1", BucketOther},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			assert.Equal(t, tc.want, BucketFor(tc.method, tc.path))
		})
	}
}

func TestSkewEstimate(t *testing.T) {
	t.Parallel()
	local := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	offset := 3*time.Second + 250*time.Millisecond // server ahead of us
	var s skewEstimate
	for i := range 40 {
		sent := local.Add(time.Duration(i) * 100 * time.Millisecond)
		server := sent.Add(offset)
		s.observe(server.Truncate(time.Second), sent, sent)
	}
	assert.InDelta(t, offset.Seconds(), s.lo.Seconds(), 0.11)
	reset := local.Add(offset + 10*time.Second)
	assert.WithinDuration(t, local.Add(10*time.Second), s.local(reset, time.Time{}), 110*time.Millisecond)
}
