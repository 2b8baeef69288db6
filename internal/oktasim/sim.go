package oktasim

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Sim. The zero value of every field except Token is
// usable.
type Options struct {
	// Token is the API token the org accepts, as "SSWS <token>" or
	// "Bearer <token>". Required.
	Token string
	// Seed selects the initial org: SeedEmpty or SeedDemo. Default SeedDemo.
	Seed string
	// Users, when > 0, generates this many extra users on top of the seed
	// (benchmarks): user%06d@bench.<demo domain>, ACTIVE. Default 0.
	Users int
	// UserDepartments assigns the generated users' profile.department in
	// turn (user i gets UserDepartments[i % len]): five names make five
	// departments of Users/5 each. Default: nine built-in departments.
	UserDepartments []string
	// Window is the rate-limit window. Default 60s, as Okta's.
	Window time.Duration
	// Limits overrides per-bucket limits, keyed by the Bucket* constants.
	// A limit <= 0 disables that bucket's limit. Default: Workforce limits.
	Limits map[string]int
	// Concurrency is the org-wide limit of in-flight requests. Default 75;
	// negative disables it.
	Concurrency int
	// Now is the clock. Default time.Now. Tests move time by swapping in a
	// controllable clock instead of sleeping.
	Now func() time.Time
	// BaseURL, when set, is used in Link headers and _links instead of the
	// request's Host (for a sim behind another address). Default "".
	BaseURL string
	// MaxBodyBytes caps request bodies. Default 1 MiB.
	MaxBodyBytes int64
	// MaxRequestLog caps the request log; older records are dropped.
	// Default 100000.
	MaxRequestLog int
	// DevPassword is every active user's password on the sign-in form of
	// the org's authorization server (oidc.go). Default DefaultDevPassword.
	DevPassword string
	// OIDCClientID is the one OpenID Connect client the authorization
	// server accepts. Default DefaultOIDCClientID.
	OIDCClientID string
	// OIDCRedirectURIs are the client's registered redirect URIs; an http
	// loopback one matches on any port. Default DefaultOIDCRedirectURIs.
	OIDCRedirectURIs []string
	// OIDCPostLogoutRedirectURIs are the client's registered sign-out
	// redirect URIs. Default DefaultOIDCPostLogoutRedirectURIs.
	OIDCPostLogoutRedirectURIs []string

	// ServiceApps are the API Services apps registered at start; the org
	// authorization server (/oauth2/v1/token) mints tokens for them
	// (serviceapps.go). More can be added with Sim.RegisterServiceApp.
	ServiceApps []ServiceApp
	// AccessTokenLifetime is how long a service app's access token lives.
	// Default one hour, as Okta's; tests shorten it to exercise refresh.
	AccessTokenLifetime time.Duration
	// DPoPNonceLifetime is how long a DPoP-Nonce the org hands out stays
	// valid before it rotates. Default DefaultDPoPNonceLifetime.
	DPoPNonceLifetime time.Duration
}

// Seed names.
const (
	SeedEmpty = "empty"
	SeedDemo  = "demo"
)

// ErrNoToken is returned by New when Options.Token is empty.
var ErrNoToken = errors.New("oktasim: Options.Token is required")

// Sim is a simulated Okta org. It is an http.Handler, safe for concurrent use;
// each mutation happens under one lock, so it is atomic.
type Sim struct {
	opts Options
	now  func() time.Time
	ids  *idGen
	mux  *http.ServeMux

	mu  sync.RWMutex // guards org
	org *org

	limiter  *rateLimiter
	inflight atomic.Int64
	faults   faultSet

	reqMu sync.Mutex
	reqs  []RequestRecord

	oidc oidcState // oidc.go

	// prefix is the org's path prefix ("/orgs/acme") when it is one of
	// several orgs behind one listener (orgs.go); "" at the root.
	prefix string

	authz authzState // serviceapps.go, orgtoken.go, dpop.go

	// routeTable lists every "METHOD pattern" the API serves; tests check
	// that they exercise each one.
	routeTable []string

	// beforeHandle, when set (package tests only), runs for every API
	// request after it is counted as in flight; tests use it to hold
	// requests open without sleeping.
	beforeHandle func(*http.Request)
}

// New builds a simulated org from opts, served at the root of its host.
func New(opts Options) (*Sim, error) { return newSim(opts, "") }

// newSim builds a simulated org served under the path prefix.
func newSim(opts Options, prefix string) (*Sim, error) {
	if opts.Token == "" {
		return nil, ErrNoToken
	}
	if opts.Seed == "" {
		opts.Seed = SeedDemo
	}
	if opts.Seed != SeedEmpty && opts.Seed != SeedDemo {
		return nil, fmt.Errorf("oktasim: unknown seed %q (want %q or %q)", opts.Seed, SeedEmpty, SeedDemo)
	}
	if opts.Window <= 0 {
		opts.Window = 60 * time.Second
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 75
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxRequestLog <= 0 {
		opts.MaxRequestLog = 100000
	}
	if opts.AccessTokenLifetime <= 0 {
		opts.AccessTokenLifetime = time.Hour
	}
	if opts.DPoPNonceLifetime <= 0 {
		opts.DPoPNonceLifetime = DefaultDPoPNonceLifetime
	}
	s := &Sim{opts: opts, now: opts.Now, ids: newIDGen(opts.Seed), prefix: prefix}
	s.authz.init()
	for _, app := range opts.ServiceApps {
		if err := s.RegisterServiceApp(app); err != nil {
			return nil, err
		}
	}
	s.limiter = newRateLimiter(opts.Window, opts.Limits)
	if err := s.Reset(); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

// Reset re-seeds the org from the options given to New (same seed, same
// ids), and clears rate-limit counters, faults and the request log.
func (s *Sim) Reset() error {
	if err := s.reseed(); err != nil {
		return err
	}
	s.limiter.reset()
	s.faults.clear()
	s.oidc.reset()
	s.ResetRequests()
	return nil
}

// reseed replaces the org with a fresh one built from the seed.
func (s *Sim) reseed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids.reseed(s.opts.Seed)
	o, err := buildOrg(s.opts.Seed, s.opts.Users, s.opts.UserDepartments, s.clock(), s.ids)
	if err != nil {
		return err
	}
	s.org = o
	return nil
}

// clock returns the simulator's current time truncated to milliseconds,
// the precision Okta renders.
func (s *Sim) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }
