package intake

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

const lockFilter = `eventType eq "user.account.lock"`

// recorder is a trigger.Starter that records the runs asked for: the test
// isolates the poll (Okta over real HTTP to the simulated org, trigger
// matching, cursors), not Temporal.
type recorder struct{ reqs []runs.Request }

func (r *recorder) Start(_ context.Context, req runs.Request) (runs.Started, error) {
	for _, old := range r.reqs {
		if old.ID == req.ID {
			return runs.Started{WorkflowID: req.ID, Duplicate: true}, nil
		}
	}
	r.reqs = append(r.reqs, req)
	return runs.Started{WorkflowID: req.ID, RunID: "run"}, nil
}

func newPoller(t *testing.T) (*Poller, *oktasim.Server, *recorder) {
	t.Helper()
	srv := oktasim.NewTestServer(t, oktasim.Options{})
	c, err := okta.NewClient(okta.Config{OrgURL: srv.URL(), Token: "test-token"})
	require.NoError(t, err)
	st := &recorder{}
	return &Poller{Okta: c, Starter: st, Library: runs.Library{Dir: "testdata", Registry: action.Okta()}}, srv, st
}

func TestPollStartsMatchingRunsAndResumes(t *testing.T) {
	t.Parallel()
	p, srv, st := newPoller(t)
	srv.Sim().AppendEvent(map[string]any{"eventType": "user.account.lock", "outcome": map[string]any{"result": "FAILURE"},
		"actor": map[string]any{"alternateId": "jane.doe@acme.com"}, "uuid": "aaaaaaaa-0000-4000-8000-000000000001"})
	srv.Sim().AppendEvent(map[string]any{"eventType": "user.session.start", "displayMessage": "intake unit test",
		"uuid": "aaaaaaaa-0000-4000-8000-000000000002"})
	ctx := context.Background()
	req := workflows.PollRequest{Since: time.Now().Add(-time.Minute)}

	res, err := p.Poll(ctx, req)
	require.NoError(t, err)
	assert.Empty(t, res.Problems)
	assert.Equal(t, 2, res.RunsStarted)
	require.Len(t, st.reqs, 2)
	byName := map[string]runs.Request{}
	for _, r := range st.reqs {
		byName[r.Playbook.Name] = r
	}
	lock := byName["on-lock"]
	assert.Equal(t, "okta-event:aaaaaaaa-0000-4000-8000-000000000001", lock.StartedBy)
	assert.Equal(t, map[string]any{"login": "jane.doe@acme.com"}, lock.Inputs)
	assert.Equal(t, "user.account.lock", lock.Alert["event_type"], "the alert carries the mapped fields")
	assert.Equal(t, "aaaaaaaa-0000-4000-8000-000000000001", lock.Alert["id"])
	assert.Contains(t, byName, "on-tagged")
	assert.ElementsMatch(t, []string{"", lockFilter}, keys(res.Cursors), "one cursor per distinct filter")

	// From the new cursors nothing is new; from the old ones every run
	// exists already.
	again, err := p.Poll(ctx, workflows.PollRequest{Cursors: res.Cursors, Since: req.Since})
	require.NoError(t, err)
	assert.Zero(t, again.Events)
	assert.Zero(t, again.RunsStarted)
	replay, err := p.Poll(ctx, req)
	require.NoError(t, err)
	assert.Zero(t, replay.RunsStarted)
	assert.Equal(t, 2, replay.Duplicates)
}

// TestPollBadCursorIsReported: a cursor that is no polling link cannot
// heal by retrying, so the poll reports it, keeps it, and goes on with the
// other filters.
func TestPollBadCursorIsReported(t *testing.T) {
	t.Parallel()
	p, _, _ := newPoller(t)
	bad := "https://example.okta.com/api/v1/logs?until=2026-01-01T00:00:00Z"
	res, err := p.Poll(context.Background(), workflows.PollRequest{Cursors: map[string]string{lockFilter: bad},
		Since: time.Now().Add(-time.Minute)})
	require.NoError(t, err)
	require.Len(t, res.Problems, 1)
	assert.True(t, strings.HasPrefix(res.Problems[0], `filter "eventType eq \"user.account.lock\"": Poll System Log failed. Message: `), res.Problems[0])
	assert.Contains(t, res.Problems[0], "parameter cursor: bad System Log cursor: next link is bounded (until)")
	assert.Equal(t, bad, res.Cursors[lockFilter], "the cursor is kept")
	assert.NotEmpty(t, res.Cursors[""], "the other filter advanced")
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A poller of another connection starts its runs on that connection, and
// their alert names it; the default connection's runs name none (the
// playbook's own connection applies, as before there were connections).
func TestPollStartsRunsOnItsConnection(t *testing.T) {
	t.Parallel()
	for _, conn := range []string{"globex", "default"} {
		p, srv, st := newPoller(t)
		p.Connection = conn
		srv.Sim().AppendEvent(map[string]any{"eventType": "user.account.lock", "outcome": map[string]any{"result": "FAILURE"},
			"actor": map[string]any{"alternateId": "jane.doe@acme.com"}, "uuid": "aaaaaaaa-0000-4000-8000-000000000009"})
		_, err := p.Poll(context.Background(), workflows.PollRequest{Since: time.Now().Add(-time.Minute)})
		require.NoError(t, err)
		require.NotEmpty(t, st.reqs)
		for _, r := range st.reqs {
			if conn == "default" {
				assert.Empty(t, r.Connection)
				assert.NotContains(t, r.Alert, "connection")
				continue
			}
			assert.Equal(t, conn, r.Connection, r.Playbook.Name)
			assert.Equal(t, conn, r.Alert["connection"], r.Playbook.Name)
		}
	}
}
