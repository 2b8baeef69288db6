package workflows

import (
	"fmt"
	"strings"
)

// Identities. A person is their identity provider's subject (the Okta
// user id) with the login and groups of their ID token; cordon serve
// signs all three into starts and decisions. A service is a name with a
// prefix (webhook:NAME, okta-event:UUID, okta-health, schedule:NAME,
// service:NAME): it starts runs but never decides one.
//
// These checks run in the approve update's validator only, so histories
// whose decisions were taken before them replay unchanged (the handler
// runs again on replay; the validator does not).

// servicePrefixes name the service identities.
var servicePrefixes = []string{"webhook:", "okta-event:", "okta-health", "schedule:", "service:"}

// IsService says whether id names a service, not a person.
func IsService(id string) bool {
	id = strings.ToLower(strings.TrimSpace(id))
	for _, p := range servicePrefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// checkIdentity refuses a decision by a service identity, and applies
// four eyes to canonical identities: the approver's subject against the
// run's started_by, and their login against the login the start was
// signed with. A name taken on trust (an unsigned start or decision, dev
// stacks) is also compared without its domain, so grace.hopper cannot
// approve as grace.hopper@acme.com what she started as grace.hopper, nor
// the reverse.
func (r *run) checkIdentity(d Decision, p *pendingApproval) error {
	for _, id := range []string{d.Approver, d.ApproverID} {
		if IsService(id) {
			return fmt.Errorf("%s is a service identity; only people decide approvals", strings.TrimSpace(id))
		}
	}
	if len(p.step.Approval.Approvers) == 0 && r.policy.Permissions != nil {
		id := d.ApproverID
		if id == "" {
			id = d.Approver
		}
		if err := r.policy.Permissions.MayApprove(id, d.Approver, d.Groups); err != nil {
			return err
		}
	}
	if d.Reject || p.step.Approval.AllowSelf {
		return nil
	}
	starter := []string{r.input.Options.StartedBy}
	signed := r.input.Start != nil && r.input.Start.Signature != ""
	if signed && r.input.Start.Login != "" {
		starter = append(starter, r.input.Start.Login)
	}
	approver := []string{d.Approver, d.ApproverID}
	// A name taken on trust (an unsigned start or decision) is also
	// compared without its domain.
	onTrust := !signed || d.Signature == ""
	for _, s := range starter {
		for _, a := range approver {
			if a == "" || s == "" {
				continue
			}
			if sameActor(s, a) || (onTrust && sameActor(localPart(s), localPart(a))) {
				return fmt.Errorf("%s started this run and may not approve it: step %s needs a second person (four eyes)",
					strings.TrimSpace(d.Approver), p.step.ID)
			}
		}
	}
	return nil
}

// MemoStartedBy is the memo field that says who started a run and how it
// was verified (StarterText), so cordon list shows it without a query.
const MemoStartedBy = "cordon_started_by"

// StarterText says who started a run and how the worker established it:
// "jane@acme.com (00u1abc), signed by key serve-1", "webhook:bearer
// (service identity), signed by key serve-1", "alice, unsigned (taken on
// trust)". "" for a run that predates the start check.
func StarterText(st *RunStatus) string {
	if st.StartVerified == "" {
		return ""
	}
	who := st.StartedBy
	switch {
	case IsService(who):
		who += " (service identity)"
	case st.StarterLogin != "" && !sameActor(st.StarterLogin, who):
		who = st.StarterLogin + " (" + who + ")"
	}
	return who + ", " + st.StartVerified
}

// IsStarter says whether a person (canonical id and login) started the
// run: the approvals page hides Approve from them.
func IsStarter(st *RunStatus, id, login string) bool {
	for _, s := range []string{st.StartedBy, st.StarterLogin} {
		if s != "" && (sameActor(s, id) || sameActor(s, login)) {
			return true
		}
	}
	return false
}

// localPart is a login without its domain.
func localPart(login string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(login), "@")
	return l
}
