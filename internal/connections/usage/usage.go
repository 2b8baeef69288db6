// Package usage joins the playbook library to the connections: which
// connection each action step acts on, which OAuth scopes a connection
// must request for the playbooks that may use it, and the checks `cordon
// validate --connections` and `cordon connections check` make. It sits
// apart from package connections because package playbook imports that
// one for connection names.
package usage

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/playbook"
)

// Check kinds of the errors Check returns, after playbook's own.
const (
	CheckUnknownConnection = "unknown-connection" // connection: names no connection of the file
	CheckScope             = "oauth-scope"        // a step's action needs a scope its connection does not request
)

// Step is one action step of a playbook and the connection it acts on
// when the run names none.
type Step struct {
	File, Playbook, ID, Action string
	// Connection is the step's own connection:, else the playbook's,
	// else connections.Default (playbook.RunConnection).
	Connection string
	// Pinned says the step names its connection itself; any other step
	// acts on the run's connection, which `cordon run --connection` (or
	// the run input) may set to any connection.
	Pinned bool
	Pos    playbook.Pos
}

// Steps lists p's action steps, parallel branches included, in file
// order.
func Steps(p *playbook.Playbook) []Step {
	run := playbook.RunConnection(p, "", "")
	var out []Step
	var walk func([]*playbook.Step)
	walk = func(steps []*playbook.Step) {
		for _, s := range steps {
			if s.Kind == playbook.KindAction {
				out = append(out, Step{File: p.File, Playbook: p.Name, ID: s.ID, Action: s.Action,
					Connection: playbook.ConnectionOf(s, run), Pinned: s.Connection != "", Pos: s.Pos})
			}
			walk(s.Parallel)
		}
	}
	walk(p.Steps)
	return out
}

// Needed returns the OAuth scopes connection name must request for the
// library lib, sorted: those of every action step pinned to it, of every
// step that pins none (a run may name any connection), and of the health
// check (okta.test_connection), which runs on every connection.
func Needed(reg *action.Registry, lib []*playbook.Playbook, name string) []string {
	actions := []string{action.TestConnection}
	for _, p := range lib {
		for _, s := range Steps(p) {
			if !s.Pinned || s.Connection == name {
				actions = append(actions, s.Action)
			}
		}
	}
	return reg.ScopesFor(actions)
}

// Library loads the playbooks of dir; a playbook with errors is left out
// (cordon validate reports it). A missing dir is an empty library.
func Library(dir string, reg *action.Registry) []*playbook.Playbook {
	books, _ := playbook.LoadDir(dir, playbook.Options{Registry: reg})
	out := make([]*playbook.Playbook, 0, len(books))
	for _, p := range books {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *playbook.Playbook) int { return strings.Compare(a.File, b.File) })
	return out
}

// Check returns p's errors against the connections file f: a connection:
// that names no connection of f, and a step whose action needs an OAuth
// scope its connection's configured scopes: list lacks (a connection
// without such a list requests what its playbooks need). Each error is at
// the connection: or the step, for playbook.Options.Check.
func Check(p *playbook.Playbook, f *connections.File, reg *action.Registry) playbook.ErrorList {
	var errs playbook.ErrorList
	add := func(pos playbook.Pos, kind, format string, args ...any) {
		errs = append(errs, &playbook.Error{File: p.File, Line: pos.Line, Col: pos.Col, Kind: kind,
			Message: fmt.Sprintf(format, args...), Snippet: sourceLine(p.Source, pos.Line)})
	}
	known := func(name string, pos playbook.Pos) {
		if _, ok := f.Lookup(name); !ok {
			add(pos, CheckUnknownConnection, "%s", f.UnknownError(name))
		}
	}
	if p.Connection != "" {
		known(p.Connection, p.ConnectionPos)
	}
	var walk func([]*playbook.Step)
	walk = func(steps []*playbook.Step) {
		for _, s := range steps {
			if s.Connection != "" {
				known(s.Connection, s.ConnectionPos)
			}
			walk(s.Parallel)
		}
	}
	walk(p.Steps)
	for _, s := range Steps(p) {
		c, ok := f.Lookup(s.Connection)
		if !ok || len(c.Scopes) == 0 {
			continue
		}
		if missing := reg.MissingScopes(s.Action, c.Scopes); len(missing) > 0 {
			add(s.Pos, CheckScope, "step %q (%s) acts on connection %q, whose scopes list lacks %s: add it to the connection's scopes and grant it to the connection's Okta app",
				s.ID, s.Action, c.Name, strings.Join(missing, ", "))
		}
	}
	return errs
}

// sourceLine is line n (1-based) of src, for the caret display.
func sourceLine(src []byte, n int) string {
	lines := bytes.Split(src, []byte("\n"))
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimRight(string(lines[n-1]), "\r")
}
