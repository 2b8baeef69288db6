package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/internal/notify"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// hookReceiver is the outgoing webhook of the stack's worker: it keeps
// every Slack message it is sent.
type hookReceiver struct {
	mu   sync.Mutex
	text []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m struct{ Text string }
	_ = json.NewDecoder(r.Body).Decode(&m)
	h.mu.Lock()
	h.text = append(h.text, m.Text)
	h.mu.Unlock()
}

func (h *hookReceiver) messagesAbout(run string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, t := range h.text {
		if strings.Contains(t, "`"+run+"`") {
			out = append(out, t)
		}
	}
	return out
}

var (
	e2eHooks    = &hookReceiver{}
	e2eHookSrv  = httptest.NewServer(e2eHooks)
	e2eNotifier = &notify.Notifier{Hooks: []notify.Hook{{URL: e2eHookSrv.URL + "/services/T0/B0/x", Format: notify.FormatSlack}}}
)

// stateOf is the run's CordonState as the server's visibility store has it.
func (s *stack) stateOf(t *testing.T, id string) workflows.RunState {
	t.Helper()
	resp, err := s.client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = %q", id)})
	require.NoError(t, err)
	if len(resp.Executions) == 0 {
		return ""
	}
	var state workflows.RunState
	if p, ok := resp.Executions[0].GetSearchAttributes().GetIndexedFields()[workflows.SearchState.GetName()]; ok {
		require.NoError(t, converter.GetDefaultDataConverter().FromPayload(p, &state))
	}
	return state
}

// TestWaitingRunIsVisible follows a run through an approval as an analyst
// and the Temporal UI see it: CordonState, cordon list --status, cordon
// status with the targets named, the current details and the timer's
// summary.
func TestWaitingRunIsVisible(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	id := s.start(t, runs.Request{Playbook: s.load(t, "approval.yaml"), Inputs: map[string]any{"login": u.Login}, StartedBy: "alice"})

	require.Eventually(t, func() bool {
		return s.stateOf(t, id) == workflows.StateWaitingApproval
	}, 30*time.Second, 50*time.Millisecond, "CordonState waiting_approval")
	out, stderr, code := s.cli(t, "list", "--status", "waiting_approval", "--limit", "1000")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, id)
	assert.Regexp(t, id+`\s+e2e-approval\s+waiting_approval`, out)

	out, stderr, code = s.cli(t, "status", id)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "waiting for approval of approve: Deactivate "+u.Login+"?")
	assert.Contains(t, out, "targets of deactivate (1):\n        "+u.ID+"  "+u.Login+"  ACTIVE\n")
	assert.Contains(t, out, "approvers: bob, carol")
	assert.Contains(t, out, "decide: cordon approve "+id+" --step approve")

	v, err := s.client.QueryWorkflow(context.Background(), id, "", "__temporal_workflow_metadata")
	require.NoError(t, err)
	var md sdkpb.WorkflowMetadata
	require.NoError(t, v.Get(&md))
	details := md.GetCurrentDetails()
	assert.Contains(t, details, "### Waiting for approval: step `approve`")
	assert.Contains(t, details, u.ID)
	assert.Contains(t, details, "**Approvers:** bob, carol")
	assert.Contains(t, details, "`cordon approve "+id+" --step approve --as NAME")

	assert.Equal(t, []string{"approval approve: timeout 10m"}, s.timerSummaries(t, id), "the timer says what it waits for")
	require.Eventually(t, func() bool { return len(e2eHooks.messagesAbout(id)) == 1 }, 30*time.Second, 50*time.Millisecond, "the Slack notification")
	msg := e2eHooks.messagesAbout(id)[0]
	assert.Contains(t, msg, "*Approval needed*: Deactivate "+u.Login+"? (playbook e2e-approval, run `"+id+"`, step `approve`)")
	assert.Contains(t, msg, "• "+u.ID+"  "+u.Login+"  ACTIVE")

	_, err = runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: "bob"})
	require.NoError(t, err)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	require.Eventually(t, func() bool {
		return s.stateOf(t, id) == workflows.RunSucceeded
	}, 30*time.Second, 50*time.Millisecond, "CordonState succeeded")
	out, _, _ = s.cli(t, "list", "--status", "waiting_approval", "--limit", "1000")
	assert.NotContains(t, out, id, "a decided run no longer waits")
}

// TestRejectedRunState: CordonState tells a rejected run from a failed one.
func TestRejectedRunState(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	id := s.start(t, runs.Request{Playbook: s.load(t, "approval.yaml"), Inputs: map[string]any{"login": u.Login}, StartedBy: "alice"})
	s.awaitApproval(t, id)
	_, err := runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: "carol", Reject: true})
	require.NoError(t, err)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunRejected, st.Status)
	require.Eventually(t, func() bool {
		return s.stateOf(t, id) == workflows.RunRejected
	}, 30*time.Second, 50*time.Millisecond, "CordonState rejected")
	out, stderr, code := s.cli(t, "list", "--status", "rejected", "--limit", "1000")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, id+`\s+e2e-approval\s+rejected`, out)
}

// timerSummaries returns the summaries of the run's timers, in order.
func (s *stack) timerSummaries(t *testing.T, id string) []string {
	t.Helper()
	var out []string
	it := s.client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		if e.GetEventType() != enumspb.EVENT_TYPE_TIMER_STARTED {
			continue
		}
		var summary string
		if p := e.GetUserMetadata().GetSummary(); p != nil {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayload(p, &summary))
		}
		out = append(out, strings.TrimSpace(summary))
	}
	return out
}
