package pbtest

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// decider gives the case's approval decisions as the run asks for them.
// It looks at the run's pending approvals every tick of the run's clock
// (which the test environment skips forward while the run only waits), so
// a decision arrives as from a person at the approvals page.
type decider struct {
	env       *testsuite.TestWorkflowEnvironment
	approvals []Approval
	used      []bool
	signer    *signing.Signer
	run       string

	hung    string
	refused []string
	// asked remembers which requests were handled (step + asked_at), so a
	// request is decided once, and a refused decision is not sent again.
	asked map[string]string
	// seen is the step statuses at the last look; every the current
	// interval between looks.
	seen  string
	every time.Duration
}

// maxTick caps the interval between looks at the run's pending approvals:
// a decision reaches an approval at most this long (in the run's time)
// after it starts waiting.
const maxTick = 30 * time.Second

func (d *decider) look() {
	if d.used == nil {
		d.used, d.asked = make([]bool, len(d.approvals)), map[string]string{}
	}
	v, err := d.env.QueryWorkflow(workflows.QueryStatus)
	if err != nil {
		d.env.RegisterDelayedCallback(d.look, tick)
		return
	}
	var st workflows.RunStatus
	if v.Get(&st) != nil {
		d.env.RegisterDelayedCallback(d.look, tick)
		return
	}
	next := d.backoff(&st)
	for _, p := range st.PendingApprovals {
		key := p.Step + "@" + p.AskedAt.String()
		if d.asked[key] == "timeout" {
			next = d.waitFor(p, next)
			continue
		}
		// Not yet decided, or decided and refused (still pending): the
		// next decision for this step, if the case has one.
		i := d.find(p.Step)
		if i < 0 {
			d.hang(p)
			return
		}
		a := d.approvals[i]
		d.used[i], d.asked[key] = true, cmpOr(a.Decision, string(playbook.Approve))
		if a.Decision == decisionTimeout {
			next = d.waitFor(p, next)
			continue
		}
		d.decide(p, a)
	}
	d.env.RegisterDelayedCallback(d.look, next)
}

// backoff is how long to wait before the next look: one tick while the
// run moves, doubling (up to maxTick) while nothing changes, so a run
// that waits an hour (wait:, undo_after) costs a dozen looks, not 3,600.
func (d *decider) backoff(st *workflows.RunStatus) time.Duration {
	var b strings.Builder
	for _, s := range st.Steps {
		b.WriteString(s.ID + "=" + string(s.Status) + ";")
	}
	if b.String() != d.seen || len(st.PendingApprovals) > 0 {
		d.seen, d.every = b.String(), tick
		return tick
	}
	d.every = min(max(d.every*2, tick), maxTick)
	return d.every
}

// waitFor is how long to sleep while p only waits for its deadline: until
// then, rather than tick by tick through a day-long timeout.
func (d *decider) waitFor(p workflows.PendingApproval, next time.Duration) time.Duration {
	if p.Deadline == nil {
		return next
	}
	if until := p.Deadline.Sub(d.env.Now()) + tick; until > next {
		return until
	}
	return next
}

// find returns the first unused decision for step, -1 when none.
func (d *decider) find(step string) int {
	for i, a := range d.approvals {
		if !d.used[i] && a.Step == step {
			return i
		}
	}
	return -1
}

// hang ends a run that waits for a decision the case never gives: the
// test fails at once, naming the step, instead of waiting for a deadline.
func (d *decider) hang(p workflows.PendingApproval) {
	why := fmt.Sprintf("timed out: step %s waits for an approval the case does not give", p.Step)
	if len(d.refused) > 0 {
		why += " (the run refused: " + strings.Join(d.refused, "; ") + ")"
	} else {
		why += fmt.Sprintf(" (add approvals: [{step: %s, by: NAME}], or decision: timeout to let it time out)", p.Step)
	}
	d.hung = why
	d.env.CancelWorkflow()
}

// decide sends the approve update, signed when the decision names groups.
func (d *decider) decide(p workflows.PendingApproval, a Approval) {
	dec := workflows.Decision{Step: p.Step, Approver: a.By, Reject: a.Decision == string(playbook.Reject), Comment: a.Comment}
	if len(a.Groups) > 0 {
		dec.Groups = a.Groups
		dec = workflows.SignDecision(d.signer, d.run, p, dec, d.env.Now())
	}
	d.env.UpdateWorkflow(workflows.UpdateApprove, "", &testsuite.TestUpdateCallback{
		OnReject: func(err error) {
			d.refused = append(d.refused, fmt.Sprintf("%s by %s: %v", a.Step, a.By, err))
		},
		OnAccept: func() {},
		OnComplete: func(_ any, err error) {
			if err != nil {
				d.refused = append(d.refused, fmt.Sprintf("%s by %s: %v", a.Step, a.By, err))
			}
		},
	}, dec)
}
