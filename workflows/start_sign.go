package workflows

import (
	"errors"
	"maps"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
)

// Signed starts. options.started_by is only a claim: anyone who can reach
// Temporal can name anyone. cordon serve, which learnt the person from
// the identity provider, signs the start; the worker verifies the
// signature before the first step and refuses a start that is unsigned
// (when approvals.require_signed_starts), signed with an unknown key,
// altered in any signed field, too old, or replayed for a second run.
//
// The check runs in the local activity VerifyStartActivity, not in
// workflow code: the worker's keys and policy may change between a run's
// start and its replay, and the activity's recorded verdict replays as
// it was given. It also needs the Temporal client, to see whether the
// signed workflow id already ran.

// VerifyStartActivity checks a run's start (internal/engine.StartVerifier).
const VerifyStartActivity = "cordon.verify_start"

// versionSignedStarts gates the start check: histories recorded before it
// have no such activity and replay unchanged.
const versionSignedStarts = "signed-starts"

// SignedStart is the signed part of a start, set by the starter that
// signed it (runs.Start with a signer).
type SignedStart struct {
	Nonce     string    `json:"nonce" jsonschema_description:"random, one per start; with the workflow id it makes each signed start good for one run"`
	Login     string    `json:"login,omitempty" jsonschema_description:"the starter's login, from the identity provider"`
	Groups    []string  `json:"groups,omitempty" jsonschema_description:"the starter's groups, from the identity provider"`
	SignedAt  time.Time `json:"signed_at" jsonschema_description:"when it was signed; older than approvals.max_age (10m) when the run starts is refused"`
	KeyID     string    `json:"key_id" jsonschema_description:"the id of the signing key, one of approvals.keys"`
	Signature string    `json:"signature" jsonschema_description:"base64 Ed25519 signature over the start (internal/signing.StartClaims)"`
}

// StartCheck is VerifyStartActivity's input.
type StartCheck struct {
	WorkflowID string              `json:"workflow_id"`
	RunID      string              `json:"run_id"`
	StartedAt  time.Time           `json:"started_at"` // when the server started the run
	Claims     signing.StartClaims `json:"claims"`     // what the input says, as signed
	Start      *SignedStart        `json:"start,omitempty"`
	// Connections are every connection the run may act on (runConnections),
	// for permissions.start; derived from the signed playbooks and the
	// signed connection, so it needs no signature of its own.
	Connections []string `json:"connections,omitempty"`
}

// StartVerdict is VerifyStartActivity's answer.
type StartVerdict struct {
	// Verified says how the starter was established: "signed by key K",
	// "unsigned (taken on trust)".
	Verified string `json:"verified,omitempty"`
	// Refused, when set, is why the start is refused.
	Refused string `json:"refused,omitempty"`
}

// StartClaimsOf is what a start's signature covers, read from the run's
// input as the workflow received it (before input defaults apply; the
// starter signs after applying them).
func StartClaimsOf(workflowID string, in RunInput) signing.StartClaims {
	c := signing.StartClaims{Run: workflowID, Playbook: in.Playbook.Name, PlaybookSHA256: in.Playbook.SHA256,
		Inputs: in.Inputs, AlertID: AlertID(in.Alert), AlertSHA256: signing.JSONHash(in.Alert),
		DryRun: in.Options.DryRun, StartedBy: in.Options.StartedBy, Connection: in.Connection}
	if len(in.Library) > 0 {
		c.Library = make(map[string]string, len(in.Library))
		for name, p := range in.Library {
			c.Library[name] = p.SHA256
		}
	}
	if in.Start != nil {
		c.Nonce, c.Login, c.Groups, c.SignedAt = in.Start.Nonce, in.Start.Login, in.Start.Groups, in.Start.SignedAt
	}
	return c
}

// SignStart signs in for the workflow id; runs.Start calls it last, when
// the input is final.
func SignStart(s *signing.Signer, workflowID, nonce, login string, groups []string, in RunInput, now time.Time) (RunInput, error) {
	in.Start = &SignedStart{Nonce: nonce, Login: login, Groups: groups, SignedAt: now.UTC().Truncate(time.Millisecond), KeyID: s.KeyID}
	sig, err := s.SignStart(StartClaimsOf(workflowID, in))
	if err != nil {
		return in, err
	}
	in.Start.Signature = sig
	return in, nil
}

// verifyStart asks VerifyStartActivity about a fresh root run's start and
// records how its starter was established in the run's status. Children
// are started by their parent run, whose own start was checked.
func (r *run) verifyStart(ctx workflow.Context, input RunInput, lib map[string]*playbook.Playbook) error {
	info := workflow.GetInfo(ctx)
	if input.Resume != nil || info.ParentWorkflowExecution != nil || !since(ctx, versionSignedStarts) {
		return nil
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	req := StartCheck{WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		StartedAt: info.WorkflowStartTime, Claims: StartClaimsOf(info.WorkflowExecution.ID, input), Start: input.Start,
		Connections: playbook.RunConnections(r.pb, input.Connection, slices.Collect(maps.Values(lib))...)}
	var v StartVerdict
	if err := workflow.ExecuteLocalActivity(lctx, VerifyStartActivity, req).Get(ctx, &v); err != nil {
		return errors.New("the start could not be verified: " + err.Error())
	}
	r.status.StartVerified = v.Verified
	if v.Refused != "" {
		return errors.New(v.Refused)
	}
	if input.Start != nil {
		r.status.StarterLogin = input.Start.Login
	}
	return workflow.UpsertMemo(ctx, map[string]any{MemoStartedBy: StarterText(r.status)})
}
