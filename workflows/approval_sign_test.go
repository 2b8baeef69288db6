package workflows

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/signing"
)

func newSigner(t *testing.T, id string) *signing.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return &signing.Signer{KeyID: id, Key: priv}
}

// decideSigned sends, after delay, a decision signed by s for the pending
// approval as the status query shows it then; tamper changes the signed
// decision before it is sent (nil: sent as signed).
func (h *harness) decideSigned(after time.Duration, s *signing.Signer, d Decision, tamper func(*Decision)) *updateResult {
	res := &updateResult{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(QueryStatus)
		require.NoError(h.t, err)
		var st RunStatus
		require.NoError(h.t, v.Get(&st))
		require.NotEmpty(h.t, st.PendingApprovals)
		signed := SignDecision(s, st.WorkflowID, st.PendingApprovals[0], d, h.env.Now())
		if tamper != nil {
			tamper(&signed)
		}
		h.approveNow(res, signed)
	}, after)
	return res
}

const approveForSOC = `
name: approve-for-soc
version: 1
steps:
  - id: find
    action: okta.get_users
  - id: approve
    approval:
      approvers: [bob, "group:SOC Leads"]
      message: "Deactivate?"
      timeout: 30m
  - id: deactivate
    action: okta.deactivate_users
    with: {user_ids: '${{ jsonpath(steps.find.output, "$[*].id") }}'}
`

func TestSignedDecisionRefusals(t *testing.T) {
	serve := newSigner(t, "serve-1")
	other := newSigner(t, "serve-1") // same id, another key: a forger's
	stranger := newSigner(t, "laptop")
	for _, tc := range []struct {
		name   string
		signer *signing.Signer
		d      Decision
		tamper func(*Decision)
		want   string
	}{
		{"unsigned", nil, Decision{Approver: "bob"}, nil,
			"the decision is not signed, and this worker requires signed decisions (approvals.require_signed): decide on the approvals page of cordon serve, or with cordon approve after cordon login"},
		{"unsigned with groups", nil, Decision{Approver: "carol", Groups: []string{"SOC Leads"}}, nil,
			"the decision names groups but is not signed; groups are only taken from signed decisions"},
		{"wrong key", other, Decision{Approver: "bob"}, nil,
			`the decision's signature does not verify with key "serve-1": it was forged or altered`},
		{"unknown key", stranger, Decision{Approver: "bob"}, nil,
			`the decision is signed with unknown signing key "laptop" (known: serve-1)`},
		{"altered approver", serve, Decision{Approver: "mallory"}, func(d *Decision) { d.Approver = "bob" },
			`the decision's signature does not verify with key "serve-1": it was forged or altered`},
		{"altered into an approval", serve, Decision{Approver: "bob", Reject: true}, func(d *Decision) { d.Reject = false },
			`it was forged or altered`},
		{"added group", serve, Decision{Approver: "carol"}, func(d *Decision) { d.Groups = []string{"SOC Leads"} },
			`it was forged or altered`},
		{"altered targets hash", serve, Decision{Approver: "bob"}, func(d *Decision) { d.TargetsSHA256 = signing.TargetsHash([]string{"00u9"}) },
			"the decision was signed for other targets"},
		{"replayed from another run", serve, Decision{Approver: "bob"}, func(d *Decision) { d.Run = "contain-OKTA-1" },
			`the decision was signed for run "contain-OKTA-1", not default-test-workflow-id (replayed)`},
		{"replayed from an earlier request", serve, Decision{Approver: "bob"}, func(d *Decision) { at := d.AskedAt.Add(-time.Hour); d.AskedAt = &at },
			"the decision was signed for an earlier request of step approve (replayed); decide the current one"},
		{"expired", serve, Decision{Approver: "bob"}, func(d *Decision) { at := d.SignedAt.Add(-11 * time.Minute); d.SignedAt = &at },
			"more than 10m ago (approvals.max_age); decide again"},
		{"from the future", serve, Decision{Approver: "bob"}, func(d *Decision) { at := d.SignedAt.Add(time.Hour); d.SignedAt = &at },
			"in the future; check the signer's clock"},
		{"not an approver", serve, Decision{Approver: "mallory", Groups: []string{"Everyone"}}, nil,
			"mallory may not decide step approve (approvers: bob, group:SOC Leads)"},
		{"self approval", serve, Decision{Approver: "Alice", Groups: []string{"SOC Leads"}}, nil,
			"Alice started this run and may not approve it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.in.Approvals = ApprovalPolicy{RequireSigned: true, Keys: signing.Keyring{"serve-1": serve.Key.Public().(ed25519.PublicKey)}}
			h.okta.on(action.GetUsers, users("00u1"))
			var bad *updateResult
			if tc.signer == nil {
				bad = h.decide(time.Minute, tc.d)
			} else {
				bad = h.decideSigned(time.Minute, tc.signer, tc.d, tc.tamper)
			}
			good := h.decideSigned(2*time.Minute, serve, Decision{Approver: "carol", Groups: []string{"soc leads"}, Comment: "ok"}, nil)
			st, err := h.run(approveForSOC, RunInput{Options: RunOptions{StartedBy: "alice"}})
			require.NoError(t, err)
			require.Error(t, bad.rejected, "refused by the validator, before history")
			assert.Contains(t, bad.rejected.Error(), tc.want)
			require.NoError(t, good.rejected)
			a := stepOf(st, "approve").Approval
			assert.Equal(t, "carol", a.Approver, "a member of group:SOC Leads decided")
			assert.Equal(t, "serve-1", a.SignedWith)
			assert.Len(t, h.okta.callsTo(action.DeactivateUsers), 1)
		})
	}
}

func TestUnsignedDecisionsWhenNotRequired(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	res := h.decide(time.Minute, Decision{Approver: "bob"})
	st, err := h.run(approveForSOC, RunInput{Options: RunOptions{StartedBy: "alice"}})
	require.NoError(t, err)
	require.NoError(t, res.rejected)
	assert.Empty(t, stepOf(st, "approve").Approval.SignedWith, "recorded as unsigned")
}

func TestSignedMessageCoversEveryField(t *testing.T) {
	at := time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC)
	base := signing.Claims{Run: "r", Step: "s", AskedAt: at, Decision: "approve", Approver: "bob",
		Groups: []string{"g"}, Comment: "c", TargetsSHA256: "h", SignedAt: at}
	seen := map[string]bool{string(base.Message()): true}
	for _, change := range []func(*signing.Claims){
		func(c *signing.Claims) { c.Run = "r2" }, func(c *signing.Claims) { c.Step = "s2" },
		func(c *signing.Claims) { c.AskedAt = at.Add(time.Millisecond) }, func(c *signing.Claims) { c.Decision = "reject" },
		func(c *signing.Claims) { c.Approver = "bob2" }, func(c *signing.Claims) { c.Groups = nil },
		func(c *signing.Claims) { c.Comment = "" }, func(c *signing.Claims) { c.TargetsSHA256 = "h2" },
		func(c *signing.Claims) { c.SignedAt = at.Add(time.Second) },
	} {
		c := base
		change(&c)
		m := string(c.Message())
		assert.False(t, seen[m], "a change must change the signed message: %s", m)
		seen[m] = true
	}
}
