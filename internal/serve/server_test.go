package serve

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/runs"
)

const (
	token  = "t0ken-for-tests"
	secret = "s3cret-for-tests"
)

// fakeStarter records starts and, like Temporal's reject-duplicate
// policy, refuses a workflow ID it has seen.
type fakeStarter struct {
	mu      sync.Mutex
	started map[string]runs.Request
	fail    error
}

func (f *fakeStarter) Start(_ context.Context, req runs.Request) (runs.Started, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return runs.Started{}, f.fail
	}
	if err := req.CheckConnections(); err != nil {
		return runs.Started{}, err // as runs.Start refuses it
	}
	if _, err := req.Playbook.InputsWithDefaults(req.Inputs); err != nil {
		return runs.Started{}, &runs.InputError{Err: err}
	}
	id := req.ID
	if id == "" {
		id = runs.DefaultID(req.Playbook.Name, req.Alert)
	}
	if _, dup := f.started[id]; dup {
		return runs.Started{WorkflowID: id, RunID: "run-" + id, Duplicate: true}, nil
	}
	if f.started == nil {
		f.started = map[string]runs.Request{}
	}
	f.started[id] = req
	return runs.Started{WorkflowID: id, RunID: "run-" + id}, nil
}

func (f *fakeStarter) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.started)
}

func newTestServer(t *testing.T, cfg Config) (*httptest.Server, *fakeStarter) {
	t.Helper()
	st := &fakeStarter{}
	cfg.Starter = st
	cfg.Library = runs.Library{Dir: "testdata/library", Registry: action.Okta(), Connections: cfg.Library.Connections}
	s, err := New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, st
}

type reply struct {
	status int
	body   map[string]any
}

func post(t *testing.T, url string, body []byte, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return reply{resp.StatusCode, out}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func signed(sec string, body []byte) map[string]string {
	return map[string]string{SignatureHeader: "sha256=" + hex.EncodeToString(Sign([]byte(sec), body))}
}

var loginAlert = []byte(`{"id": "a-1", "type": "suspicious_login", "user": "ann@example.com", "severity": 7}`)

func TestServeAuth(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token, Secret: secret})
	url := ts.URL + "/v1/alerts"
	cases := []struct {
		name   string
		header map[string]string
		status int
		err    string
	}{
		{"missing", nil, 401, "authentication required"},
		{"bad token", bearer("wrong"), 401, "invalid bearer token"},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, 401, "invalid bearer token"},
		{"basic scheme", map[string]string{"Authorization": "Basic " + token}, 401, "invalid bearer token"},
		{"bad signature", signed("other-secret", loginAlert), 401, "invalid X-Cordon-Signature"},
		{"signature of another body", signed(secret, []byte(`{}`)), 401, "invalid X-Cordon-Signature"},
		{"signature not hex", map[string]string{SignatureHeader: "sha256=zz"}, 401, "invalid X-Cordon-Signature"},
		{"signature without prefix", map[string]string{SignatureHeader: hex.EncodeToString(Sign([]byte(secret), loginAlert))}, 401, "invalid X-Cordon-Signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, url, loginAlert, c.header)
			assert.Equal(t, c.status, r.status)
			assert.Contains(t, r.body["error"], c.err)
		})
	}
	assert.Zero(t, st.count(), "nothing starts for a refused request")

	t.Run("good token", func(t *testing.T) {
		r := post(t, url, loginAlert, bearer(token))
		assert.Equal(t, http.StatusAccepted, r.status, r.body)
	})
	t.Run("good signature", func(t *testing.T) {
		body := []byte(`{"id": "a-2", "type": "suspicious_login", "user": "bob@example.com"}`)
		r := post(t, url, body, signed(secret, body))
		assert.Equal(t, http.StatusAccepted, r.status, r.body)
	})
	t.Run("good signature but bad token", func(t *testing.T) {
		body := []byte(`{"id": "a-3"}`)
		h := signed(secret, body)
		h["Authorization"] = "Bearer wrong"
		assert.Equal(t, 401, post(t, url, body, h).status)
	})
}

func TestServeRefusesWithoutCredentials(t *testing.T) {
	_, err := New(Config{Library: runs.Library{Dir: "testdata/library", Registry: action.Okta()}})
	assert.ErrorIs(t, err, ErrNoAuth)

	ts, st := newTestServer(t, Config{Insecure: true})
	r := post(t, ts.URL+"/v1/alerts", loginAlert, nil)
	assert.Equal(t, http.StatusAccepted, r.status, "--insecure-no-auth accepts anyone")
	assert.Equal(t, 2, st.count())
}

