package oktasim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Several simulated orgs behind one listener, each under its own path
// prefix /orgs/<name>: org URL http://127.0.0.1:PORT/orgs/acme. A path
// prefix rather than a host name keeps the setup free of DNS or /etc/hosts
// edits, and Okta clients already accept an org URL with a path. Each org is
// a whole Sim: its own users, limits, clock, request log, faults, service
// apps and tokens; nothing is shared but the socket.

// OrgsPathPrefix is the path under which StartOrgs serves each named org.
const OrgsPathPrefix = "/orgs/"

// NamedOrg is one org of a multi-org simulator.
type NamedOrg struct {
	// Name is the org's path segment: lower-case letters, digits and
	// dashes, starting with a letter (e.g. "acme").
	Name    string
	Options Options
}

var orgNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// Orgs is several simulated orgs listening on one TCP address.
type Orgs struct {
	sims  map[string]*Sim
	names []string // sorted
	srv   *http.Server
	ln    net.Listener
	url   string
}

// StartOrgs builds one Sim per entry and serves each under /orgs/<name> on
// addr ("127.0.0.1:0" picks a port). Names must be unique and valid.
func StartOrgs(addr string, orgs []NamedOrg) (*Orgs, error) {
	if len(orgs) == 0 {
		return nil, errors.New("oktasim: StartOrgs needs at least one org")
	}
	m := &Orgs{sims: map[string]*Sim{}}
	for _, o := range orgs {
		if !orgNameRE.MatchString(o.Name) {
			return nil, fmt.Errorf("oktasim: org name %q: use lower-case letters, digits and dashes, starting with a letter", o.Name)
		}
		if m.sims[o.Name] != nil {
			return nil, fmt.Errorf("oktasim: org %q given twice", o.Name)
		}
		sim, err := newSim(o.Options, OrgsPathPrefix+o.Name)
		if err != nil {
			return nil, fmt.Errorf("oktasim: org %q: %w", o.Name, err)
		}
		m.sims[o.Name] = sim
		m.names = append(m.names, o.Name)
	}
	sort.Strings(m.names)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	m.ln, m.url = ln, "http://"+ln.Addr().String()
	m.srv = &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = ln.Close()
		}
	}()
	return m, nil
}

// Names lists the orgs, sorted.
func (m *Orgs) Names() []string { return append([]string(nil), m.names...) }

// URL is an org's URL, e.g. "http://127.0.0.1:54321/orgs/acme" (no
// trailing slash); "" for an unknown name.
func (m *Orgs) URL(name string) string {
	if m.sims[name] == nil {
		return ""
	}
	return m.url + OrgsPathPrefix + name
}

// Sim is the named org; nil for an unknown name.
func (m *Orgs) Sim(name string) *Sim { return m.sims[name] }

// Addr is the listener's base URL, e.g. "http://127.0.0.1:54321".
func (m *Orgs) Addr() string { return m.url }

// Close stops the listener, giving in-flight requests a moment to finish.
func (m *Orgs) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := m.srv.Shutdown(ctx); err != nil {
		return m.srv.Close()
	}
	return nil
}

// ServeHTTP hands a request to the org its path names. GET /orgs lists the
// orgs; any other path outside an org answers Okta's 404 E0000008.
func (m *Orgs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/orgs" || r.URL.Path == OrgsPathPrefix {
		list := make([]map[string]string, 0, len(m.names))
		for _, n := range m.names {
			list = append(list, map[string]string{"name": n, "url": orgBase(r) + OrgsPathPrefix + n})
		}
		writeJSONBody(w, http.StatusOK, list)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, OrgsPathPrefix)
	name, _, _ := strings.Cut(rest, "/")
	if sim := m.sims[name]; ok && sim != nil {
		sim.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	writeJSON(w, http.StatusNotFound, errorBody{ErrorCode: "E0000008", ErrorSummary: errNoRoute().summary,
		ErrorLink: "E0000008", ErrorID: "oaeSimNoSuchOrg0000000000", ErrorCauses: []errorCause{}})
}

// orgBase is scheme://host of the request.
func orgBase(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// stripPrefix returns r with the org's path prefix removed, so that every
// handler sees org-relative paths (/api/v1/users), and whether r was under
// the prefix at all. The request log and faults use those relative paths;
// links add the prefix back through baseURL.
func (s *Sim) stripPrefix(r *http.Request) (*http.Request, bool) {
	if s.prefix == "" {
		return r, true
	}
	p, ok := strings.CutPrefix(r.URL.Path, s.prefix)
	if !ok || (p != "" && p[0] != '/') {
		return r, false
	}
	if p == "" {
		p = "/"
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = p, ""
	r2.URL = &u
	return r2, true
}

// Seed is the seed the org was built from (SeedDemo or SeedEmpty).
func (s *Sim) Seed() string { return s.opts.Seed }
