package serve

import (
	"github.com/cordonsec/cordon/internal/runs"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The webhook's starts carry the run's connection: ?connection= on
// POST /v1/alerts, "connection" in POST /v1/playbooks/{name}/runs.
func TestServeStartsCarryTheConnection(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token})
	r := post(t, ts.URL+"/v1/alerts?connection=globex", loginAlert, bearer(token))
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	require.NotZero(t, st.count())
	for id, req := range st.started {
		assert.Equal(t, "globex", req.Connection, id)
	}

	url := ts.URL + "/v1/playbooks/lookup-user/runs"
	r = post(t, url, []byte(`{"inputs": {"login": "fay@example.com"}, "alert": {"id": "c-1"}, "connection": "globex"}`), bearer(token))
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	assert.Equal(t, "globex", st.started["lookup-user-c-1"].Connection)

	r = post(t, url, []byte(`{"inputs": {"login": "fay@example.com"}, "alert": {"id": "c-2"}, "connection": "Not A Name"}`), bearer(token))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Contains(t, r.body["error"], `connection "Not A Name" is not a connection name`)

	before := st.count()
	r = post(t, ts.URL+"/v1/alerts?connection=Bad!", []byte(`{"id": "c-3", "type": "suspicious_login", "user": "gus@example.com"}`), bearer(token))
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	runs := r.body["alerts"].([]any)[0].(map[string]any)["runs"].([]any)
	require.NotEmpty(t, runs)
	assert.Contains(t, runs[0].(map[string]any)["error"], `connection "Bad!" is not a connection name`, "refused per run, nothing started")
	assert.Equal(t, before, st.count())
}

// With the connections file's names (cordon serve --connections), a start
// naming a connection the file does not define is refused before it
// starts, instead of failing its first step a minute in on the worker.
func TestServeRefusesAnUndefinedConnection(t *testing.T) {
	ts, st := newTestServer(t, Config{Token: token, Library: runs.Library{Connections: []string{"default", "globex"}}})
	url := ts.URL + "/v1/playbooks/lookup-user/runs"
	r := post(t, url, []byte(`{"inputs": {"login": "fay@example.com"}, "alert": {"id": "u-1"}, "connection": "initech"}`), bearer(token))
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Contains(t, r.body["error"], `connection "initech" (the run's connection) is not defined`)

	r = post(t, ts.URL+"/v1/alerts?connection=initech", loginAlert, bearer(token))
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	runList := r.body["alerts"].([]any)[0].(map[string]any)["runs"].([]any)
	require.NotEmpty(t, runList)
	assert.Contains(t, runList[0].(map[string]any)["error"], `connection "initech" (the run's connection) is not defined`)
	assert.Zero(t, st.count(), "nothing started")

	r = post(t, url, []byte(`{"inputs": {"login": "fay@example.com"}, "alert": {"id": "u-2"}, "connection": "globex"}`), bearer(token))
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	assert.Equal(t, "globex", st.started["lookup-user-u-2"].Connection)
}
