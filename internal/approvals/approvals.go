// Package approvals is the approvals page and API of `cordon serve`:
// people sign in with OpenID Connect (authorization code + PKCE, against
// the customer's Okta org or any OIDC provider), see every pending
// approval across runs, and approve or reject; the server signs each
// decision (internal/signing) so the worker can tell it from one typed by
// anyone who can reach Temporal.
//
// Routes:
//
//	GET  /approvals                    pending approvals across runs (HTML)
//	GET  /approvals/{run}              one run: steps, decisions, pending approvals (HTML)
//	POST /approvals/{run}/{step}       decide from the page (form, CSRF token)
//	GET  /v1/approvals                 pending approvals (JSON)
//	POST /v1/approvals/{run}/{step}    decide: {"decision": "approve"|"reject", "comment": "..."}
//	GET  /auth/login, /auth/callback   sign-in
//	POST /auth/logout                  sign-out (CSRF token)
//	GET  /v1/auth/config               issuer and client id, for cordon login
//	POST /v1/runs                      start a run, signed for the caller: {"playbook", "inputs", "alert", "dry_run", "connection"}
//	GET  /runs/new, POST /runs         the Run a playbook page
//
// The JSON API takes the session cookie with an X-CSRF-Token header, or an
// ID token from the same provider and client as a bearer token (cordon
// login).
package approvals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// Config configures the approvals page.
type Config struct {
	// Temporal is the client runs are listed, queried and decided with.
	Temporal client.Client
	// Signer signs decisions; required.
	Signer *signing.Signer
	// Issuer is the OpenID Connect issuer, e.g.
	// https://acme.okta.com/oauth2/default; required.
	Issuer string
	// ClientID and ClientSecret are the OIDC client's (the secret may be
	// empty for a public client; PKCE is always used).
	ClientID, ClientSecret string
	// PublicURL is where people reach cordon serve, e.g.
	// https://cordon.acme.com; the redirect URI is PublicURL/auth/callback
	// and cookies are Secure when it is https.
	PublicURL string
	// SessionKey signs session cookies (at least 32 bytes); default a
	// random key, so sessions end when serve restarts.
	SessionKey []byte
	// Playbooks lists the library people may start runs of (POST
	// /v1/runs, /runs/new); Library pins them. nil: no starts.
	Playbooks func() []*playbook.Playbook
	Library   runs.Library
	// Permissions, when set, refuses starts that the guardrail file's
	// permissions: do not allow, before anything is signed (the worker
	// checks again). nil: every signed-in person may start every playbook.
	Permissions workflows.Permissions
	// Logger; default discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Handler serves the approvals page and API.
type Handler struct {
	cfg     Config
	cookies sealer
	oidc    *provider
}

// New checks cfg and discovers the OIDC provider.
func New(ctx context.Context, cfg Config) (*Handler, error) {
	if cfg.Temporal == nil || cfg.Signer == nil {
		return nil, errors.New("approvals: a Temporal client and a signing key are required")
	}
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.PublicURL == "" {
		return nil, errors.New("approvals: the OIDC issuer, client id and public URL are required")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.SessionKey) == 0 {
		cfg.SessionKey = []byte(randomString())
	} else if len(cfg.SessionKey) < 32 {
		return nil, errors.New("approvals: the session key must be at least 32 bytes")
	}
	p, err := newProvider(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Handler{cfg: cfg, oidc: p,
		cookies: sealer{key: cfg.SessionKey, secure: strings.HasPrefix(cfg.PublicURL, "https://"), now: cfg.Now}}, nil
}

// Pending is one pending approval as the page and the API show it.
type Pending struct {
	Run      string    `json:"run"`
	Playbook string    `json:"playbook"`
	AlertID  string    `json:"alert_id,omitempty"`
	Started  time.Time `json:"started_at"`
	workflows.PendingApproval
	// Lines are the targets as shown: first 20 with login and status.
	Lines []string `json:"target_lines,omitempty"`
	// ConnectionsLine says which Okta org the governed steps act on
	// (workflows.ConnectionsLine); "" for runs from before connections.
	ConnectionsLine string `json:"connections_line,omitempty"`
	// CanDecide says whether the viewer is on the step's approvers list
	// and did not start the run (the worker still checks both).
	CanDecide bool `json:"can_decide"`
	// IsStarter says the viewer started the run, so four eyes keeps them
	// from approving it; StartedBy says who started it and how that was
	// verified (workflows.StarterText).
	IsStarter bool   `json:"is_starter,omitempty"`
	StartedBy string `json:"started_by,omitempty"`
}

// pending lists the pending approvals of every waiting run, oldest first.
func (h *Handler) pending(ctx context.Context, who Identity) ([]Pending, error) {
	q, err := runs.ListFilter{Status: workflows.StateWaitingApproval}.Query()
	if err != nil {
		return nil, err
	}
	// Every waiting run, page by page: a page that stopped at a fixed
	// count would hide the approvals past it without a word.
	list, err := runs.List(ctx, h.cfg.Temporal, q, 0)
	if err != nil {
		return nil, fmt.Errorf("listing waiting runs: %w", err)
	}
	var out []Pending
	for _, s := range list {
		st, err := runs.Query(ctx, h.cfg.Temporal, s.WorkflowID)
		if err != nil {
			h.cfg.Logger.Warn("waiting run did not answer its status query", "run", s.WorkflowID, "error", err)
			continue
		}
		out = append(out, h.pendingOf(st, s.AlertID, who)...)
	}
	slices.SortStableFunc(out, func(a, b Pending) int { return a.AskedAt.Compare(b.AskedAt) })
	return out, nil
}

func (h *Handler) pendingOf(st *workflows.RunStatus, alertID string, who Identity) []Pending {
	var out []Pending
	starter := workflows.IsStarter(st, who.ID(), who.Login)
	for _, p := range st.PendingApprovals {
		out = append(out, Pending{Run: st.WorkflowID, Playbook: st.Playbook, AlertID: alertID, Started: st.StartedAt,
			PendingApproval: p, Lines: workflows.TargetLines(p), ConnectionsLine: workflows.ConnectionsLine(p), IsStarter: starter, StartedBy: workflows.StarterText(st),
			CanDecide: !starter && (len(p.Approvers) == 0 || workflows.MayDecide(p.Approvers, who.Login, who.Groups) ||
				workflows.MayDecide(p.Approvers, who.ID(), nil))})
	}
	return out
}

// DecisionRequest is what a person decides.
type DecisionRequest struct {
	Decision playbook.Decision `json:"decision"` // approve | reject
	Comment  string            `json:"comment,omitempty"`
	// TargetsSHA256, when sent, must match the approval's targets now:
	// the page sends the hash of the targets it showed.
	TargetsSHA256 string `json:"targets_sha256,omitempty"`
}

// Errors of decide, mapped to HTTP statuses by the callers.
var (
	errNotPending = errors.New("not pending")
	errBadRequest = errors.New("bad request")
)

// decide signs and sends who's decision on run's step.
func (h *Handler) decide(ctx context.Context, who Identity, run, step string, req DecisionRequest) (*workflows.ApprovalRecord, error) {
	if req.Decision != playbook.Approve && req.Decision != playbook.Reject {
		return nil, fmt.Errorf("%w: decision must be approve or reject, not %q", errBadRequest, req.Decision)
	}
	st, err := runs.Query(ctx, h.cfg.Temporal, run)
	if err != nil {
		return nil, fmt.Errorf("%w: run %s: %v", errNotPending, run, err)
	}
	i := slices.IndexFunc(st.PendingApprovals, func(p workflows.PendingApproval) bool { return p.Step == step })
	if i < 0 {
		return nil, fmt.Errorf("%w: step %s of run %s is not awaiting approval", errNotPending, step, run)
	}
	p := st.PendingApprovals[i]
	if req.TargetsSHA256 != "" && req.TargetsSHA256 != p.TargetsSHA256 {
		return nil, fmt.Errorf("%w: the targets of step %s changed since the page was loaded; reload and decide again", errNotPending, step)
	}
	d := workflows.Decision{Approver: who.Login, ApproverID: who.ID(), Groups: who.Groups, Reject: req.Decision == playbook.Reject, Comment: strings.TrimSpace(req.Comment)}
	signed := workflows.SignDecision(h.cfg.Signer, run, p, d, h.cfg.Now())
	rec, err := runs.Approve(ctx, h.cfg.Temporal, run, signed)
	if err != nil {
		return nil, err
	}
	h.cfg.Logger.Info("approval decided", "run", run, "step", step, "decision", rec.Decision, "approver", rec.Approver)
	return rec, nil
}

// runStatus returns one run's status for its page.
func (h *Handler) runStatus(ctx context.Context, run string) (*workflows.RunStatus, error) {
	st, err := runs.Query(ctx, h.cfg.Temporal, run)
	if err != nil {
		return nil, err
	}
	return st, nil
}
