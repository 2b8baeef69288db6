package guard

import (
	"fmt"
	"path"
	"slices"
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
// Runs act on named connections (Okta orgs, internal/connections): a
// start rule may name the connections it covers (connections: globs
// beside playbooks:), and a start is allowed only when every connection
// the run may act on is covered by a rule naming the person and the
// playbook, so a person trusted on the preview org gains nothing on
// production by naming it (cordon run --connection) or by starting a
// playbook one of whose steps names it.
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
	// Connections are connection name globs ("acme", "acme-*"); empty:
	// every connection.
	Connections []string `yaml:"connections"`
	Who         `yaml:",inline"`
}

// covers says whether the rule lets its people start playbook on conn;
// conn "" asks about the playbook alone (any connection).
func (r StartRule) covers(playbook, conn string) bool {
	if !anyMatch(r.Playbooks, playbook) {
		return false
	}
	return conn == "" || len(r.Connections) == 0 || anyMatch(r.Connections, conn)
}

func anyMatch(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
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
		for _, g := range slices.Concat(r.Playbooks, r.Connections, r.Users) {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("permissions.start[%d]: bad glob %q: %w", i, g, err)
			}
		}
	}
	if p.Approve != nil {
		for _, g := range p.Approve.Users {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("permissions.approve: bad glob %q: %w", g, err)
			}
		}
	}
	return nil
}

// MayStart refuses a start of playbook by a person unless, for each of
// conns (every connection the run may act on), a rule names the person,
// the playbook and the connection. Without conns it asks whether the
// person may start the playbook on some connection (the Run a playbook
// page's list).
func (p Permissions) MayStart(playbook string, conns []string, id, login string, groups []string) error {
	if len(p.Start) == 0 {
		return nil
	}
	allowed := func(conn string) bool {
		return slices.ContainsFunc(p.Start, func(r StartRule) bool { return r.covers(playbook, conn) && r.matches(id, login, groups) })
	}
	who := login
	if who == "" {
		who = id
	}
	if len(conns) == 0 {
		if allowed("") {
			return nil
		}
		return fmt.Errorf("%s may not start playbook %s: no permissions.start rule names them for it", who, playbook)
	}
	var denied []string
	for _, c := range conns {
		if !allowed(c) {
			denied = append(denied, c)
		}
	}
	if len(denied) == 0 {
		return nil
	}
	if !allowed("") {
		return fmt.Errorf("%s may not start playbook %s: no permissions.start rule names them for it", who, playbook)
	}
	return fmt.Errorf("%s may not start playbook %s on connection %s: no permissions.start rule names them for it there", who, playbook, strings.Join(denied, ", "))
}

// MayApprove refuses a decision on a step without approvers: by a person
// permissions.approve does not name.
func (p Permissions) MayApprove(id, login string, groups []string) error {
	if p.Approve == nil || p.Approve.matches(id, login, groups) {
		return nil
	}
	return fmt.Errorf("%s may not decide approvals: steps without approvers: are decided by the people permissions.approve names", login)
}
