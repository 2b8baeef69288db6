package runs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/workflows"
)

func TestDefaultID(t *testing.T) {
	assert.Equal(t, "contain-OKTA-1", DefaultID("contain", map[string]any{"id": "OKTA-1"}))
	assert.Equal(t, "contain-42", DefaultID("contain", map[string]any{"id": float64(42)}))
	assert.Equal(t, "contain-a_b~c8687a08", DefaultID("contain", map[string]any{"id": "a b"}))
	assert.Equal(t, "contain-a_b", DefaultID("contain", map[string]any{"id": "a_b"}))
	assert.NotEqual(t, DefaultID("contain", map[string]any{"id": "a/b"}), DefaultID("contain", map[string]any{"id": "a b"}))
	assert.Regexp(t, `^contain-[0-9a-f]{12}$`, DefaultID("contain", nil))
}

func TestListQuery(t *testing.T) {
	q, err := ListQuery("contain", "rejected", "00u1")
	assert.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'PlaybookWorkflow' AND CordonPlaybook = 'contain' AND CordonTarget = '00u1' AND ExecutionStatus = 'Failed'", q)
	q, err = ListQuery("contain", "terminated", "")
	assert.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'PlaybookWorkflow' AND CordonPlaybook = 'contain' AND ExecutionStatus = 'Terminated'", q)
	q, err = ListQuery("", "", "")
	assert.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'PlaybookWorkflow' AND ExecutionStatus != 'ContinuedAsNew'", q,
		"a run that continued as new is listed once")
	q, err = ListQuery("", "waiting_approval", "")
	assert.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'PlaybookWorkflow' AND CordonState = 'waiting_approval'", q)
	q, err = ListQuery("", "planned", "")
	assert.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'PlaybookWorkflow' AND CordonState = 'planned'", q)
	yes, no := true, false
	q, err = ListFilter{AlertID: "alert-'7", DryRun: &yes}.Query()
	assert.NoError(t, err)
	assert.Equal(t, `WorkflowType = 'PlaybookWorkflow' AND CordonAlertID = 'alert-\'7' AND CordonDryRun = true AND ExecutionStatus != 'ContinuedAsNew'`, q)
	q, err = ListFilter{Connection: "globex"}.Query()
	assert.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'PlaybookWorkflow' AND CordonConnection = 'globex' AND ExecutionStatus != 'ContinuedAsNew'", q)
	q, err = ListFilter{Playbook: "p", DryRun: &no}.Query()
	assert.NoError(t, err)
	assert.Equal(t, "WorkflowType = 'PlaybookWorkflow' AND CordonPlaybook = 'p' AND CordonDryRun = false AND ExecutionStatus != 'ContinuedAsNew'", q)
	_, err = ListQuery("", "done", "")
	assert.EqualError(t, err, `unknown status "done" (want running, waiting_approval, succeeded, failed, rejected, cancelled, planned, terminated or timed_out)`)
}

func TestPlanLine(t *testing.T) {
	assert.Equal(t, "deactivate 2 users: 00u1, 00u2",
		PlanLine(&workflows.Plan{Action: "okta.deactivate_users", Targets: []string{"00u1", "00u2"}}))
	assert.Equal(t, "add 1 IPs to zone nzo1: 203.0.113.7",
		PlanLine(&workflows.Plan{Action: "okta.block_ips", Targets: []string{"203.0.113.7"}, Params: map[string]any{"zone_id": "nzo1"}}))
}

// Every destructive action reads as a sentence in a plan, from its
// registry entry, not as its title and raw calls.
func TestEveryDestructiveActionIsPlanned(t *testing.T) {
	for _, a := range action.Okta().All() {
		if a.Destructive {
			line := PlanLine(&workflows.Plan{Action: a.Name, Title: a.Title, Targets: []string{"t1"}, Params: a.Example})
			assert.NotContains(t, line, "{", "%s: every placeholder is filled", a.Name)
			assert.False(t, strings.HasPrefix(line, strings.ToLower(a.Title)+":"), "plan wording for %s: %s", a.Name, line)
		}
	}
	assert.Equal(t, "suspend 1 users: 00u1", PlanLine(&workflows.Plan{Action: action.SuspendUsers, Targets: []string{"00u1"}}))
	assert.Equal(t, "end the sessions of 2 users: 00u1, 00u2",
		PlanLine(&workflows.Plan{Action: action.ClearUserSessions, Targets: []string{"00u1", "00u2"}}))
}

// cordon run --alert applies the playbook pre-scan's limits to the alert.
func TestParseAlertLimits(t *testing.T) {
	_, err := ParseAlert("a.json", []byte(`{"x": `+strings.Repeat("[", 65)+strings.Repeat("]", 65)+`}`))
	assert.EqualError(t, err, "alert a.json: nesting deeper than 64 levels (at byte 69)")
	_, err = ParseAlert("a.json", []byte(`{"id": "`+strings.Repeat("x", 900)+`"}`))
	assert.EqualError(t, err, "alert a.json: id is 900 bytes long; at most 800 fit in the IDs of its runs")
	a, err := ParseAlert("a.json", []byte(`{"id": "ok", "x": `+strings.Repeat("[", 60)+strings.Repeat("]", 60)+`}`))
	assert.NoError(t, err)
	assert.Equal(t, "ok", a["id"])
}
