package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cordonsec/cordon/internal/signing"
)

// Signed decisions. Anyone who can send Temporal updates can name any
// approver; a signature by cordon serve, which learnt the approver from
// the identity provider, cannot be made up. The approve update's
// validator checks it against the worker's keys, so a refused decision
// never reaches history. Only the validator verifies: the handler runs
// again on replay, when the worker's keys may have been rotated.

// ApprovalPolicy is the worker's approvals: configuration.
type ApprovalPolicy struct {
	// RequireSigned refuses unsigned decisions (default true outside
	// --dev; the worker decides).
	RequireSigned bool
	// Keys are the accepted signing keys, by key id.
	Keys signing.Keyring
	// MaxAge is how old a signature may be; 0 means signing.DefaultMaxAge.
	MaxAge time.Duration
	// RequireSignedStarts refuses runs whose start is not signed
	// (approvals.require_signed_starts; default true outside --dev; the
	// worker decides). VerifyStartActivity applies it.
	RequireSignedStarts bool
	// Permissions, when set, is who may start which playbooks and who
	// decides steps without approvers: (internal/guard.Permissions). nil:
	// everyone may start, anyone but the starter decides.
	Permissions Permissions
}

// Permissions is the worker's permissions: policy.
type Permissions interface {
	// MayStart's conns are every connection the run may act on
	// (runConnections); none asks about the playbook on any connection.
	MayStart(playbook string, conns []string, id, login string, groups []string) error
	MayApprove(id, login string, groups []string) error
}

// clockSkew is how far in the future a signature may claim to be made.
const clockSkew = 2 * time.Minute

// checkSignature refuses a decision whose signature is missing (when
// required), made with an unknown key, forged or altered, for another run
// or an earlier request of this step (replayed), for other targets, or too
// old.
func (r *run) checkSignature(d Decision, p *pendingApproval) error {
	if d.Signature == "" {
		if len(d.Groups) > 0 {
			return errors.New("the decision names groups but is not signed; groups are only taken from signed decisions")
		}
		if r.policy.RequireSigned {
			return errors.New("the decision is not signed, and this worker requires signed decisions (approvals.require_signed): " +
				"decide on the approvals page of cordon serve, or with cordon approve after cordon login")
		}
		return nil
	}
	if d.Run != r.status.WorkflowID {
		return fmt.Errorf("the decision was signed for run %q, not %s (replayed)", d.Run, r.status.WorkflowID)
	}
	if d.Step != p.step.ID {
		return fmt.Errorf("the decision was signed for step %q, not %s", d.Step, p.step.ID)
	}
	if d.AskedAt == nil || !d.AskedAt.Equal(p.info.AskedAt) {
		return fmt.Errorf("the decision was signed for an earlier request of step %s (replayed); decide the current one", p.step.ID)
	}
	if d.TargetsSHA256 != p.info.TargetsSHA256 {
		return fmt.Errorf("the decision was signed for other targets (targets_sha256 %.12s…, the approval's is %.12s…); reload the approval and decide again",
			d.TargetsSHA256, p.info.TargetsSHA256)
	}
	if d.SignedAt == nil {
		return errors.New("the decision is signed but has no signed_at")
	}
	now, maxAge := r.now(), r.policy.MaxAge
	if maxAge <= 0 {
		maxAge = signing.DefaultMaxAge
	}
	if age := now.Sub(*d.SignedAt); age > maxAge {
		return fmt.Errorf("the decision was signed at %s, more than %s ago (approvals.max_age); decide again",
			d.SignedAt.UTC().Format(time.RFC3339), ShortDuration(maxAge))
	} else if age < -clockSkew {
		return fmt.Errorf("the decision claims to be signed at %s, in the future; check the signer's clock", d.SignedAt.UTC().Format(time.RFC3339))
	}
	if err := r.policy.Keys.Verify(d.KeyID, claimsOf(d), d.Signature); err != nil {
		if errors.Is(err, signing.ErrBadSignature) {
			return fmt.Errorf("the decision's signature does not verify with key %q: it was forged or altered", d.KeyID)
		}
		return fmt.Errorf("the decision is signed with %w", err)
	}
	return nil
}

// claimsOf is what a signed decision's signature covers.
func claimsOf(d Decision) signing.Claims {
	c := signing.Claims{Run: d.Run, Step: d.Step, Decision: string(d.Choice()), Approver: d.Approver, ApproverID: d.ApproverID,
		Groups: d.Groups, Comment: d.Comment, TargetsSHA256: d.TargetsSHA256}
	if d.AskedAt != nil {
		c.AskedAt = *d.AskedAt
	}
	if d.SignedAt != nil {
		c.SignedAt = *d.SignedAt
	}
	return c
}

// SignDecision fills in the signed part of d for the pending approval p of
// run, signed now by s. cordon serve calls it for a signed-in approver.
func SignDecision(s *signing.Signer, run string, p PendingApproval, d Decision, now time.Time) Decision {
	asked := p.AskedAt
	now = now.UTC().Truncate(time.Millisecond)
	d.Run, d.Step, d.AskedAt, d.TargetsSHA256, d.SignedAt, d.KeyID = run, p.Step, &asked, p.TargetsSHA256, &now, s.KeyID
	d.Signature = s.Sign(claimsOf(d))
	return d
}

// MayDecide says whether approver (with groups, from a signed decision)
// is on an approvers: list: a name matches the login, group:NAME one of
// the groups, both case-insensitively.
func MayDecide(approvers []string, approver string, groups []string) bool {
	return slices.ContainsFunc(approvers, func(n string) bool {
		if g, ok := strings.CutPrefix(strings.TrimSpace(n), "group:"); ok {
			return slices.ContainsFunc(groups, func(have string) bool { return sameActor(have, g) })
		}
		return sameActor(n, approver)
	})
}
