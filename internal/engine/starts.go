package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/workflows"
)

// StartVerifier is workflows.VerifyStartActivity: it decides whether a
// run's start is signed by a key the worker trusts, unaltered, fresh and
// used for the first time (workflows/start_sign.go says why this is an
// activity).
type StartVerifier struct {
	Policy workflows.ApprovalPolicy
	// Temporal lists the runs of a signed workflow id, to refuse a signed
	// start replayed for a second run; nil refuses every signed start.
	Temporal client.Client
}

// clockSkew is how far in the future a start may claim to be signed.
const clockSkew = 2 * time.Minute

// Verify answers the check; an error means it could not be made (and is
// retried), a refusal is a verdict.
func (v StartVerifier) Verify(ctx context.Context, req workflows.StartCheck) (workflows.StartVerdict, error) {
	st := req.Start
	if st == nil || st.Signature == "" {
		if v.Policy.RequireSignedStarts {
			return refused("the start is not signed, and this worker requires signed starts (approvals.require_signed_starts): " +
				"start runs with cordon run after cordon login, from the Run a playbook page or POST /v1/runs of cordon serve, or through its webhook"), nil
		}
		if err := v.mayStart(req); err != nil {
			return refused(err.Error()), nil
		}
		return workflows.StartVerdict{Verified: "unsigned (taken on trust)"}, nil
	}
	if st.Nonce == "" {
		return refused("the start is signed but has no nonce"), nil
	}
	maxAge := v.Policy.MaxAge
	if maxAge <= 0 {
		maxAge = signing.DefaultMaxAge
	}
	if age := req.StartedAt.Sub(st.SignedAt); age > maxAge {
		return refused(fmt.Sprintf("the start was signed at %s, more than %s before the run started (approvals.max_age); start it again",
			st.SignedAt.UTC().Format(time.RFC3339), workflows.ShortDuration(maxAge))), nil
	} else if age < -clockSkew {
		return refused(fmt.Sprintf("the start claims to be signed at %s, after the run started; check the signer's clock", st.SignedAt.UTC().Format(time.RFC3339))), nil
	}
	if err := v.Policy.Keys.VerifyStart(st.KeyID, req.Claims, st.Signature); err != nil {
		if errors.Is(err, signing.ErrBadSignature) {
			return refused(fmt.Sprintf("the start's signature does not verify with key %q: it was forged, altered, or signed for another workflow id", st.KeyID)), nil
		}
		return refused("the start is signed with " + err.Error()), nil
	}
	if err := v.mayStart(req); err != nil {
		return refused(err.Error()), nil
	}
	earlier, err := v.earlierRun(ctx, req.WorkflowID, req.RunID)
	if err != nil {
		return workflows.StartVerdict{}, err
	}
	if earlier != "" {
		return refused(fmt.Sprintf("this signed start already started run %s of %s (replayed): a signed start starts one run; start a new one", earlier, req.WorkflowID)), nil
	}
	return workflows.StartVerdict{Verified: "signed by key " + st.KeyID}, nil
}

// mayStart applies permissions.start to the start's (signed) identity
// and every connection the run may act on (StartCheck.Connections, from
// the pinned playbooks; a check from before connections names the
// start's own connection, else the default).
func (v StartVerifier) mayStart(req workflows.StartCheck) error {
	if v.Policy.Permissions == nil {
		return nil
	}
	c := req.Claims
	conns := req.Connections
	if len(conns) == 0 {
		conns = []string{cmp.Or(c.Connection, connections.Default)}
	}
	return v.Policy.Permissions.MayStart(c.Playbook, conns, c.StartedBy, c.Login, c.Groups)
}

// earlierRun returns the run id of another run of workflowID, "" when
// there is none. A signed start names its workflow id, and cordon's
// starters refuse duplicate ids, so a second run of the id carries a
// replayed start. Continued runs (continue-as-new) are not checked.
func (v StartVerifier) earlierRun(ctx context.Context, workflowID, runID string) (string, error) {
	if v.Temporal == nil {
		return "", errors.New("this worker has no Temporal client to check signed starts for replays")
	}
	q := fmt.Sprintf("WorkflowId = '%s' AND RunId != '%s'", runs.Quote(workflowID), runs.Quote(runID))
	resp, err := v.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 1})
	if err != nil {
		return "", fmt.Errorf("listing runs of %s: %w", workflowID, err)
	}
	for _, e := range resp.GetExecutions() {
		return e.GetExecution().GetRunId(), nil
	}
	return "", nil
}

func refused(why string) workflows.StartVerdict { return workflows.StartVerdict{Refused: why} }
