package runs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/playbook"
)

// CheckConnections checks the request's connection override (a
// connection name) and, when the request or its library carries the
// connections file's names, every connection the run would act on
// (Library.CheckConnections).
// Start calls it; the CLI calls it before it dials Temporal.
func (req Request) CheckConnections() error {
	if req.Connection != "" && !connections.ValidName(req.Connection) {
		return &InputError{Err: fmt.Errorf("connection %q is not a connection name: lower-case letters, digits and dashes, starting with a letter, at most 40 characters", req.Connection)}
	}
	known := req.Connections
	if known == nil {
		known = req.Library.Connections
	}
	if known == nil {
		return nil
	}
	return req.Library.CheckConnections(known, req.Playbook, req.Connection)
}

// CheckConnections checks, before a run starts, that every connection it
// would act on is one of known (the names of the connections file): the
// run's override and each connection: of the playbook and of the library
// playbooks it calls. A name no worker serves would otherwise fail the
// run's first step on that connection, a minute in. Unknown names come
// back as one InputError naming each, with where the playbook names it.
func (l Library) CheckConnections(known []string, pb *playbook.Playbook, override string) error {
	var bad []string
	unknown := func(name string) bool { return name != "" && !slices.Contains(known, name) }
	if unknown(override) {
		bad = append(bad, fmt.Sprintf("connection %q (the run's connection) is not defined", override))
	}
	err := l.walk(pb, func(p *playbook.Playbook) {
		for _, name := range p.Connections() {
			if unknown(name) {
				at := p.ConnectionAt(name)
				bad = append(bad, fmt.Sprintf("%s:%d:%d: connection %q is not defined", p.File, at.Line, at.Col, name))
			}
		}
	})
	if err != nil {
		return err
	}
	if len(bad) == 0 {
		return nil
	}
	return &InputError{Err: fmt.Errorf("%s (the connections file defines %s)", strings.Join(bad, "; "), quoteAll(known))}
}

// RunConnections is every connection a run of pb may act on: the run's
// own (the override, else the playbook's connection:, else the default)
// and each connection: of pb and of the library playbooks it calls, sorted.
// The worker derives the same set from the pinned playbooks
// (playbook.RunConnections) for permissions.start.
func (l Library) RunConnections(pb *playbook.Playbook, override string) ([]string, error) {
	var children []*playbook.Playbook
	err := l.walk(pb, func(p *playbook.Playbook) {
		if p != pb {
			children = append(children, p)
		}
	})
	return playbook.RunConnections(pb, override, children...), err
}

// walk calls visit on pb and on each library playbook it calls, directly
// or through others, once each. A child missing from the library is
// skipped (Pin reports it); one that does not load is an InputError.
func (l Library) walk(pb *playbook.Playbook, visit func(*playbook.Playbook)) error {
	seen := map[string]bool{}
	queue := []*playbook.Playbook{pb}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		visit(p)
		for _, name := range children(p.Steps) {
			path := l.path(name)
			if path == "" || seen[name] {
				continue
			}
			child, err := playbook.LoadFile(path, l.options())
			if err != nil {
				return &InputError{Err: err}
			}
			queue = append(queue, child)
		}
	}
	return nil
}

func quoteAll(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(out, ", ")
}
