package oktasim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RequestRecord is one API request as the simulator saw it. Tests use the
// log to assert that no write happened.
type RequestRecord struct {
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Query  string    `json:"query"`
	Status int       `json:"status"`
	Time   time.Time `json:"time"`
}

// handler serves one method of one route. It writes successful responses
// itself and returns Okta errors for the caller to render.
type handler func(w http.ResponseWriter, r *http.Request) *apiError

type methods map[string]handler

// route binds a path pattern to its per-method handlers and the rate-limit
// bucket each method counts against.
func (s *Sim) route(mux *http.ServeMux, pattern string, bucket func(method string) string, ms methods) {
	for m := range ms {
		s.routeTable = append(s.routeTable, m+" "+pattern)
	}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		who, fail := s.authenticate(w, r) // scopes.go
		if fail != nil {
			s.setRateHeaders(w, s.limiter.peek(bucket(r.Method), s.now()))
			s.writeAuthFail(w, fail)
			return
		}
		if missing := who.missingScopes(r.Method, pattern); len(missing) > 0 {
			s.setRateHeaders(w, s.limiter.peek(bucket(r.Method), s.now()))
			s.writeInsufficientScope(w, r, who, missing)
			return
		}
		st := s.limiter.take(bucket(r.Method), s.now())
		s.setRateHeaders(w, st)
		if !st.ok {
			s.writeError(w, errRateLimited())
			return
		}
		h := ms[r.Method]
		if h == nil && r.Method == http.MethodHead {
			h = ms[http.MethodGet]
		}
		if h == nil {
			s.writeError(w, errMethod())
			return
		}
		s.serveFaulted(w, r, st, h) // faults.go
	})
}

func (s *Sim) routes() *http.ServeMux {
	mux := http.NewServeMux()
	fixed := func(b string) func(string) string { return func(string) string { return b } }
	s.route(mux, "/api/v1/users", fixed(BucketUsers), methods{
		"GET": s.listUsers, "POST": s.createUser})
	s.route(mux, "/api/v1/users/{id}", func(m string) string {
		if m == http.MethodGet || m == http.MethodHead {
			return BucketUserGet
		}
		return BucketUserWrite
	}, methods{"GET": s.getUser, "POST": s.updateUser, "DELETE": s.deleteUser})
	s.route(mux, "/api/v1/users/{id}/groups", fixed(BucketOther), methods{"GET": s.listUserGroups})
	s.route(mux, "/api/v1/users/{id}/lifecycle/{op}", fixed(BucketOther), methods{"POST": s.userLifecycle})
	// Sessions, factors and app links count against "most other API
	// actions" (/api/v1): Okta's last published table names no narrower
	// bucket for these sub-paths of /api/v1/users/{id}, as for lifecycle.
	s.route(mux, "/api/v1/users/{id}/sessions", fixed(BucketOther), methods{"DELETE": s.clearSessions})
	s.route(mux, "/api/v1/users/{id}/factors", fixed(BucketOther), methods{"GET": s.listFactors})
	s.route(mux, "/api/v1/users/{id}/factors/{fid}", fixed(BucketOther), methods{"GET": s.getFactor, "DELETE": s.deleteFactor})
	s.route(mux, "/api/v1/users/{id}/appLinks", fixed(BucketOther), methods{"GET": s.listAppLinks})
	s.route(mux, "/api/v1/groups", fixed(BucketGroups), methods{"GET": s.listGroups, "POST": s.createGroup})
	s.route(mux, "/api/v1/groups/{id}", fixed(BucketGroupByID), methods{"GET": s.getGroup, "DELETE": s.deleteGroup})
	// Membership sub-paths fall under the /api/v1/groups prefix bucket by
	// Okta's longest-prefix rule (which bucket Okta really uses is unconfirmed).
	s.route(mux, "/api/v1/groups/{id}/apps", fixed(BucketOther), methods{"GET": s.listGroupApps})
	s.route(mux, "/api/v1/groups/{id}/users", fixed(BucketGroups), methods{"GET": s.listGroupMembers})
	s.route(mux, "/api/v1/groups/{id}/users/{uid}", fixed(BucketGroups), methods{
		"PUT": s.addGroupMember, "DELETE": s.removeGroupMember})
	s.route(mux, "/api/v1/apps/{id}", fixed(BucketOther), methods{"GET": s.getApp})
	s.route(mux, "/api/v1/zones", fixed(BucketOther), methods{"GET": s.listZones, "POST": s.createZone})
	s.route(mux, "/api/v1/zones/{id}", fixed(BucketOther), methods{
		"GET": s.getZone, "PUT": s.replaceZone, "DELETE": s.deleteZone})
	s.route(mux, "/api/v1/zones/{id}/lifecycle/{op}", fixed(BucketOther), methods{"POST": s.zoneLifecycle})
	s.route(mux, "/api/v1/logs", fixed(BucketLogs), methods{"GET": s.listLogs})
	s.route(mux, "/api/v1/org", fixed(BucketOther), methods{"GET": s.getOrg})
	s.route(mux, "/api/v1/meta/types/user/{id}", fixed(BucketOther), methods{"GET": s.getUserType})
	s.route(mux, "/api/v1/meta/schemas/user/{id}", fixed(BucketOther), methods{"GET": s.getUserSchema})
	s.route(mux, "/", fixed(BucketOther), methods{
		"GET": notFound, "POST": notFound, "PUT": notFound, "DELETE": notFound, "PATCH": notFound})
	return mux
}

