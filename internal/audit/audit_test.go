package audit

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ev(id string) Event {
	return Event{ID: id, Kind: KindOktaWrite, WorkflowID: "wf", RunID: "run", Step: "s", Target: "00u1", Outcome: "2xx 200"}
}

func decode(t *testing.T, b []byte) []Event {
	t.Helper()
	var out []Event
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var e Event
		require.NoError(t, json.Unmarshal([]byte(l), &e), l)
		out = append(out, e)
	}
	return out
}

func TestRecorderStampsAndWritesLines(t *testing.T) {
	var buf strings.Builder
	at := time.Date(2026, 11, 29, 21, 0, 0, 5, time.UTC)
	r := &Recorder{Sink: &WriterSink{W: &buf}, Now: func() time.Time { return at }}
	r.Record(context.Background(), ev("a"), ev("b"))
	got := decode(t, []byte(buf.String()))
	require.Len(t, got, 2)
	assert.Equal(t, "a", got[0].ID)
	assert.Equal(t, 1, got[0].Schema)
	assert.Equal(t, "2026-11-29T21:00:00.000000005Z", got[1].Time)
	var nilRec *Recorder
	nilRec.Record(context.Background(), ev("c")) // no trail configured: nothing, no panic
}

func TestObserveRequestRecordsWritesOnly(t *testing.T) {
	var buf strings.Builder
	r := &Recorder{Sink: &WriterSink{W: &buf}}
	ctx := context.Background()
	r.ObserveRequest(ctx, okta.RequestStats{Method: http.MethodGet, Path: "/users/00u1", Status: 200})
	r.ObserveRequest(ctx, okta.RequestStats{Method: http.MethodPost, Path: "/oauth2/v1/token", Bucket: okta.BucketToken, Status: 200})
	r.ObserveRequest(ctx, okta.RequestStats{Method: http.MethodPost, Path: "/users/00u1/lifecycle/suspend", Status: 200})
	got := decode(t, []byte(buf.String()))
	require.Len(t, got, 1, "neither the read nor the token request is a write")
	assert.Equal(t, "POST /users/00u1/lifecycle/suspend", got[0].Request)
}

func TestEventIDIsStable(t *testing.T) {
	assert.Equal(t, EventID("a", "b"), EventID("a", "b"))
	assert.NotEqual(t, EventID("a", "b"), EventID("ab", ""), "parts are separated")
	assert.Len(t, EventID("x"), 32)
}

func TestTargetOf(t *testing.T) {
	for path, want := range map[string]string{
		"/users/00u1/lifecycle/deactivate": "00u1",
		"/groups/00g1/users/00u2":          "00u2",
		"/zones/nzo1":                      "nzo1",
		"/users/me/lifecycle/x":            "",
		"/users/00u1/sessions":             "00u1",
	} {
		assert.Equal(t, want, targetOf(path), path)
	}
}

func TestFileSinkRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	line, _ := lines([]Event{ev("x")})
	s := &FileSink{Path: path, MaxBytes: int64(len(line)) * 2, Keep: 2}
	for _, id := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		require.NoError(t, s.Write(context.Background(), []Event{ev(id)}))
	}
	require.NoError(t, s.Close())
	ids := func(p string) []string {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		var out []string
		for _, e := range decode(t, b) {
			out = append(out, e.ID)
		}
		return out
	}
	assert.Equal(t, []string{"7"}, ids(path))
	assert.Equal(t, []string{"5", "6"}, ids(path+".1"))
	assert.Equal(t, []string{"3", "4"}, ids(path+".2"))
	_, err := os.Stat(path + ".3")
	assert.True(t, os.IsNotExist(err), "only Keep rotated files are kept")
}

// collector is an HTTP intake that can be down (503) or up.
type collector struct {
	mu    sync.Mutex
	up    bool
	got   []Event
	calls int
	auth  string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.auth = r.Header.Get("Authorization")
	if !c.up {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	b, _ := io.ReadAll(r.Body)
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e Event
		if json.Unmarshal([]byte(l), &e) == nil {
			c.got = append(c.got, e)
		}
	}
}

func (c *collector) state() (calls int, got []Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, append([]Event(nil), c.got...)
}

// TestHTTPSinkRetriesAndSurvivesRestart: while the collector is down,
// Write still succeeds (the lines wait in the spool) and the sender keeps
// retrying; lines spooled by a closed sink are sent by the next one, in
// order, exactly the lines written.
func TestHTTPSinkRetriesAndSurvivesRestart(t *testing.T) {
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	spool := filepath.Join(t.TempDir(), "spool.jsonl")
	opts := HTTPOptions{URL: srv.URL, Token: "siem-token", Spool: spool, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	s, err := NewHTTPSink(opts)
	require.NoError(t, err)
	require.NoError(t, s.Write(context.Background(), []Event{ev("1"), ev("2")}))
	require.Eventually(t, func() bool { n, _ := c.state(); return n >= 3 }, 20*time.Second, 5*time.Millisecond, "retries against the down collector")
	require.NoError(t, s.Close())
	assert.Zero(t, s.Delivered())

	s2, err := NewHTTPSink(opts)
	require.NoError(t, err)
	defer s2.Close()
	require.NoError(t, s2.Write(context.Background(), []Event{ev("3")}))
	c.mu.Lock()
	c.up = true
	c.mu.Unlock()
	require.Eventually(t, func() bool { return s2.Delivered() == 3 }, 20*time.Second, 5*time.Millisecond, "delivery once the collector is up")
	_, got := c.state()
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	assert.Equal(t, []string{"1", "2", "3"}, ids)
	assert.Equal(t, "Bearer siem-token", c.auth)
	b, err := os.ReadFile(spool)
	require.NoError(t, err)
	assert.Empty(t, b, "the spool is empty once everything is delivered")
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	r, err := FromEnv(env(nil), t.TempDir(), os.Stdout, nil)
	require.NoError(t, err)
	assert.Nil(t, r)
	for v, want := range map[string]string{
		"syslog":  `CORDON_AUDIT="syslog": want stdout, file:PATH or an http(s):// URL`,
		"file:":   "CORDON_AUDIT=file: needs a path",
		"file:/x": `CORDON_AUDIT_KEEP="0": want a positive number of files`,
	} {
		_, err := FromEnv(env(map[string]string{EnvSink: v, EnvKeep: "0"}), t.TempDir(), os.Stdout, nil)
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), want)
	}
	r, err = FromEnv(env(map[string]string{EnvSink: "file:" + filepath.Join(t.TempDir(), "a.jsonl")}), "", os.Stdout, nil)
	require.NoError(t, err)
	assert.IsType(t, &FileSink{}, r.Sink)
	require.NoError(t, r.Close())
}