func TestServeLimits(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token})
	url := ts.URL + "/v1/alerts"
	big := []byte(`{"id": "big", "pad": "` + strings.Repeat("x", MaxBody) + `"}`)
	cases := []struct {
		name   string
		body   []byte
		header map[string]string
		status int
		err    string
	}{
		{"too large", big, bearer(token), 413, "larger than"},
		{"too large unauthenticated", big, nil, 413, "larger than"},
		{"text/plain", loginAlert, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "text/plain"}, 415, "application/json"},
		{"form", loginAlert, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"no content type", loginAlert, map[string]string{"Authorization": "Bearer " + token, "Content-Type": ""}, 415, "application/json"},
		{"not JSON", []byte(`{"id": `), bearer(token), 400, "not valid JSON"},
		{"JSON string", []byte(`"alert"`), bearer(token), 400, "not a JSON object"},
		{"batch with a number", []byte(`[{"id": "ok"}, 5]`), bearer(token), 400, "#1"},
		{"null", []byte(`null`), bearer(token), 400, "not a JSON object"},
		{"deep nesting", []byte(`{"id": "deep", "x": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`), bearer(token), 400, "nesting deeper than 64 levels"},
		{"too many values", []byte(`{"id": "wide", "x": [` + strings.Repeat("1,", 25_000) + `1]}`), bearer(token), 400, "more than 20000 values"},
		{"id too long", []byte(`{"id": "` + strings.Repeat("a", 801) + `"}`), bearer(token), 400, "id is 801 bytes long; at most 800 fit in the IDs of its runs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, url, c.body, c.header)
			assert.Equal(t, c.status, r.status, r.body)
			assert.Contains(t, r.body["error"], c.err)
		})
	}
	assert.Zero(t, st.count(), "nothing starts for a refused request")

	t.Run("charset parameter is fine", func(t *testing.T) {
		h := bearer(token)
		h["Content-Type"] = "application/json; charset=utf-8"
		assert.Equal(t, http.StatusAccepted, post(t, url, loginAlert, h).status)
	})
}

func runsOf(t *testing.T, r reply, alert int) []map[string]any {
	t.Helper()
	alerts, ok := r.body["alerts"].([]any)
	require.True(t, ok, "alerts list in %v", r.body)
	require.Greater(t, len(alerts), alert)
	var out []map[string]any
	for _, x := range alerts[alert].(map[string]any)["runs"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestServeTriggerMatching(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token})
	url := ts.URL + "/v1/alerts"

	r := post(t, url, loginAlert, bearer(token))
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	got := runsOf(t, r, 0)
	require.Len(t, got, 2, "list-zones (every alert) and lookup-user (type matches); broken.yaml is skipped")
	assert.Equal(t, "list-zones", got[0]["playbook"])
	assert.Equal(t, "list-zones-a-1", got[0]["workflow_id"])
	assert.Equal(t, "lookup-user", got[1]["playbook"])
	assert.Equal(t, "lookup-user-a-1", got[1]["workflow_id"])
	assert.Equal(t, false, got[1]["duplicate"])
	req := st.started["lookup-user-a-1"]
	assert.Equal(t, map[string]any{"login": "ann@example.com"}, req.Inputs, "with: maps the alert to inputs")
	assert.Equal(t, "a-1", req.Alert["id"])
	assert.Equal(t, "webhook:bearer", req.StartedBy, "started_by names how the caller authenticated")
	assert.Equal(t, float64(7), st.started["list-zones-a-1"].Inputs["severity"])

	// A trigger whose with: gives a wrong type reports it and starts nothing.
	r = post(t, url, []byte(`{"id": "a-9", "type": "other", "severity": "high"}`), bearer(token))
	got = runsOf(t, r, 0)
	require.Len(t, got, 1)
	assert.Contains(t, got[0]["error"], "severity")
	assert.Equal(t, 2, st.count())

	// An alert without an id is named by a hash of its content.
	body := []byte(`[{"type": "suspicious_login", "user": "cy@example.com"}, {"type": "suspicious_login", "user": "di@example.com"}]`)
	r = post(t, url, body, bearer(token))
	require.Equal(t, http.StatusAccepted, r.status)
	first, second := runsOf(t, r, 0), runsOf(t, r, 1)
	require.Len(t, first, 2)
	require.Len(t, second, 2)
	assert.Regexp(t, `^lookup-user-sha256-[0-9a-f]{20}$`, first[1]["workflow_id"])
	assert.NotEqual(t, first[1]["workflow_id"], second[1]["workflow_id"])
	assert.Equal(t, 6, st.count())
}

// Alert ids that differ only in characters a workflow ID cannot hold name
// different runs.
func TestServeAlertIDsDoNotCollide(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token})
	seen := map[string]string{}
	for _, id := range []string{"coll a", "coll_a", "coll/a", "coll\na", "_coll_a"} {
		b, _ := json.Marshal(map[string]any{"id": id, "type": "suspicious_login", "user": "x@example.com"})
		r := post(t, ts.URL+"/v1/alerts", b, bearer(token))
		require.Equal(t, http.StatusAccepted, r.status, r.body)
		wid := runsOf(t, r, 0)[1]["workflow_id"].(string)
		assert.Regexp(t, `^lookup-user-coll_a(~[0-9a-f]{8})?$`, wid)
		assert.NotContains(t, seen, wid, "%q and %q share a run", id, seen[wid])
		seen[wid] = id
		assert.Equal(t, false, runsOf(t, r, 0)[1]["duplicate"])
	}
	assert.Equal(t, 10, st.count())
}

