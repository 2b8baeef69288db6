package workflows

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// states records every value the run writes to CordonState, in order.
func (h *harness) states() *[]RunState {
	var got []RunState
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Maybe().Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(SearchState); ok {
			got = append(got, RunState(v))
		}
	})
	return &got
}

// detailsAt reads the run's current details (what the Temporal UI shows)
// after delay.
func (h *harness) detailsAt(delay time.Duration) *string {
	var details string
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow("__temporal_workflow_metadata")
		require.NoError(h.t, err)
		var md sdkpb.WorkflowMetadata
		require.NoError(h.t, v.Get(&md))
		details = md.GetCurrentDetails()
	}, delay)
	return &details
}

func TestVisibleWaitingApproved(t *testing.T) {
	h := newHarness(t)
	h.in.ApprovalsURL = "http://cordon.example/approvals"

	h.okta.on(action.GetUsers, users("00u1", "00u2"))
	states := h.states()
	during := h.detailsAt(time.Minute)
	pending := h.pendingAt(time.Minute)
	h.decide(2*time.Minute, Decision{Approver: "bob"})
	after := h.detailsAt(3 * time.Minute)
	_, err := h.run(approveThenDeactivate, RunInput{Options: RunOptions{StartedBy: "alice"}})
	require.NoError(t, err)

	assert.Equal(t, []RunState{RunRunning, StateWaitingApproval, RunRunning, RunSucceeded}, *states)
	require.Len(t, *pending, 1)
	p := (*pending)[0]
	assert.Equal(t, []action.TargetInfo{
		{ID: "00u1", Login: "00u1@example.com", Status: "ACTIVE"},
		{ID: "00u2", Login: "00u2@example.com", Status: "ACTIVE"},
	}, p.TargetInfo, "the targets are named with login and status")
	assert.Equal(t, playbook.Reject, p.OnTimeout)

	d := *during
	assert.Contains(t, d, "### Waiting for approval: step `approve`")
	assert.Contains(t, d, "Deactivate 2 users?")
	assert.Contains(t, d, "**Targets of step `deactivate` (2):**")
	assert.Contains(t, d, "- 00u1  00u1@example\\.com  ACTIVE")
	assert.Contains(t, d, "**Approvers:** alice, bob")
	assert.Contains(t, d, "**Deadline:** 20")
	assert.Contains(t, d, ", then reject")
	assert.Contains(t, d, "[approvals page](http://cordon.example/approvals/default-test-workflow-id)")
	assert.Contains(t, d, "`cordon approve default-test-workflow-id --step approve --as NAME [--reject] [--comment TEXT]`")
	assert.Empty(t, *after, "nothing waits once decided")

	require.Len(t, h.okta.notices, 1, "people were told once")
	n := h.okta.notices[0]
	assert.Equal(t, "approve", n.Step)
	assert.Equal(t, "Deactivate 2 users?", n.Message)
	assert.Equal(t, 2, n.TargetCount)
	assert.Equal(t, []string{"00u1  00u1@example.com  ACTIVE", "00u2  00u2@example.com  ACTIVE"}, n.TargetLines)
	assert.Equal(t, "http://cordon.example/approvals/default-test-workflow-id", n.Link)
}

func TestFailingNotificationNeverHoldsTheRunUp(t *testing.T) {
	h := newHarness(t)
	h.env.OnActivity(NotifyActivity, mock.Anything, mock.Anything).Return(errors.New("hooks.slack.com: HTTP 500"))
	h.okta.on(action.GetUsers, users("00u1"))
	h.decide(time.Minute, Decision{Approver: "bob"})
	st, err := h.run(approveThenDeactivate, RunInput{})
	require.NoError(t, err)
	assert.Equal(t, RunSucceeded, st.Status)
	assert.Len(t, h.okta.callsTo(action.DeactivateUsers), 1)
}

func TestVisibleWaitingRejectedAndTimeout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decide bool
	}{{"rejected", true}, {"timeout", false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.okta.on(action.GetUsers, users("00u1"))
			states := h.states()
			if tc.decide {
				h.decide(time.Minute, Decision{Approver: "bob", Reject: true})
			}
			st, err := h.run(approveThenDeactivate, RunInput{})
			require.Error(t, err)
			assert.Equal(t, RunRejected, st.Status)
			assert.Equal(t, []RunState{RunRunning, StateWaitingApproval, RunRunning, RunRejected}, *states)
		})
	}
}

func TestVisibleBlastRadiusApproval(t *testing.T) {
	h := newHarness(t)
	ids := make([]string, 25)
	for i := range ids {
		ids[i] = fmt.Sprintf("00u%02d", i)
	}
	h.okta.on(action.GetUsers, users(ids...))
	src := findAndDeactivate + "guardrails: {max_targets: 3, above_limit: approval}\n"
	states := h.states()
	during := h.detailsAt(time.Minute)
	pending := h.pendingAt(time.Minute)
	h.decide(2*time.Minute, Decision{Approver: "bob", Step: "deactivate-limit"})
	_, err := h.run(src, RunInput{Inputs: map[string]any{"login": "x"}})
	require.NoError(t, err)
	assert.Equal(t, []RunState{RunRunning, StateWaitingApproval, RunRunning, RunSucceeded}, *states)
	require.Len(t, *pending, 1)
	lines := TargetLines((*pending)[0])
	require.Len(t, lines, action.DescribeLimit+1, "the first 20 and a count")
	assert.Equal(t, "00u00  00u00@example.com  ACTIVE", lines[0])
	assert.Equal(t, "... and 5 more", lines[20])
	d := *during
	assert.Contains(t, d, "step `deactivate-limit`")
	assert.Contains(t, d, "would act on 25 targets, above the limit of 3")
	assert.Contains(t, d, "**Targets of step `deactivate` (25):**")
	assert.Contains(t, d, "\\.\\.\\. and 5 more")
	assert.Contains(t, d, "**Deadline:** none")
	assert.NotContains(t, d, "approvals page", "no approvals page is configured")
}

func TestVisibleStatesAtTheEnd(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	states := h.states()
	_, err := h.run(approveThenDeactivate, RunInput{Options: RunOptions{DryRun: true}})
	require.NoError(t, err)
	assert.Equal(t, []RunState{RunRunning, StatePlanned}, *states)

	h = newHarness(t)
	states = h.states()
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Minute)
	_, err = h.run(approveThenDeactivate, RunInput{})
	require.Error(t, err)
	assert.Equal(t, []RunState{RunRunning, StateWaitingApproval, RunCancelled}, *states)
}

func TestMessagesCannotPlantMarkdown(t *testing.T) {
	assert.Equal(t, `\[click\]\(http://evil\)`, mdEscape("[click](http://evil)"))
	assert.Equal(t, "approval deactivate: timeout 30m", TimerSummary("deactivate", 30*time.Minute))
	assert.Equal(t, "1h", ShortDuration(time.Hour))
	assert.Equal(t, "1h30m", ShortDuration(90*time.Minute))
	assert.Equal(t, "45s", ShortDuration(45*time.Second))
}
