package playbook

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/cordonsec/cordon/internal/connections"
)

// Connections: which Okta org a step acts on (internal/connections).
//
// A playbook may name a connection at its top level (the default of its
// steps) and on an action or playbook: step. The value is a plain name,
// never an expression, so that the CLI can check it against the
// connections file before a run starts. Precedence, most specific first:
//
//  1. the step's own connection:
//  2. the run's connection (cordon run --connection, the run input, the
//     webhook's start request)
//  3. the playbook's connection:
//  4. for a child run (playbook: step): the connection of the caller step
//     when that step names none of its own, i.e. the caller's default
//  5. connections.Default ("default")
//
// A playbook: step with connection: X starts its child as if with
// --connection X: the child's steps act on X unless they name their own.

// ConnectionOf is the connection step s of p acts on, given the run's
// default connection runDefault (see RunConnection).
func ConnectionOf(s *Step, runDefault string) string {
	if s != nil && s.Connection != "" {
		return s.Connection
	}
	return runDefault
}

// RunConnection is a run's default connection: the run's own override,
// else the playbook's connection:, else inherited (a parent run's), else
// connections.Default.
func RunConnection(p *Playbook, override, inherited string) string {
	for _, c := range []string{override, p.Connection, inherited} {
		if c != "" {
			return c
		}
	}
	return connections.Default
}

// Connections lists the connections p names (playbook level and steps,
// parallel branches included), sorted and distinct; the CLI checks them
// against the connections file.
func (p *Playbook) Connections() []string {
	seen := map[string]bool{}
	if p.Connection != "" {
		seen[p.Connection] = true
	}
	var walk func([]*Step)
	walk = func(steps []*Step) {
		for _, s := range steps {
			if s.Connection != "" {
				seen[s.Connection] = true
			}
			walk(s.Parallel)
		}
	}
	walk(p.Steps)
	return sortedSet(seen)
}

// ConnectionAt is where p names connection name first (the playbook's
// connection: or the first step's), for messages; the zero Pos when it
// names none.
func (p *Playbook) ConnectionAt(name string) Pos {
	if p.Connection == name {
		return p.ConnectionPos
	}
	var at Pos
	var walk func([]*Step) bool
	walk = func(steps []*Step) bool {
		for _, s := range steps {
			if s.Connection == name {
				at = s.ConnectionPos
				return true
			}
			if walk(s.Parallel) {
				return true
			}
		}
		return false
	}
	walk(p.Steps)
	return at
}

// connection decodes a connection: value: a plain connection name.
func (d *decoder) connection(n *node) (string, Pos) {
	s, ok := d.str(n, "connection")
	if !ok {
		return "", Pos{}
	}
	if strings.Contains(s, "${{") {
		d.errs.add(n.pos, CheckType, "connection must be a plain connection name, not an expression: it is checked against the connections file before the run starts")
		return "", Pos{}
	}
	if !connections.ValidName(s) {
		d.errs.add(n.pos, CheckValue, "connection %q is not a connection name: lower-case letters, digits and dashes, starting with a letter, at most 40 characters", s)
		return "", Pos{}
	}
	return s, n.pos
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// RunConnections is every connection a run of p may act on: its own
// (RunConnection with override) and each connection: that p and the
// library playbooks it may call (children) name, sorted. A child without
// a connection: of its own acts on one already in the set. cordon serve
// and the worker check permissions.start against it.
func RunConnections(p *Playbook, override string, children ...*Playbook) []string {
	set := map[string]bool{RunConnection(p, override, ""): true}
	for _, q := range append([]*Playbook{p}, children...) {
		for _, c := range q.Connections() {
			set[c] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
