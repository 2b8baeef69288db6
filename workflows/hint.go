package workflows

import "fmt"

// DecideHint is the one command every surface (cordon run, cordon status,
// the Web UI's current details, approval notices) shows for deciding a
// pending approval. It fits the worker's policy: a worker that takes
// signed decisions only is decided through cordon serve after cordon
// login; one that takes unsigned decisions (a --dev stack) with --as.
func DecideHint(run string, p PendingApproval) string {
	if p.SignedOnly {
		return fmt.Sprintf("cordon approve %s --step %s [--reject] [--comment TEXT]  (after cordon login)", run, p.Step)
	}
	return fmt.Sprintf("cordon approve %s --step %s --as NAME [--reject] [--comment TEXT]", run, p.Step)
}