func notFound(http.ResponseWriter, *http.Request) *apiError { return errNoRoute() }

// ServeHTTP serves the Okta API, the org's authorization server, the group
// logos and the /__sim/ admin API. A panic anywhere below answers 500
// E0000009 (when nothing was written yet); every lock a handler holds is
// released by its own defer, so the org stays usable.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r, ok := s.stripPrefix(r) // orgs.go
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		s.writeError(w, errNoRoute())
		return
	}
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	api := false
	defer func() {
		p := recover()
		if p == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
			if api {
				s.record(r, 0)
			}
			panic(p)
		}
		if p != nil && !rec.wrote {
			rec.Header().Set("Content-Type", "application/json")
			s.writeError(rec, errInternal())
		}
		if api {
			s.record(r, rec.status)
		}
	}()
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/__sim/"):
		s.serveAdmin(rec, r)
	case strings.HasPrefix(p, authServerPath+"/"):
		s.serveOIDC(rec, r) // oidc.go: sign-in, not the Management API
	case p == orgTokenPath:
		s.serveOrgToken(rec, r) // orgtoken.go: service apps' tokens
	case strings.HasPrefix(p, groupLogoPath):
		serveGroupLogo(rec, r)
	default:
		api = true
		s.serveAPI(rec, r)
	}
}

// serveAPI serves the Management API: request id, concurrency limit, the
// body-length rule, then the route.
func (s *Sim) serveAPI(rec *statusWriter, r *http.Request) {
	h := rec.Header()
	h.Set("Content-Type", "application/json")
	// Date comes from the sim clock so that SDK backoff (Reset - Date + 1)
	// stays consistent when tests move time.
	h.Set("Date", s.now().UTC().Format(http.TimeFormat))
	h.Set("X-Okta-Request-Id", s.ids.requestID())
	if lengthRequired(r) {
		// Okta: "Any PUT or POST request without a Content-Length header or
		// a body returns a 411 error" (REFERENCE.md, core "HTTP verbs"). Its
		// body is the front door's, not an Okta error object.
		h.Set("Content-Type", "text/plain; charset=utf-8")
		rec.WriteHeader(http.StatusLengthRequired)
		_, _ = rec.Write([]byte("Length Required\n"))
		return
	}

	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if c := s.opts.Concurrency; c > 0 && n > int64(c) {
		// Okta: "The first two header values are always 0 for concurrent
		// rate limit errors"; Reset is only a suggestion.
		s.setRateHeaders(rec, rateState{limit: 0, remaining: 0, reset: s.now().Add(time.Second)})
		s.writeError(rec, errRateLimited())
		return
	}
	if s.beforeHandle != nil {
		s.beforeHandle(r)
	}
	s.mux.ServeHTTP(rec, r)
}

// lengthRequired reports a POST or PUT that carries neither a
// Content-Length header nor a (chunked) body. Go's server reports such a
// request with ContentLength 0 and no Transfer-Encoding; a client that sends
// "Content-Length: 0" is fine.
func lengthRequired(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return false
	}
	return r.ContentLength == 0 && len(r.TransferEncoding) == 0 && r.Header.Get("Content-Length") == ""
}

func (s *Sim) setRateHeaders(w http.ResponseWriter, st rateState) {
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(st.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(st.remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(resetEpoch(st.reset), 10))
}

// resetEpoch rounds a window end up to whole epoch seconds, so a client that
// waits until Reset never retries before the window has really rolled over.
func resetEpoch(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

func (s *Sim) record(r *http.Request, status int) {
	rec := RequestRecord{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: status, Time: s.now()}
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	if len(s.reqs) >= s.opts.MaxRequestLog {
		s.reqs = append(s.reqs[:0:0], s.reqs[len(s.reqs)/2:]...)
	}
	s.reqs = append(s.reqs, rec)
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (dropped-
// connection faults hijack it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
