package activities

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// TestBlockIPsNoticesALostWrite: a writer outside Cordon replaces the zone
// right after Cordon's write; the read-back notices the entry is gone and
// fails retryably instead of reporting a block that did not stick.
func TestBlockIPsNoticesALostWrite(t *testing.T) {
	sim, err := oktasim.New(oktasim.Options{Token: testToken, Seed: oktasim.SeedDemo})
	require.NoError(t, err)
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sim.ServeHTTP(w, r)
		if r.Method == http.MethodPut && r.URL.Path == "/api/v1/zones/"+oktasim.DemoBlockedIPZoneID {
			once.Do(func() { // an admin in the console saves the zone as they loaded it
				body := `{"type":"IP","name":"BlockedIpZone","usage":"BLOCKLIST","system":true,"gateways":[{"type":"CIDR","value":"192.0.2.0/24"}]}`
				req := httptest.NewRequest(http.MethodPut, r.URL.Path, strings.NewReader(body))
				req.Header.Set("Authorization", "SSWS "+testToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				sim.ServeHTTP(rec, req)
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			})
		}
	}))
	t.Cleanup(srv.Close)
	client, err := okta.NewClient(okta.Config{OrgURL: srv.URL, Token: testToken})
	require.NoError(t, err)
	acts := testActivities(client, slog.New(slog.DiscardHandler))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts.Register(env)

	_, err = env.ExecuteActivity(action.BlockIPs, action.Request{Params: map[string]any{
		action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.99"}}})
	ae, _ := appErr(t, err)
	assert.Equal(t, action.ErrUnavailable, ae.Type(), "retryable")
	assert.Contains(t, ae.Error(), "changed under the write (203.0.113.99/32 is missing)")

	// The retry reads the zone afresh and blocks the entry for good.
	_, err = env.ExecuteActivity(action.BlockIPs, action.Request{Params: map[string]any{
		action.ParamZoneID: oktasim.DemoBlockedIPZoneID, action.ParamIPAddresses: []any{"203.0.113.99"}}})
	require.NoError(t, err)
	z, _ := sim.Zone(oktasim.DemoBlockedIPZoneID)
	assert.Contains(t, z.Gateways, "203.0.113.99/32")
	assert.Contains(t, z.Gateways, "192.0.2.0/24", "the other writer's entry is kept")
}
