package workflows

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
)

// Series the workflows count through workflow.GetMetricsHandler: the SDK
// adds namespace, task_queue and workflow_type and drops every update made
// while replaying, so a count is one per event however often a history is
// replayed. The worker serves them at /metrics (internal/metrics).
const (
	// MetricRunsStarted counts runs that began (not continue-as-new), by playbook.
	MetricRunsStarted = "cordon_runs_started_total"
	// MetricRunsFinished counts runs that ended, by playbook and status
	// (a run status, or planned for a dry run).
	MetricRunsFinished = "cordon_runs_finished_total"
	// MetricUndoScheduled counts undo workflows started, by action.
	MetricUndoScheduled = "cordon_undo_scheduled_total"
	// MetricUndoDone counts undo workflows that ended, by action and status.
	MetricUndoDone = "cordon_undo_done_total"
	// MetricGuardrailRefusals counts guardrail refusals of steps that
	// would have acted (not dry runs, not approval previews), by reason:
	// protected_user, protected_group, protected_network, protected_zone
	// (one per protected target, or one for a refused group or zone
	// parameter) and max_targets (one per step).
	MetricGuardrailRefusals = "cordon_guardrail_refusals_total"
)

// RefusalMaxTargets is the reason of a step refused by max_targets.
const RefusalMaxTargets = "max_targets"

// RefusalMaxRunTargets is the reason of a step refused by max_run_targets.
const RefusalMaxRunTargets = "max_run_targets"

func count(ctx workflow.Context, name string, tags map[string]string) {
	workflow.GetMetricsHandler(ctx).WithTags(tags).Counter(name).Inc(1)
}

// countProtected counts the protected targets a step leaves out.
func countProtected(ctx workflow.Context, kind action.TargetKind, protected []action.ProtectedEntry) {
	if len(protected) == 0 {
		return
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"reason": refusalReason(kind)}).
		Counter(MetricGuardrailRefusals).Inc(int64(len(protected)))
}

// countRefused counts a step refused for a protected scope (the guard
// words it "<param> <value>: <why>").
func countRefused(ctx workflow.Context, c *canonical, g *action.GuardResult) {
	count(ctx, MetricGuardrailRefusals, map[string]string{"reason": refusalReasonOf(c, g)})
}

// refusalReasonOf is the reason of a step refused for a protected scope.
func refusalReasonOf(c *canonical, g *action.GuardResult) string {
	kind := action.TargetGroups
	for _, sc := range c.scopes {
		if strings.HasPrefix(g.Refused, sc.Param+" ") {
			kind = sc.Kind
		}
	}
	return refusalReason(kind)
}

func refusalReason(k action.TargetKind) string {
	switch k {
	case action.TargetGroups:
		return "protected_group"
	case action.TargetIPs:
		return "protected_network"
	case action.TargetZones:
		return "protected_zone"
	}
	return "protected_user"
}
