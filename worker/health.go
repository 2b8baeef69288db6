package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/payloadstore"
)

// health serves GET /healthz: 200 while the worker polls its task queue,
// 503 before that and once shutdown begins, so an orchestrator only routes
// to (and a test only proceeds with) a worker that can take tasks.
type health struct {
	ready atomic.Bool
	srv   *http.Server
	mux   *http.ServeMux
	addr  string // host:port it listens on; "" when disabled
	done  chan struct{}
}

// listenHealth binds addr before anything else starts, so a taken port fails
// fast with a hint instead of after the Temporal server is up.
func listenHealth(addr string, logger *slog.Logger) (*health, error) {
	h := &health{done: make(chan struct{})}
	if addr == "" {
		close(h.done)
		return h, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w; pick another with --http-addr", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.serveHealthz)
	h.mux, h.addr = mux, l.Addr().String()
	h.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(h.done)
		if err := h.srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("health endpoint stopped", "error", err)
		}
	}()
	logger.Info("health endpoint listening", "url", "http://"+l.Addr().String()+"/healthz")
	return h, nil
}

// codecEndpoint is the URL the dev stack's Web UI decodes payloads at
// (the browser calls it, so an unspecified listen host becomes loopback);
// "" when --http-addr is empty.
func (h *health) codecEndpoint() string {
	if h.addr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(h.addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + payloadstore.CodecPrefix
}

// serveCodec adds the codec endpoint for the dev stack's Web UI at uiAddr:
// it resolves stored payloads and decrypts encrypted ones (crypt, nil when
// off). Like /healthz it has no authentication: the dev stack listens on
// loopback. (On a cluster, `cordon serve` offers it to authenticated
// callers only.)
func (h *health) serveCodec(es converter.ExternalStorage, crypt *payloadcrypt.Codec, uiAddr string) error {
	if h.mux == nil || (len(es.Drivers) == 0 && crypt == nil) || uiAddr == "" {
		return nil
	}
	origins := []string{uiAddr}
	if u, err := url.Parse(uiAddr); err == nil {
		origins = append(origins, "http://localhost:"+u.Port())
	}
	codec := &payloadstore.Codec{Drivers: es.Drivers, AllowOrigins: origins}
	if crypt != nil {
		codec.Codecs = []converter.PayloadCodec{crypt}
	}
	codec.Register(h.mux)
	return nil
}

// serveMetrics adds GET /metrics (Prometheus). Like /healthz it has no
// authentication: bind --http-addr where only the scraper reaches it.
func (h *health) serveMetrics(metrics http.Handler) {
	if h.mux != nil {
		h.mux.Handle("GET /metrics", metrics)
	}
}

func (h *health) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !h.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready")
		return
	}
	fmt.Fprintln(w, "ok")
}

func (h *health) close() {
	h.ready.Store(false)
	if h.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.srv.Shutdown(ctx)
	}
	<-h.done
}
