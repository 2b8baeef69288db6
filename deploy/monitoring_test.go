package deploy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/metrics"
	"github.com/cordonsec/cordon/workflows"
)

// TestMonitoringStack: Prometheus and Grafana are in the reference stack,
// pinned, on loopback, with the scrape targets the worker and serve
// actually listen on and the dashboard provisioned from deploy/grafana.
func TestMonitoringStack(t *testing.T) {
	p := loadCompose(t)
	svc := func(name string) types.ServiceConfig {
		t.Helper()
		s, err := p.GetService(name)
		require.NoError(t, err)
		return s
	}
	prom, graf := svc("prometheus"), svc("grafana")
	require.Regexp(t, `^prom/prometheus:v\d+\.\d+\.\d+$`, prom.Image)
	require.Regexp(t, `^grafana/grafana:\d+\.\d+\.\d+$`, graf.Image)
	for _, s := range []types.ServiceConfig{prom, graf} {
		require.NotNil(t, s.HealthCheck, s.Name)
		for _, port := range s.Ports {
			require.Equal(t, "127.0.0.1", port.HostIP, "%s is published on loopback only", s.Name)
		}
	}
	requireDependsOn(t, graf, "prometheus", types.ServiceConditionHealthy)
	require.True(t, mounts(prom, "deploy/prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml"))
	require.True(t, mounts(graf, "deploy/grafana/provisioning", "/etc/grafana/provisioning"))
	require.True(t, mounts(graf, "deploy/grafana/dashboards", "/etc/grafana/dashboards"))

	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	raw, err := os.ReadFile(filepath.Join("prometheus", "prometheus.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &cfg))
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	w := svc("worker")
	i := slices.Index(w.Command, "--http-addr")
	require.GreaterOrEqual(t, i, 0)
	_, workerPort, _ := strings.Cut(w.Command[i+1], ":")
	require.Contains(t, targets, "worker:"+workerPort, "Prometheus scrapes the worker's --http-addr")
	_, servePort, _ := strings.Cut(svc("serve").Command[len(svc("serve").Command)-1], ":")
	require.Contains(t, targets, "serve:"+servePort, "Prometheus scrapes cordon serve's --addr")

	provider, err := os.ReadFile(filepath.Join("grafana", "provisioning", "dashboards", "cordon.yml"))
	require.NoError(t, err)
	require.Contains(t, string(provider), "path: /etc/grafana/dashboards")
}

func mounts(s types.ServiceConfig, src, target string) bool {
	for _, v := range s.Volumes {
		if strings.HasSuffix(v.Source, src) && v.Target == target {
			return true
		}
	}
	return false
}

// TestDashboardUsesServedSeries: every cordon_* series the Grafana
// dashboard queries is one the worker or serve registry serves, so a
// renamed series cannot leave a silently empty panel.
func TestDashboardUsesServedSeries(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("grafana", "dashboards", "cordon.json"))
	require.NoError(t, err)
	var dash struct {
		UID    string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	require.Equal(t, "cordon", dash.UID)
	require.NotEmpty(t, dash.Panels)

	served := servedSeries(t)
	used := map[string]bool{}
	series := regexp.MustCompile(`\bcordon_[a-z_]+`)
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			for _, name := range series.FindAllString(tg.Expr, -1) {
				require.True(t, served[name], "panel %q queries %s, which nothing serves", p.Title, name)
				used[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")] = true
			}
		}
	}
	for _, name := range []string{workflows.MetricRunsStarted, workflows.MetricRunsFinished, workflows.MetricUndoScheduled,
		workflows.MetricUndoDone, workflows.MetricGuardrailRefusals, metrics.ApprovalsWaiting,
		"cordon_okta_requests_total", "cordon_okta_rate_limited_total", "cordon_okta_rate_limit_remaining",
		"cordon_okta_pacing_wait_seconds", "cordon_serve_requests_total", "cordon_serve_runs_started_total",
		"cordon_serve_duplicates_total"} {
		require.True(t, used[name], "the dashboard shows %s", name)
	}
}

// servedSeries lists the series names the registries expose once every
// kind of event has happened once.
func servedSeries(t *testing.T) map[string]bool {
	t.Helper()
	m := metrics.New()
	m.ObserveRequest(context.Background(), okta.RequestStats{Bucket: "b", Status: http.StatusTooManyRequests,
		Rate: okta.RateInfo{Present: true, Limit: 10}, Wait: time.Millisecond})
	h := m.SDKHandler()
	for _, name := range []string{workflows.MetricRunsStarted, workflows.MetricRunsFinished, workflows.MetricUndoScheduled,
		workflows.MetricUndoDone, workflows.MetricGuardrailRefusals} {
		h.Counter(name).Inc(1)
	}
	s := metrics.NewServe()
	s.Run("p", false, false)
	s.Run("p", true, false)
	s.Run("p", false, true)
	s.Wrap(http.NewServeMux()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

	// The approvals gauge asks Temporal at scrape time; its names are
	// constants.
	out := map[string]bool{metrics.ApprovalsWaiting: true, metrics.ApprovalsWaitingScrapeError: true}
	for _, g := range []prometheus.Gatherer{m.Registry(), s.Registry()} {
		fams, err := g.Gather()
		require.NoError(t, err)
		for _, f := range fams {
			out[f.GetName()] = true
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				out[f.GetName()+suffix] = true
			}
		}
	}
	return out
}
