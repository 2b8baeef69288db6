package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// memSink keeps the trail in memory.
type memSink struct {
	mu     sync.Mutex
	events []audit.Event
}

func (m *memSink) Write(_ context.Context, events []audit.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, events...)
	return nil
}

func (m *memSink) Close() error { return nil }

func (m *memSink) all() []audit.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]audit.Event(nil), m.events...)
}

const auditPlaybook = `name: e2e-audit
version: 3
inputs:
  users: {type: list, required: true}
steps:
  - id: approve
    approval:
      message: "Suspend ${{ inputs.users }}?"
  - id: suspend
    action: okta.suspend_users
    with: {user_ids: "${{ inputs.users }}"}
`

// TestAuditTrail: a run with an approval, a protected target and a write
// yields exactly three lines, in that order, with the run's ids, the
// playbook, the step, the canonical target and Okta's request id.
func TestAuditTrail(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	sink := &memSink{}
	protected := guard.Protected{Users: []string{oktasim.DemoLockedUserID}}
	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo}, stackOptions{protected: &protected, audit: sink})
	defer stop()
	pb, err := playbook.Load("e2e-audit.yaml", []byte(auditPlaybook), playbook.Options{Registry: s.reg})
	require.NoError(t, err)
	id := s.start(t, runs.Request{Playbook: pb, ID: "e2e-audit-" + time.Now().Format("150405.000000000"),
		Inputs: map[string]any{"users": []any{"jane.doe@acme.com", oktasim.DemoLockedUserID}}})
	s.awaitApproval(t, id)
	_, err = runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: "lead", Comment: "go"})
	require.NoError(t, err)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)

	got := sink.all()
	require.Len(t, got, 3, "%+v", got)
	seen := map[string]bool{}
	for _, e := range got {
		assert.Equal(t, id, e.WorkflowID)
		assert.Equal(t, st.RunID, e.RunID)
		assert.Equal(t, "e2e-audit", e.Playbook)
		assert.Equal(t, 3, e.PlaybookVersion)
		assert.Equal(t, 1, e.Schema)
		_, err := time.Parse(time.RFC3339Nano, e.Time)
		assert.NoError(t, err)
		assert.False(t, seen[e.ID], "ids are unique: %s", e.ID)
		seen[e.ID] = true
	}
	a, r, w := got[0], got[1], got[2]
	assert.Equal(t, audit.Event{ID: a.ID, Schema: 1, Time: a.Time, Kind: audit.KindApproval, WorkflowID: id, RunID: st.RunID,
		Playbook: "e2e-audit", PlaybookVersion: 3, Step: "approve", Outcome: "approved", Approver: "lead", Message: "go", Attempt: 1}, a)
	assert.Equal(t, audit.KindRefusal, r.Kind)
	assert.Equal(t, "suspend", r.Step)
	assert.Equal(t, action.SuspendUsers, r.Action)
	assert.Equal(t, oktasim.DemoLockedUserID, r.Target)
	assert.Equal(t, "protected_user", r.Outcome)
	assert.NotEmpty(t, r.Message)
	assert.Equal(t, audit.KindOktaWrite, w.Kind)
	assert.Equal(t, "suspend", w.Step)
	assert.Equal(t, action.SuspendUsers, w.Action)
	assert.Equal(t, oktasim.DemoActiveUserID, w.Target, "the canonical target: the login became the Okta ID")
	assert.Equal(t, "2xx 200", w.Outcome)
	assert.Equal(t, "POST /users/"+oktasim.DemoActiveUserID+"/lifecycle/suspend", w.Request)
	assert.NotEmpty(t, w.OktaRequestID)
	u, _ := s.sim.Sim().User(oktasim.DemoActiveUserID)
	assert.Equal(t, "SUSPENDED", u.Status)
}

// collector is a SIEM intake that is down (503) until up is set.
type collector struct {
	mu    sync.Mutex
	up    bool
	calls int
	lines []string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if !c.up {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	b, _ := io.ReadAll(r.Body)
	c.lines = append(c.lines, strings.Split(strings.TrimSpace(string(b)), "\n")...)
}

// TestAuditHTTPSinkDown: with the collector down the run completes anyway;
// the line waits in the spool, is retried, and arrives once the collector
// is back.
func TestAuditHTTPSinkDown(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	c := &collector{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	sink, err := audit.NewHTTPSink(audit.HTTPOptions{URL: srv.URL, Spool: filepath.Join(t.TempDir(), "spool.jsonl"),
		MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	require.NoError(t, err)
	defer sink.Close()
	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo}, stackOptions{audit: sink})
	defer stop()

	st := s.runSource(t, "e2e-audit-down", `name: e2e-audit-down
version: 1
steps:
  - id: suspend
    action: okta.suspend_users
    with: {user_ids: ["`+oktasim.DemoActiveUserID+`"]}
`, runs.Request{})
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.calls >= 2
	}, 30*time.Second, 50*time.Millisecond, "the sink to retry the down collector")
	assert.Zero(t, sink.Delivered())

	c.mu.Lock()
	c.up = true
	c.mu.Unlock()
	require.Eventually(t, func() bool { return sink.Delivered() == 1 }, 30*time.Second, 50*time.Millisecond, "the line to be delivered")
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Len(t, c.lines, 1)
	assert.Contains(t, c.lines[0], `"kind":"okta_write"`)
	assert.Contains(t, c.lines[0], `"target":"`+oktasim.DemoActiveUserID+`"`)
	assert.Contains(t, c.lines[0], `"workflow_id":"`+st.WorkflowID+`"`)
}
