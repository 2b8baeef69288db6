package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

func TestDecideHint(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "cordon approve run-1 --step approve --as NAME [--reject] [--comment TEXT]",
		DecideHint("run-1", PendingApproval{Step: "approve"}))
	assert.Equal(t, "cordon approve run-1 --step approve [--reject] [--comment TEXT]  (after cordon login)",
		DecideHint("run-1", PendingApproval{Step: "approve", SignedOnly: true}))
}

// TestGroupApproverUnsigned: an unsigned decision on a group approval is
// refused with the reason (no groups without a signature), not with "may
// not decide" as if the person were not in the group.
func TestGroupApproverUnsigned(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	res := h.decide(time.Minute, Decision{Approver: "lead"})
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 2*time.Minute)
	_, _ = h.run(strings.Replace(approveThenDeactivate, "approvers: [alice, bob]", "approvers: [group:secops]", 1), RunInput{})
	require.Error(t, res.rejected)
	assert.Equal(t, "step approve is decided by group members (approvers: group:secops), and group membership is only taken from a signed decision: "+
		"run cordon login, then cordon approve without --as, or decide on the approvals page of cordon serve", res.rejected.Error())
}

// TestUnreachedStepsSkipped: steps after a failure report skipped, not
// pending, once the run is over.
func TestUnreachedStepsSkipped(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	res := h.decide(time.Minute, Decision{Approver: "alice", Reject: true})
	st, err := h.run(approveThenDeactivate, RunInput{})
	require.Error(t, err)
	require.NoError(t, res.rejected)
	assert.Equal(t, RunRejected, st.Status)
	assert.Equal(t, playbook.StatusSkipped, stepOf(st, "deactivate").Status)
}
