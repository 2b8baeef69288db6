// Package serve is Cordon's alert webhook (`cordon serve`): an HTTP server
// that authenticates alerts from a SIEM or EDR, matches each against the
// webhook triggers of the playbook library, and starts the matching runs
// through package trigger, idempotently by workflow ID.
//
// Routes:
//
//	POST /v1/alerts                 one alert (JSON object) or a batch (array)
//	POST /v1/playbooks/{name}/runs  start one playbook: {inputs, alert, dry_run}
//	GET  /healthz                   200 when Temporal answers, else 503
//	POST /codec/decode              Temporal remote codec: resolves stored payloads (Config.Codec)
//	/approvals, /v1/approvals, /auth/...  the approvals page, with Config.Approvals
//	/runs/new, /runs, /v1/runs            signed-in people start runs (signed), with Config.Approvals
//	GET  /metrics                   Prometheus metrics, with Config.Metrics
//
// Both POST routes need a bearer token or an HMAC-SHA256 signature of the
// body (auth.go), take at most 1 MiB of application/json, and start nothing
// when a request is refused. The codec takes the same credentials, or the
// approvals page's sign-in when Config.Approvals is set, unless
// Config.CodecNoAuth.
package serve

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cordonsec/cordon/internal/metrics"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
)

// MaxBody bounds a request body (1 MiB), as runs.MaxAlertBytes bounds an
// alert file.
const MaxBody = runs.MaxAlertBytes

// MaxBatch bounds the alerts of one request.
const MaxBatch = 1000

// StartedBy prefixes the started_by of the runs the webhook starts:
// webhook:bearer, webhook:hmac (webhook:bearer+hmac when both were sent)
// or webhook:unauthenticated with --insecure-no-auth.
const StartedBy = "webhook"

// ErrNoAuth is returned by New when neither a token nor a secret is set
// and Insecure is false.
var ErrNoAuth = errors.New("no webhook credentials: set CORDON_WEBHOOK_TOKEN or CORDON_WEBHOOK_SECRET (or --insecure-no-auth for a local demo)")

// Config configures a Server.
type Config struct {
	// Token is the bearer token callers send (Authorization: Bearer ...).
	Token string
	// Secret is the HMAC-SHA256 key of the X-Cordon-Signature header.
	Secret string
	// Insecure accepts unauthenticated requests (local demos only).
	Insecure bool
	// Library is the playbook directory and action registry.
	Library runs.Library
	// Starter starts runs (trigger.ClientStarter in production).
	Starter trigger.Starter
	// Health reports whether Temporal is reachable; nil: always healthy.
	Health func(context.Context) error
	// Logger; default discards.
	Logger *slog.Logger
	// StartTimeout bounds the starts of one request. Default 30s.
	StartTimeout time.Duration
	// Codec, when set, is served at /codec/decode so the Temporal Web UI
	// shows payloads kept in the payload store; its Auth is set here.
	Codec *payloadstore.Codec
	// CodecNoAuth serves the codec without credentials, for a Web UI
	// that itself has none (the compose reference stack): the browser
	// cannot send the webhook's token. Default false.
	CodecNoAuth bool
	// Approvals, when set, adds the approvals page and API
	// (internal/approvals) to the routes.
	Approvals interface{ Register(*http.ServeMux) }
	// Metrics, when set, counts requests and runs and is served at GET
	// /metrics without credentials (Prometheus scrapes it).
	Metrics *metrics.Serve
}

// Server is the webhook. Its playbook set is swapped atomically by Reload.
type Server struct {
	cfg  Config
	auth authenticator
	pbs  atomic.Pointer[[]*playbook.Playbook]
}

// New checks cfg and loads the playbook library. Invalid playbook files
// are logged and skipped (see Reload); only missing credentials fail.
func New(cfg Config) (*Server, error) {
	if cfg.Token == "" && cfg.Secret == "" && !cfg.Insecure {
		return nil, ErrNoAuth
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	s := &Server{cfg: cfg, auth: authenticator{token: []byte(cfg.Token), secret: []byte(cfg.Secret), insecure: cfg.Insecure}}
	s.Reload()
	return s, nil
}

// Reload reads the playbook library again and swaps it in. Files that do
// not validate are logged, left out and returned; the rest keep serving.
func (s *Server) Reload() playbook.ErrorList {
	pbs, errs := trigger.LoadLibrary(s.cfg.Library.Dir, s.cfg.Library.Registry)
	for _, e := range errs {
		s.cfg.Logger.Error("playbook skipped", "error", e.Error())
	}
	s.pbs.Store(&pbs)
	names := make([]string, len(pbs))
	for i, pb := range pbs {
		names[i] = pb.Name
	}
	s.cfg.Logger.Info("playbooks loaded", "dir", s.cfg.Library.Dir, "playbooks", names, "skipped", len(errs))
	return errs
}

// Playbooks returns the loaded playbooks, sorted by name.
func (s *Server) Playbooks() []*playbook.Playbook { return *s.pbs.Load() }

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/alerts", s.withBody(s.alerts))
	mux.HandleFunc("POST /v1/playbooks/{name}/runs", s.withBody(s.startNamed))
	mux.HandleFunc("GET /healthz", s.healthz)
	if s.cfg.Codec != nil {
		codec := *s.cfg.Codec
		if !s.cfg.CodecNoAuth {
			signIn, _ := s.cfg.Approvals.(interface{ Authenticate(*http.Request) error })
			codec.Auth = func(r *http.Request, body []byte) error {
				_, err := s.auth.check(r, body)
				if err != nil && signIn != nil && signIn.Authenticate(r) == nil {
					return nil // signed in to the approvals page (cookie or ID token)
				}
				return err
			}
		}
		codec.Register(mux)
	}
	if s.cfg.Approvals != nil {
		s.cfg.Approvals.Register(mux)
	}
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics.Handler())
	}
	return s.cfg.Metrics.Wrap(mux)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Health(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "playbooks": len(s.Playbooks())})
}
