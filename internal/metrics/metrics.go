// Package metrics owns what Cordon exposes to Prometheus: the worker's
// registry (the Temporal SDK's own series plus Cordon's: Okta requests,
// rate limits, pacing, runs, approvals, guardrails, undo) and the webhook's
// (cordon serve). Series names are listed in docs/operations.md and used by
// deploy/grafana/cordon.json; a rename breaks dashboards, so treat them as
// an interface.
//
// Workflow code never holds a Prometheus type: runs, undo and max_targets
// refusals are counted through workflow.GetMetricsHandler (names in
// workflows/metrics.go), which this package's SDK handler backs and which
// the SDK silences during replay.
package metrics

import (
	"context"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/workflows"
)

// Metrics is the worker's registry. The zero value is not usable; build it
// with New. A nil *Metrics is valid everywhere and records nothing.
type Metrics struct {
	reg *prometheus.Registry
	sdk *sdkHandler

	oktaRequests  *prometheus.CounterVec
	okta429       *prometheus.CounterVec
	oktaRemaining *prometheus.GaugeVec
	oktaWait      *prometheus.HistogramVec
	refusals      *prometheus.CounterVec
}

// New returns a registry with the Go runtime and process collectors and
// Cordon's worker series.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{reg: reg, sdk: newSDKHandler(reg),
		oktaRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_okta_requests_total",
			Help: "Okta API requests by activity (action), rate-limit bucket and status class (2xx, 4xx, 5xx, error: no answer)."},
			[]string{"action", "bucket", "status_class"}),
		okta429: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_okta_rate_limited_total",
			Help: "Okta answers 429 Too Many Requests, by action and bucket."}, []string{"action", "bucket"}),
		oktaRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "cordon_okta_rate_limit_remaining",
			Help: "X-Rate-Limit-Remaining of the last Okta answer in each bucket."}, []string{"bucket"}),
		oktaWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cordon_okta_pacing_wait_seconds",
			Help:    "Time an Okta request waited for the client's pacing (in-flight cap and rate-limit share) before it was sent, by bucket.",
			Buckets: []float64{0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}}, []string{"bucket"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: workflows.MetricGuardrailRefusals,
			Help: "Guardrail refusals of steps that would have acted, by reason: protected_user, protected_group, protected_network, protected_zone and max_targets (see workflows.MetricGuardrailRefusals)."},
			[]string{"reason"}),
	}
	reg.MustRegister(m.oktaRequests, m.okta429, m.oktaRemaining, m.oktaWait, m.refusals)
	// The workflows count refusals through the SDK's handler; they land
	// in this series with its one label, not the SDK's tags.
	m.sdk.reg.counters[workflows.MetricGuardrailRefusals] = &labeled[*prometheus.CounterVec]{vec: m.refusals, labels: []string{"reason"}}
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry, for collectors added by the wiring code.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SDKHandler is the client.Options.MetricsHandler of every client the
// worker dials; nil Metrics gives the SDK's no-op handler.
func (m *Metrics) SDKHandler() client.MetricsHandler {
	if m == nil {
		return nil
	}
	return m.sdk
}

// ObserveRequest implements okta.Observer. The action is the activity that
// made the request ("none" outside an activity, e.g. at start-up).
func (m *Metrics) ObserveRequest(ctx context.Context, r okta.RequestStats) {
	if m == nil {
		return
	}
	action := "none"
	if activity.IsActivity(ctx) {
		action = activity.GetInfo(ctx).ActivityType.Name
	}
	m.oktaWait.WithLabelValues(r.Bucket).Observe(r.Wait.Seconds())
	m.oktaRequests.WithLabelValues(action, r.Bucket, statusClass(r.Status)).Inc()
	if r.Status == http.StatusTooManyRequests {
		m.okta429.WithLabelValues(action, r.Bucket).Inc()
	}
	if r.Rate.Present && r.Rate.Limit > 0 {
		m.oktaRemaining.WithLabelValues(r.Bucket).Set(float64(r.Rate.Remaining))
	}
}

func statusClass(status int) string {
	if status == 0 {
		return "error"
	}
	return strconv.Itoa(status/100) + "xx"
}
