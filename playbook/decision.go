package playbook

// The words of an approval that cross packages: a playbook's on_timeout and
// above_limit, the decision a person (or the deadline) sends, and the outcome
// a run records. The workflow, the approvals API, cordon approve and
// cordon test all use these constants, never the bare strings.

// Decision is an answer to an approval: what a person sends, and what
// approval.on_timeout says the deadline decides.
type Decision string

const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// Outcome is how an approval ended, as the run records it
// (workflows.ApprovalRecord.Decision).
type Outcome string

const (
	Approved Outcome = "approved"
	Rejected Outcome = "rejected"
)

// Outcome is the outcome a decision records.
func (d Decision) Outcome() Outcome {
	if d == Approve {
		return Approved
	}
	return Rejected
}

// AboveLimit is guardrails.above_limit: what happens past max_targets.
type AboveLimit string

const (
	// AboveLimitFail fails the step (the default).
	AboveLimitFail AboveLimit = "fail"
	// AboveLimitApproval asks for an approval listing the targets first.
	AboveLimitApproval AboveLimit = "approval"
)
