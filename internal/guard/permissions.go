package guard

import (
	"fmt"
	"path"
	"strings"
)

// Permissions is the permissions: section of the guardrail file: who may
// start which playbooks, and who approves steps whose playbook names no
// approvers:. cordon serve enforces it before it signs a start; the
// worker checks it again from the signed start (and from signed
// decisions), so a start that bypasses serve gains nothing.
//
// Without the section, anyone who may start runs at all (signed in at
// serve, or a service identity) may start every playbook, and steps
// without approvers: are decided by anyone but the run's starter.
//
// Extension point: playbooks will act on named connections (Okta orgs);
// a rule will then also name the connections it covers (connections:
// globs beside playbooks:), matched in MayStart with the connection the
// start names. Until connections exist there is one org per worker.
type Permissions struct {
	// Start lists who may start which playbooks; a start is allowed when
	// any rule matches both the playbook and the person. Empty: everyone.
	Start []StartRule `yaml:"start"`
	// Approve names who decides approval steps that name no approvers:;
	// nil: anyone but the starter.
	Approve *Who `yaml:"approve"`
}

// StartRule lets some people start some playbooks.
type StartRule struct {
	// Playbooks are name globs (path.Match: "contain-*", "*").
	Playbooks []string `yaml:"playbooks"`
	Who       `yaml:",inline"`
}

// Who names people: users are canonical identities (Okta user ids),
// logins or service identities, as globs ("*@acme.com", "webhook:*");
// groups are the ID token's group names, exact (case-insensitive).
type Who struct {
	Users  []string `yaml:"users"`
	Groups []string `yaml:"groups"`
}

// matches says whether a person (id, login, groups) is named.
func (w Who) matches(id, login string, groups []string) bool {
	for _, u := range w.Users {
		u = strings.ToLower(strings.TrimSpace(u))
		for _, have := range []string{id, login} {
			if ok, _ := path.Match(u, strings.ToLower(strings.TrimSpace(have))); ok && have != "" {
				return true
			}
		}
	}
	for _, g := range w.Groups {
		for _, have := range groups {
			if strings.EqualFold(strings.TrimSpace(g), strings.TrimSpace(have)) {
				return true
			}
		}
	}
	return false
}

// check refuses globs path.Match cannot read, so a typo is an error at
// load, not a rule that silently matches nothing.
func (p Permissions) check() error {
	for i, r := range p.Start {
		if len(r.Playbooks) == 0 || (len(r.Users) == 0 && len(r.Groups) == 0) {
			return fmt.Errorf("permissions.start[%d]: name playbooks and users or groups", i)
		}
		for _, g := range append(append([]string{}, r.Playbooks...), r.Users...) {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("permissions.start[%d]: bad glob %q: %w", i, g, err)
			}
		}
	}
	return nil
}

// MayStart refuses a start of playbook by a person no rule lets start it.
func (p Permissions) MayStart(playbook, id, login string, groups []string) error {
	if len(p.Start) == 0 {
		return nil
	}
	for _, r := range p.Start {
		for _, pat := range r.Playbooks {
			if ok, _ := path.Match(pat, playbook); ok && r.matches(id, login, groups) {
				return nil
			}
		}
	}
	who := login
	if who == "" {
		who = id
	}
	return fmt.Errorf("%s may not start playbook %s: no permissions.start rule names them for it", who, playbook)
}

// MayApprove refuses a decision on a step without approvers: by a person
// permissions.approve does not name.
func (p Permissions) MayApprove(id, login string, groups []string) error {
	if p.Approve == nil || p.Approve.matches(id, login, groups) {
		return nil
	}
	return fmt.Errorf("%s may not decide approvals: steps without approvers: are decided by the people permissions.approve names", login)
}
