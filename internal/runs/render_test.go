package runs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/workflows"
)

// A run whose list actions left items failed says so in its status line;
// a clean run and a dry run's planned targets do not.
func TestStatusLineCountsFailedItems(t *testing.T) {
	ids := func(n int) []string {
		l := make([]string, n)
		for i := range l {
			l[i] = "00u" + strings.Repeat("x", i)
		}
		return l
	}
	// bulk is a list action's output as a status query answers it.
	bulk := func(ok, failed int) any {
		b := action.NewBulkResult()
		b.Succeeded, b.Failed = ids(ok), ids(failed)
		return b.Plain()
	}
	st := &workflows.RunStatus{WorkflowID: "wf-1", Playbook: "offboard", Version: 2, Status: workflows.RunSucceeded,
		Steps: []*workflows.StepStatus{
			{ID: "deactivate", Kind: "action", Action: "okta.deactivate_users", Status: "partially_succeeded",
				Output: bulk(857, 140)},
			{ID: "each", Kind: "action", Action: "okta.reset_user_passwords", Status: "partially_succeeded", Items: 2,
				Output: []any{bulk(0, 2), bulk(0, 1)}},
			{ID: "plan", Kind: "action", Action: "okta.deactivate_users", Status: "planned",
				Output: bulk(0, 9)},
		}}
	assert.Equal(t, 143, FailedItems(st))
	assert.Equal(t, "succeeded with 143 failed items", StatusLine(st))
	var b strings.Builder
	WriteText(&b, st)
	assert.True(t, strings.HasPrefix(b.String(), "wf-1  offboard v2  succeeded with 143 failed items\n"), b.String())

	st.Steps = st.Steps[1:2]
	st.Steps[0].Output = []any{bulk(0, 1)}
	assert.Equal(t, "succeeded with 1 failed item", StatusLine(st))
	st.Steps = nil
	assert.Equal(t, "succeeded", StatusLine(st))
}

// cordon status names the run's connection when it is not the default,
// each step on another connection, and the org a pending approval's
// steps act on.
func TestStatusTextNamesConnections(t *testing.T) {
	st := &workflows.RunStatus{WorkflowID: "wf-2", Playbook: "cross", Version: 1, Status: workflows.RunRunning, Connection: "acme",
		Steps: []*workflows.StepStatus{
			{ID: "find", Kind: "action", Action: "okta.get_users", Status: "succeeded"},
			{ID: "suspend", Kind: "action", Action: "okta.suspend_users", Connection: "globex", Status: "pending"},
		},
		PendingApprovals: []workflows.PendingApproval{{Step: "approve", Message: "Suspend?", Targets: []string{"00u1"},
			ForStep: "suspend", Connections: map[string]string{"suspend": "globex"}}}}
	var b strings.Builder
	WriteText(&b, st)
	out := b.String()
	assert.Contains(t, out, "  connection acme\n")
	assert.Contains(t, out, "suspend                okta.suspend_users         pending (on globex)")
	assert.Contains(t, out, "      acts on connection globex\n")

	st.Connection = "default"
	b.Reset()
	WriteText(&b, st)
	assert.NotContains(t, b.String(), "connection default")
}
