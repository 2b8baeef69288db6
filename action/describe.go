package action

// DescribeActivity is the engine's own activity that names an approval's
// targets for the people deciding it: a user's login and status, a zone's
// name and status. The workflow calls it (as a local activity) when an
// approval starts waiting, for the first DescribeLimit targets; what it
// returns is only shown, never acted on, and a failure leaves the ids alone.
const DescribeActivity = "cordon.describe_targets"

// DescribeLimit is how many of an approval's targets are named; the rest
// are counted.
const DescribeLimit = 20

// DescribeRequest is DescribeActivity's input.
type DescribeRequest struct {
	Kind    TargetKind `json:"kind"`
	Targets []string   `json:"targets"`
}

// TargetInfo is one described target. Login and Status are empty when the
// target could not be read (Note says why) or is not a user.
type TargetInfo struct {
	ID     string `json:"id"`
	Login  string `json:"login,omitempty"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
	Note   string `json:"note,omitempty"`
}
