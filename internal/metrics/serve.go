package metrics

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Serve is the webhook's (cordon serve) registry. A nil *Serve is valid
// and records nothing.
type Serve struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	started    *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	refused    *prometheus.CounterVec
}

// NewServe returns the webhook's registry with the Go runtime and process
// collectors.
func NewServe() *Serve {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Serve{reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_serve_requests_total",
			Help: "HTTP requests by route pattern (unmatched: none) and status code."}, []string{"route", "code"}),
		started: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_serve_runs_started_total",
			Help: "Runs the webhook started, by playbook."}, []string{"playbook"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_serve_duplicates_total",
			Help: "Alerts whose run already existed (no new run), by playbook."}, []string{"playbook"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_serve_runs_refused_total",
			Help: "Matched alerts whose run could not be started (bad inputs), by playbook."}, []string{"playbook"}),
	}
	reg.MustRegister(s.requests, s.started, s.duplicates, s.refused)
	return s
}

// Handler serves the registry in Prometheus' text format.
func (s *Serve) Handler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
}

// Registry is the registry, for tests and extra collectors.
func (s *Serve) Registry() *prometheus.Registry { return s.reg }

// Run counts one matched alert's outcome: started, duplicate or refused.
func (s *Serve) Run(playbook string, duplicate bool, refused bool) {
	if s == nil {
		return
	}
	switch {
	case refused:
		s.refused.WithLabelValues(playbook).Inc()
	case duplicate:
		s.duplicates.WithLabelValues(playbook).Inc()
	default:
		s.started.WithLabelValues(playbook).Inc()
	}
}

// Wrap counts the requests mux answers by the pattern that matched
// (http.ServeMux sets Request.Pattern while routing).
func (s *Serve) Wrap(mux *http.ServeMux) http.Handler {
	if s == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		mux.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "none"
		}
		s.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code    int
	written bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.written {
		r.code, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