func TestServeNothingMatched(t *testing.T) {
	st := &fakeStarter{}
	dir := t.TempDir()
	s, err := New(Config{Token: token, Starter: st, Library: runs.Library{Dir: dir, Registry: action.Okta()}})
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	r := post(t, ts.URL+"/v1/alerts", loginAlert, bearer(token))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, runsOf(t, r, 0))
	assert.Equal(t, []any{}, r.body["alerts"].([]any)[0].(map[string]any)["runs"], "an empty list, not null")
}

func TestServeDuplicateSuppression(t *testing.T) {
	ts, st := newTestServer(t, Config{Secret: secret})
	url := ts.URL + "/v1/alerts"
	first := post(t, url, loginAlert, signed(secret, loginAlert))
	require.Equal(t, http.StatusAccepted, first.status)
	// The same signed request again: a replay. It authenticates (the
	// signature has no timestamp) but starts nothing new.
	again := post(t, url, loginAlert, signed(secret, loginAlert))
	require.Equal(t, http.StatusAccepted, again.status)
	for _, run := range runsOf(t, again, 0) {
		assert.Equal(t, true, run["duplicate"], run)
		assert.NotEmpty(t, run["run_id"], "names the existing run")
	}
	assert.Equal(t, 2, st.count())

	// Without an id, the hash of the same content (whitespace aside) maps
	// to the same runs.
	a := []byte(`{"type": "suspicious_login", "user": "ed@example.com"}`)
	b := []byte(`{ "user":"ed@example.com",  "type":"suspicious_login" }`)
	post(t, url, a, signed(secret, a))
	r := post(t, url, b, signed(secret, b))
	for _, run := range runsOf(t, r, 0) {
		assert.Equal(t, true, run["duplicate"], run)
	}
	assert.Equal(t, 4, st.count())
}

func TestServeTemporalDown(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token})
	st.fail = errors.New("connection refused")
	r := post(t, ts.URL+"/v1/alerts", loginAlert, bearer(token))
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Contains(t, r.body["error"], "sending the request again is safe")
}

func TestServeNamedRun(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token})
	url := ts.URL + "/v1/playbooks/lookup-user/runs"
	body := []byte(`{"inputs": {"login": "fay@example.com"}, "alert": {"id": "n-1"}, "dry_run": true}`)
	r := post(t, url, body, bearer(token))
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	assert.Equal(t, "lookup-user-n-1", r.body["workflow_id"])
	assert.True(t, st.started["lookup-user-n-1"].DryRun)

	r = post(t, url, body, bearer(token))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, true, r.body["duplicate"])

	cases := []struct {
		name, url string
		body      string
		status    int
	}{
		{"unknown playbook", ts.URL + "/v1/playbooks/nope/runs", `{}`, 404},
		{"invalid playbook is not served", ts.URL + "/v1/playbooks/broken/runs", `{}`, 404},
		{"missing input", url, `{"inputs": {}}`, 422},
		{"undeclared input", url, `{"inputs": {"login": "x", "extra": 1}}`, 422},
		{"unknown field", url, `{"input": {}}`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, c.url, []byte(c.body), bearer(token))
			assert.Equal(t, c.status, r.status, r.body)
			assert.NotEmpty(t, r.body["error"])
		})
	}
	assert.Equal(t, 1, st.count())
	assert.Equal(t, 401, post(t, url, body, nil).status)
}

func TestServeHealthzAndReload(t *testing.T) {
	dir := t.TempDir()
	var healthErr error
	s, err := New(Config{Token: token, Starter: &fakeStarter{}, Library: runs.Library{Dir: dir, Registry: action.Okta()},
		Health: func(context.Context) error { return healthErr }})
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	get := func() (int, map[string]any) {
		resp, err := http.Get(ts.URL + "/healthz")
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	code, body := get()
	assert.Equal(t, 200, code)
	assert.Equal(t, float64(0), body["playbooks"])

	healthErr = fmt.Errorf("temporal unreachable")
	code, body = get()
	assert.Equal(t, 503, code)
	assert.Contains(t, body["error"], "unreachable")

	writeFile(t, dir+"/lookup-user.yaml", "testdata/library/lookup-user.yaml")
	writeFile(t, dir+"/broken.yaml", "testdata/library/broken.yaml")
	errs := s.Reload()
	assert.Len(t, errs, 1, "the invalid file is reported")
	require.Len(t, s.Playbooks(), 1, "and skipped; the valid one is served")
	assert.Equal(t, "lookup-user", s.Playbooks()[0].Name)
}

func writeFile(t *testing.T, dst, src string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, b, 0o644))
}
