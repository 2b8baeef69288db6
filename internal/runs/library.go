// Package runs is the client side of playbook runs: it resolves a playbook
// and the library playbooks it calls, pins them into a workflow input,
// starts, waits for, approves, cancels and lists runs, and renders their
// status. The cordon CLI and the webhook server (cordon serve) share it.
package runs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// DefaultLibrary is where `cordon run NAME` looks for NAME.yaml.
const DefaultLibrary = "playbooks"

// Library is a directory of playbooks.
type Library struct {
	Dir      string
	Registry *action.Registry
	// Connections, when not nil, are the names of the connections file:
	// a start through this library (cordon serve's webhook and start
	// API) naming any other connection is refused before it starts
	// (Request.CheckConnections). nil: no file at hand, no check.
	Connections []string
}

// Resolve loads PLAYBOOK: a file path, or the name of a playbook in the
// library. Invalid playbooks return a playbook.ErrorList.
func (l Library) Resolve(arg string) (*playbook.Playbook, error) {
	path := arg
	if _, err := os.Stat(path); err != nil {
		if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
			return nil, fmt.Errorf("playbook %s: %w", arg, err)
		}
		path = l.path(arg)
		if path == "" {
			return nil, fmt.Errorf("no playbook %q: not a file, and not in the library %s", arg, l.Dir)
		}
	}
	return playbook.LoadFile(path, l.options())
}

func (l Library) path(name string) string {
	for _, ext := range []string{".yaml", ".yml"} {
		p := filepath.Join(l.Dir, name+ext)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func (l Library) options() playbook.Options {
	return playbook.Options{Registry: l.Registry, Library: func(name string) bool { return l.path(name) != "" },
		ChildInputs: playbook.DirChildInputs(l.Dir, l.Registry), Child: playbook.DirChild(l.Dir, l.Registry)}
}

// Pin returns the pinned form of a playbook and of every library playbook
// it calls, directly or through other children.
func (l Library) Pin(pb *playbook.Playbook) (workflows.Pinned, map[string]workflows.Pinned, error) {
	lib := map[string]workflows.Pinned{}
	queue := children(pb.Steps)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := lib[name]; done {
			continue
		}
		path := l.path(name)
		if path == "" {
			return workflows.Pinned{}, nil, fmt.Errorf("playbook %s calls %s, which is not in the library %s", pb.Name, name, l.Dir)
		}
		child, err := playbook.LoadFile(path, l.options())
		if err != nil {
			return workflows.Pinned{}, nil, err
		}
		lib[name] = PinOf(child)
		queue = append(queue, children(child.Steps)...)
	}
	if len(lib) == 0 {
		lib = nil
	}
	return PinOf(pb), lib, nil
}

// PinOf returns a loaded playbook's pinned form.
func PinOf(pb *playbook.Playbook) workflows.Pinned {
	return workflows.Pinned{Name: pb.Name, Version: pb.Version, SHA256: pb.SHA256, File: pb.File, Source: string(pb.Source)}
}

func children(steps []*playbook.Step) []string {
	var out []string
	for _, s := range steps {
		if s.Kind == playbook.KindPlaybook && !slices.Contains(out, s.Playbook) {
			out = append(out, s.Playbook)
		}
		out = append(out, children(s.Parallel)...)
	}
	return out
}

// IsInvalid reports whether err is a playbook validation error list.
func IsInvalid(err error) (playbook.ErrorList, bool) {
	var list playbook.ErrorList
	ok := errors.As(err, &list)
	return list, ok
}
