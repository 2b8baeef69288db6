package metrics

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/workflows"
)

func scrape(t *testing.T, m *Metrics) testutil.Scrape {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	sc, err := testutil.ScrapeURL(srv.URL)
	require.NoError(t, err)
	return sc
}

func value(t *testing.T, sc testutil.Scrape, name string, labels map[string]string) float64 {
	t.Helper()
	v, ok := sc.Sum(name, labels)
	require.True(t, ok, "series %s%v present", name, labels)
	return v
}

// TestOktaRequests: requests to the simulated org over real HTTP are
// counted by bucket and status class, 429s apart, with the bucket's
// remaining calls and one pacing observation per request.
func TestOktaRequests(t *testing.T) {
	sim := oktasim.NewTestServer(t, oktasim.Options{Token: "tok", Seed: oktasim.SeedDemo,
		Limits: map[string]int{oktasim.BucketUserGet: 2}, Window: time.Hour})
	m := New()
	oc, err := okta.NewClient(okta.Config{OrgURL: sim.URL(), Token: "tok"}, okta.WithoutPacing(), okta.WithObserver(m))
	require.NoError(t, err)
	ctx := context.Background()
	for range 2 {
		_, _, err := oc.GetUser(ctx, oktasim.DemoActiveUserID)
		require.NoError(t, err)
	}
	_, _, err = oc.GetUser(ctx, oktasim.DemoActiveUserID)
	var api *okta.APIError
	require.True(t, errors.As(err, &api), "%v", err)
	require.Equal(t, 429, api.HTTPStatus)

	sc := scrape(t, m)
	bucket := okta.BucketFor("GET", "/users/"+oktasim.DemoActiveUserID)
	assert.Equal(t, 2.0, value(t, sc, "cordon_okta_requests_total", map[string]string{"action": "none", "bucket": bucket, "status_class": "2xx"}))
	assert.Equal(t, 1.0, value(t, sc, "cordon_okta_requests_total", map[string]string{"bucket": bucket, "status_class": "4xx"}))
	assert.Equal(t, 1.0, value(t, sc, "cordon_okta_rate_limited_total", map[string]string{"action": "none", "bucket": bucket}))
	assert.Equal(t, 0.0, value(t, sc, "cordon_okta_rate_limit_remaining", map[string]string{"bucket": bucket}))
	assert.Equal(t, 3.0, value(t, sc, "cordon_okta_pacing_wait_seconds", map[string]string{"bucket": bucket}))
}

// TestSDKHandler: the first use of a name fixes its labels; later tags
// outside them are dropped and missing ones empty, never an error. The
// workflows' refusals land in Cordon's own series.
func TestSDKHandler(t *testing.T) {
	m := New()
	h := m.SDKHandler().WithTags(map[string]string{"namespace": "default"})
	h.WithTags(map[string]string{"operation": "Poll"}).Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"operation": "Poll", "status_code": "Unavailable"}).Counter("temporal_request").Inc(1)
	m.SDKHandler().Counter("temporal_request").Inc(1)
	h.Gauge("temporal_num_pollers").Update(3)
	h.Timer("temporal_request_latency").Record(1500 * time.Millisecond)
	h.Timer("go_goroutines").Record(time.Second) // taken by the Go collector: dropped
	h.WithTags(map[string]string{"workflow_type": "x", "reason": workflows.RefusalMaxTargets}).Counter(workflows.MetricGuardrailRefusals).Inc(1)

	sc := scrape(t, m)
	assert.Equal(t, 3.0, value(t, sc, "temporal_request", map[string]string{"namespace": "default", "operation": "Poll"}))
	assert.Equal(t, 1.0, value(t, sc, "temporal_request", map[string]string{"namespace": "", "operation": ""}))
	assert.Equal(t, 3.0, value(t, sc, "temporal_num_pollers", nil))
	assert.Equal(t, 1.0, value(t, sc, "temporal_request_latency", nil))
	assert.Equal(t, 1.5, sc["temporal_request_latency"].GetMetric()[0].GetHistogram().GetSampleSum())
	assert.Equal(t, []map[string]string{{"reason": "max_targets"}}, sc.Labels(workflows.MetricGuardrailRefusals))
	for _, l := range sc.Labels("temporal_request") {
		assert.NotContains(t, l, "status_code")
	}
}

// TestNilMetrics: wiring without metrics records nothing and does not fail.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	assert.Nil(t, m.SDKHandler())
	m.ObserveRequest(context.Background(), okta.RequestStats{Status: 200})
	m.WatchApprovals(nil)
	var s *Serve
	s.Run("p", false, false)
}
