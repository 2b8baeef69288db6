package workflows

import "go.temporal.io/sdk/workflow"

// Version gates. Each change to PlaybookWorkflow's command sequence made
// after runs were recorded has its own change ID (versionRunContract,
// canonicalVersion, versionAttempts, versionVisibleWaiting, versionAudit),
// so that histories recorded before it replay unchanged.
//
// Every GetVersion a run calls for the first time records a marker, and
// the SDK upserts the TemporalChangeVersion search attribute beside it: a
// visibility write per gate on every new run. A run started since
// versionGates was added records one marker for all of the gates above;
// those it meets then take their current behaviour without a marker of
// their own. Histories recorded before it have no such marker, so
// GetVersion answers DefaultVersion and each gate asks its own change ID,
// as it always did.
//
// A change made after this one adds its own change ID as before; it is
// not covered by versionGates, and asks it with since, not gated:
// versionResumeOrigin, versionIntakeOrigin, versionTargetCounts,
// versionApprovalScope, versionSignedStarts, versionConnections
// (connection.go). Those that only refuse what was let through
// before ask only when they would refuse, so runs they let through record
// no marker.
const versionGates = "gates-2"

// Change IDs of later changes, each with the file whose code it gates.
// (versionRunContract, versionResumeOrigin and versionIntakeOrigin sit in
// contract.go and contract_origin.go, versionApprovalScope in
// approval_scope.go, beside the approval and contract code.)
const (
	// versionAttempts gates the result envelope: histories recorded before it
	// hold bare outputs. (action.go)
	versionAttempts = "activity-attempts"

	// versionAudit gates the audit activity: histories recorded before it
	// have no such activity. (audit.go)
	versionAudit = "audit-trail"

	// versionTargetCounts gates the counts: a run recorded before them
	// counted one call's targets. The gate is asked only where the counts
	// refuse what the old check let through. (counting.go)
	versionTargetCounts = "target-counts"

	// versionUndoFailed gates the undo_failed end state: an undo that could
	// not reverse every target fails with them listed, instead of succeeding
	// with failed items. Undos recorded before it keep their old ending. (undofailed.go)
	versionUndoFailed = "undo-failed-1"

	// versionVisibleWaiting gates the search attribute upserts and the
	// describe activity, which are commands: histories recorded before them
	// replay unchanged (DefaultVersion); every new run shows its state. (visible.go)
	versionVisibleWaiting = "visible-waiting"
)

// gatesKey marks a context whose run recorded the versionGates marker.
type gatesKey struct{}

// withGates asks versionGates once, at the start of a run, and returns
// ctx marked when the run is under it.
func withGates(ctx workflow.Context) workflow.Context {
	if workflow.GetVersion(ctx, versionGates, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return ctx
	}
	return workflow.WithValue(ctx, gatesKey{}, true)
}

// gated reports whether the change changeID applies to this run: always
// under versionGates, otherwise as its own version marker says (and
// recorded, for a run that meets it first).
func gated(ctx workflow.Context, changeID string) bool {
	if on, _ := ctx.Value(gatesKey{}).(bool); on {
		return true
	}
	return workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) >= 1
}

// since reports whether a change made after versionGates applies to this
// run: its own version marker decides (recorded for a run that meets it
// first). Unlike gated, the versionGates marker does not answer for it: a
// history recorded under versionGates but before the change must replay
// as it ran.
func since(ctx workflow.Context, changeID string) bool {
	return workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) >= 1
}
