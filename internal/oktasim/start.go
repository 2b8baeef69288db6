package oktasim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server is a Sim listening on a TCP address.
type Server struct {
	sim *Sim
	srv *http.Server
	ln  net.Listener
	url string
}

// Start builds a Sim and serves it on addr ("127.0.0.1:0" picks a port).
func Start(addr string, opts Options) (*Server, error) {
	sim, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{sim: sim, ln: ln, url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = ln.Close()
		}
	}()
	return s, nil
}

// URL is the org URL, e.g. "http://127.0.0.1:54321" (no trailing slash).
func (s *Server) URL() string { return s.url }

// Sim is the simulated org behind the server.
func (s *Server) Sim() *Sim { return s.sim }

// Close stops the server, giving in-flight requests a moment to finish.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}
