package playbook

import (
	"strings"
	"sync"

	"github.com/cordonsec/cordon/action"
)

// CheckCycle is the kind of a playbook: chain that leads back to a
// playbook already on it: a run would start nested child runs until
// Temporal stops it.
const CheckCycle = "cycle"

// call is one playbook: step, with where it is.
type call struct {
	name string
	pos  Pos
}

// calls lists the playbook: steps of steps (parallel branches included),
// in order.
func calls(steps []*Step) []call {
	var out []call
	for _, s := range steps {
		if s.Kind == KindPlaybook {
			out = append(out, call{s.Playbook, s.Pos})
		}
		out = append(out, calls(s.Parallel)...)
	}
	return out
}

// cycles reports, at the playbook: step of root that leads into it, every
// chain of playbook: steps reachable from root that comes back to a
// playbook already on the chain: "rec-a -> rec-b -> rec-a". child loads a
// library playbook by name (nil when there is none or it does not load;
// that is reported elsewhere).
func (d *decoder) cycles(child func(name string) *Playbook) {
	root := d.pb
	seen := map[string]bool{}
	visited := map[string]bool{root.Name: true}
	var path []string
	var walk func(pb *Playbook, at Pos)
	walk = func(pb *Playbook, at Pos) {
		path = append(path, pb.Name)
		defer func() { path = path[:len(path)-1] }()
		for _, c := range calls(pb.Steps) {
			if len(path) == 1 {
				at = c.pos
			}
			if i := indexOf(path, c.name); i >= 0 {
				chain := strings.Join(append(append([]string{}, path[i:]...), c.name), " -> ")
				if !seen[chain] {
					seen[chain] = true
					full := strings.Join(append(append([]string{}, path...), c.name), " -> ")
					msg := "playbook cycle " + chain + ": a run would start nested child runs without end"
					if full != chain {
						msg += " (reached through " + full + ")"
					}
					d.errs.add(at, CheckCycle, "%s", msg)
				}
				continue
			}
			if visited[c.name] {
				continue // its cycles, if any, were reported from where it was first reached
			}
			visited[c.name] = true
			if next := child(c.name); next != nil {
				walk(next, at)
			}
		}
	}
	walk(root, Pos{1, 1})
}

func indexOf(path []string, name string) int {
	for i, p := range path {
		if p == name {
			return i
		}
	}
	return -1
}

// DirChild returns a Child lookup over the playbooks of dir: each is loaded
// once, without its own children checks, so the lookup cannot recurse.
// It returns nil (no cycle check) when dir does not exist.
func DirChild(dir string, reg *action.Registry) func(name string) *Playbook {
	if DirLibrary(dir) == nil {
		return nil
	}
	var mu sync.Mutex
	cache := map[string]*Playbook{}
	return func(name string) *Playbook {
		mu.Lock()
		defer mu.Unlock()
		if pb, ok := cache[name]; ok {
			return pb
		}
		var pb *Playbook
		if path := libraryPath(dir, name); path != "" {
			pb, _ = LoadFile(path, Options{Registry: reg})
		}
		cache[name] = pb
		return pb
	}
}
