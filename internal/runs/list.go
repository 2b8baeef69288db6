package runs

import (
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/workflows"
)

type workflowListRequest = workflowservice.ListWorkflowExecutionsRequest

var runStatusOf = map[enumspb.WorkflowExecutionStatus]workflows.RunState{
	enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:    workflows.RunRunning,
	enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:  workflows.RunSucceeded,
	enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:     workflows.RunFailed,
	enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:   workflows.RunCancelled,
	enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED: workflows.RunTerminated,
	enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:  workflows.RunTimedOut,
	// An execution that continued as new is closed; its run goes on in
	// the next execution, which ListQuery lists instead.
	enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW: "continued_as_new",
}

func summaryOf(e *workflowpb.WorkflowExecutionInfo) Summary {
	s := Summary{
		WorkflowID: e.GetExecution().GetWorkflowId(),
		RunID:      e.GetExecution().GetRunId(),
		Status:     runStatusOf[e.GetStatus()],
		StartedAt:  e.GetStartTime().AsTime(),
	}
	if ct := e.GetCloseTime(); ct != nil && e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t := ct.AsTime()
		s.ClosedAt = &t
	}
	fields := e.GetSearchAttributes().GetIndexedFields()
	decode(fields, workflows.SearchPlaybook.GetName(), &s.Playbook)
	decode(fields, workflows.SearchAlertID.GetName(), &s.AlertID)
	decode(fields, workflows.SearchTarget.GetName(), &s.Targets)
	decode(fields, workflows.SearchDryRun.GetName(), &s.DryRun)
	decode(fields, workflows.SearchConnection.GetName(), &s.Connection)
	decode(e.GetMemo().GetFields(), workflows.MemoStartedBy, &s.StartedBy)
	// CordonState is more precise than the execution status where both
	// agree the run is open or closed the same way.
	var state workflows.RunState
	decode(fields, workflows.SearchState.GetName(), &state)
	switch {
	case s.Status == workflows.RunRunning && state == workflows.StateWaitingApproval,
		s.Status == workflows.RunSucceeded && state == workflows.StatePlanned,
		s.Status == workflows.RunFailed && state == workflows.RunRejected:
		s.Status = state
	}
	return s
}

func decode(fields map[string]*commonpb.Payload, name string, into any) {
	if p, ok := fields[name]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(p, into)
	}
}
