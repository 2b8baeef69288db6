package oktasim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "test-token"

// fakeClock is a settable clock so tests move time instead of sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type harness struct {
	t     testing.TB
	srv   *Server
	sim   *Sim
	clock *fakeClock
}

func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	opts.Token = testToken
	srv := NewTestServer(t, opts)
	return &harness{t: t, srv: srv, sim: srv.Sim(), clock: clock}
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   any
}

func (r resp) obj() map[string]any { m, _ := r.body.(map[string]any); return m }
func (r resp) arr() []any          { a, _ := r.body.([]any); return a }

func (r resp) errorCode() string { c, _ := r.obj()["errorCode"].(string); return c }

func (h *harness) do(method, path string, body any) resp {
	h.t.Helper()
	return h.doAuth(method, path, body, "SSWS "+testToken)
}

func (h *harness) doAuth(method, path string, body any, auth string) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL()+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			h.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return out
}

// expectError asserts an Okta error answer with every field present.
func expectError(t testing.TB, r resp, status int, code string) {
	t.Helper()
	if r.status != status || r.errorCode() != code {
		t.Fatalf("got %d %s, want %d %s; body %s", r.status, r.errorCode(), status, code, r.raw)
	}
	o := r.obj()
	for _, k := range []string{"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"} {
		if _, ok := o[k]; !ok {
			t.Fatalf("error body lacks %s: %s", k, r.raw)
		}
	}
	if o["errorLink"] != code {
		t.Fatalf("errorLink %v, want %s", o["errorLink"], code)
	}
	if _, ok := o["errorCauses"].([]any); !ok {
		t.Fatalf("errorCauses is not an array: %s", r.raw)
	}
}

func causes(r resp) []string {
	var out []string
	for _, c := range r.obj()["errorCauses"].([]any) {
		out = append(out, c.(map[string]any)["errorSummary"].(string))
	}
	return out
}

// links returns the Link header values by rel.
func links(r resp) map[string]string {
	out := map[string]string{}
	for _, v := range r.header.Values("Link") {
		start, end := strings.Index(v, "<"), strings.Index(v, ">")
		rel := v[strings.Index(v, `rel="`)+5 : len(v)-1]
		out[rel] = v[start+1 : end]
	}
	return out
}

// pathOf strips scheme and host from a link, as Okta's SDKs do.
func (h *harness) pathOf(link string) string { return strings.TrimPrefix(link, h.srv.URL()) }
