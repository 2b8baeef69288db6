package metrics

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// sdkHandler is the Temporal SDK's metrics handler (client.MetricsHandler)
// over a Prometheus registry, so the SDK's own series (temporal_*) and the
// ones workflows emit through workflow.GetMetricsHandler (replay-safe:
// the SDK drops them while replaying) are served at /metrics with
// Cordon's.
//
// Prometheus fixes a metric's label names when it is registered; the SDK
// may attach a different tag set to the same name (an extra status_code
// on failures, say). The first use of a name fixes its labels: later tags
// outside that set are dropped and missing ones are empty.
type sdkHandler struct {
	reg  *sdkRegistry
	tags map[string]string
}

// sdkRegistry holds the vectors created on first use, by metric name.
type sdkRegistry struct {
	prom     prometheus.Registerer
	mu       sync.Mutex
	counters map[string]*labeled[*prometheus.CounterVec]
	gauges   map[string]*labeled[*prometheus.GaugeVec]
	timers   map[string]*labeled[*prometheus.HistogramVec]
}

type labeled[V any] struct {
	vec    V
	labels []string
}

// values orders tags by the vector's label names.
func (l *labeled[V]) values(tags map[string]string) []string {
	out := make([]string, len(l.labels))
	for i, k := range l.labels {
		out[i] = tags[k]
	}
	return out
}

func newSDKHandler(r prometheus.Registerer) *sdkHandler {
	return &sdkHandler{reg: &sdkRegistry{prom: r,
		counters: map[string]*labeled[*prometheus.CounterVec]{},
		gauges:   map[string]*labeled[*prometheus.GaugeVec]{},
		timers:   map[string]*labeled[*prometheus.HistogramVec]{},
	}}
}

// WithTags implements client.MetricsHandler.
func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	return &sdkHandler{reg: h.reg, tags: merged}
}

// Counter implements client.MetricsHandler.
func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	l := vecFor(h.reg, h.reg.counters, name, h.tags, func(name string, labels []string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "Temporal SDK metric " + name + "."}, labels)
	})
	if l == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	c := l.vec.WithLabelValues(l.values(h.tags)...)
	return counterFunc(func(d int64) {
		if d > 0 {
			c.Add(float64(d))
		}
	})
}

// Gauge implements client.MetricsHandler.
func (h *sdkHandler) Gauge(name string) client.MetricsGauge {
	l := vecFor(h.reg, h.reg.gauges, name, h.tags, func(name string, labels []string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "Temporal SDK metric " + name + "."}, labels)
	})
	if l == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	return gaugeFunc(l.vec.WithLabelValues(l.values(h.tags)...).Set)
}

// Timer implements client.MetricsHandler: a histogram in seconds under the
// SDK's name.
func (h *sdkHandler) Timer(name string) client.MetricsTimer {
	l := vecFor(h.reg, h.reg.timers, name, h.tags, func(name string, labels []string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: "Temporal SDK metric " + name + " (seconds).",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, labels)
	})
	if l == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	o := l.vec.WithLabelValues(l.values(h.tags)...)
	return timerFunc(func(d time.Duration) { o.Observe(d.Seconds()) })
}

// vecFor returns the vector of name, creating and registering it with the
// tag names of this first use. It returns nil when the registry refuses
// the name (one Cordon already uses for another type): the SDK's metric is
// then dropped rather than failing the worker.
func vecFor[V prometheus.Collector](r *sdkRegistry, m map[string]*labeled[V], name string, tags map[string]string, mk func(string, []string) V) *labeled[V] {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l, ok := m[name]; ok {
		return l
	}
	labels := slices.Sorted(maps.Keys(tags))
	promLabels := make([]string, len(labels))
	for i, k := range labels {
		promLabels[i] = sanitize(k)
	}
	v := mk(sanitize(name), promLabels)
	if err := r.prom.Register(v); err != nil {
		m[name] = nil // asked once: the next use is dropped at once
		return nil
	}
	l := &labeled[V]{vec: v, labels: labels}
	m[name] = l
	return l
}

// sanitize maps a name onto Prometheus' [a-zA-Z_][a-zA-Z0-9_]*.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			b[i] = '_'
		}
	}
	return strings.Clone(string(b))
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }
