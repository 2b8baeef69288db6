package runs

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cordonsec/cordon/workflows"
)

func TestDefaultID(t *testing.T) {
	assert.Equal(t, "contain-OKTA-1", DefaultID("contain", map[string]any{"id": "OKTA-1"}))
	assert.Equal(t, "contain-42", DefaultID("contain", map[string]any{"id": float64(42)}))
	assert.Equal(t, "contain-a_b", DefaultID("contain", map[string]any{"id": "a b"}))
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
	_, err = ListQuery("", "done", "")
	assert.EqualError(t, err, `unknown status "done" (want running, waiting_approval, succeeded, failed, rejected, cancelled, planned, terminated or timed_out)`)
}

func TestPlanLine(t *testing.T) {
	assert.Equal(t, "deactivate 2 users: 00u1, 00u2",
		PlanLine(&workflows.Plan{Action: "okta.deactivate_users", Targets: []string{"00u1", "00u2"}}))
	assert.Equal(t, "add 1 IPs to zone nzo1: 203.0.113.7",
		PlanLine(&workflows.Plan{Action: "okta.block_ips", Targets: []string{"203.0.113.7"}, Params: map[string]any{"zone_id": "nzo1"}}))
}
