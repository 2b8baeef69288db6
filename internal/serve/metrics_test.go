package serve

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/metrics"
	"github.com/cordonsec/cordon/internal/testutil"
)

// TestServeMetrics: /metrics answers without credentials and counts the
// requests by route and status, the runs started and the duplicates.
func TestServeMetrics(t *testing.T) {
	ts, st := newTestServer(t, Config{Secret: secret, Metrics: metrics.NewServe()})
	url := ts.URL + "/v1/alerts"
	require.Equal(t, http.StatusAccepted, post(t, url, loginAlert, signed(secret, loginAlert)).status)
	require.Equal(t, http.StatusAccepted, post(t, url, loginAlert, signed(secret, loginAlert)).status)
	require.Equal(t, http.StatusUnauthorized, post(t, url, loginAlert, nil).status)
	require.Equal(t, 2, st.count())

	sc, err := testutil.ScrapeURL(ts.URL + "/metrics")
	require.NoError(t, err)
	get := func(name string, labels map[string]string) float64 {
		t.Helper()
		v, ok := sc.Sum(name, labels)
		require.True(t, ok, "series %s%v present", name, labels)
		return v
	}
	assert.Equal(t, 2.0, get("cordon_serve_requests_total", map[string]string{"route": "POST /v1/alerts", "code": "202"}))
	assert.Equal(t, 1.0, get("cordon_serve_requests_total", map[string]string{"route": "POST /v1/alerts", "code": "401"}))
	assert.Equal(t, 2.0, get("cordon_serve_runs_started_total", nil))
	assert.Equal(t, 2.0, get("cordon_serve_duplicates_total", nil))
	for _, l := range sc.Labels("cordon_serve_runs_started_total") {
		assert.NotEmpty(t, l["playbook"])
	}

	resp, err := http.Get(ts.URL + "/nowhere")
	require.NoError(t, err)
	resp.Body.Close()
	sc, err = testutil.ScrapeURL(ts.URL + "/metrics")
	require.NoError(t, err)
	assert.Equal(t, 1.0, get("cordon_serve_requests_total", map[string]string{"route": "none", "code": "404"}))
	assert.Equal(t, 1.0, get("cordon_serve_requests_total", map[string]string{"route": "GET /metrics", "code": "200"}))
}
