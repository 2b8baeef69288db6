package pbtest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"

	"github.com/cordonsec/cordon/workflows"
)

// zoneWant is a zone expectation: absent, or fields that must match.
type zoneWant struct {
	Absent   bool
	Status   string
	Gateways []string
	hasGW    bool
}

func zoneExpectation(v any) (zoneWant, error) {
	switch z := v.(type) {
	case string:
		if z == "absent" {
			return zoneWant{Absent: true}, nil
		}
	case map[string]any:
		var w zoneWant
		for k, val := range z {
			switch k {
			case "status":
				w.Status, _ = val.(string)
			case "gateways":
				list, ok := val.([]any)
				if !ok {
					return w, fmt.Errorf("zone gateways: want a list")
				}
				w.hasGW = true
				for _, g := range list {
					w.Gateways = append(w.Gateways, fmt.Sprint(g))
				}
				slices.Sort(w.Gateways)
			default:
				return w, fmt.Errorf("unknown zone expectation %q (want status or gateways)", k)
			}
		}
		return w, nil
	}
	return zoneWant{}, fmt.Errorf("a zone expectation is absent or a mapping of status and gateways")
}

// verify compares the outcome with the case's expectations and returns
// one line per difference.
func (f *File) verify(c Case, o *outcome) []string {
	if o.setupErr != nil {
		return []string{o.setupErr.Error()}
	}
	var fails []string
	fail := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	if o.hung != "" {
		fail("%s", o.hung)
	}
	if o.status == nil {
		fail("the run ended without a status: %s", o.err)
		return fails
	}
	e := c.Expect
	if want := cmpOr(e.Status, string(workflows.RunSucceeded)); o.hung == "" && string(o.status.Status) != want {
		fail("run status: want %s, got %s%s", want, o.status.Status, errNote(o.err))
	}
	if e.Error != "" && !strings.Contains(o.err, e.Error) {
		fail("run error: want it to contain %q, got %q", e.Error, o.err)
	}
	for _, r := range o.refused {
		if o.hung == "" {
			fail("approval refused: %s", r)
		}
	}
	for _, id := range sortedKeys(e.Steps) {
		// Every step of the playbook is in the status; a <id>-limit
		// gate only when the step went above max_targets.
		got := "not run"
		if strings.HasSuffix(id, "-limit") {
			got = "skipped"
		}
		var note string
		for _, s := range o.status.Steps {
			if s.ID == id {
				got = string(s.Status)
				if s.Error != nil {
					note = errNote(s.Error.Message)
				}
			}
		}
		if got != e.Steps[id] {
			fail("step %s: want %s, got %s%s", id, e.Steps[id], got, note)
		}
	}
	for _, name := range sortedKeys(e.Outputs) {
		if msg := compareOutput(e.Outputs[name], o.status.Outputs[name], o.status.Outputs); msg != "" {
			fail("output %s: %s", name, msg)
		}
	}
	fails = append(fails, f.verifyOrg(e, o)...)
	for _, u := range o.unfired {
		fail("fault never fired: %s", u)
	}
	return fails
}

func errNote(msg string) string {
	if msg == "" {
		return ""
	}
	return " (" + msg + ")"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// compareOutput checks one output: equal to the expected value, or, for
// "${{ expr }}", the expression is true with value (the output) and
// outputs (all of them) bound.
func compareOutput(want, got any, all map[string]any) string {
	if s, ok := want.(string); ok {
		if inner, ok := strings.CutPrefix(strings.TrimSpace(s), "${{"); ok {
			if src, ok := strings.CutSuffix(inner, "}}"); ok {
				res, err := expr.Eval(strings.TrimSpace(src), map[string]any{"value": got, "outputs": all})
				if err != nil {
					return fmt.Sprintf("%s: %v", s, err)
				}
				if res != true {
					return fmt.Sprintf("want %s to hold, got %s", strings.TrimSpace(src), show(got))
				}
				return ""
			}
		}
	}
	w, _ := jsonShaped(want)
	g, _ := jsonShaped(got)
	if !reflect.DeepEqual(w, g) {
		return fmt.Sprintf("want %s, got %s", show(w), show(g))
	}
	return ""
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// verifyOrg checks users:, zones:, writes: and that nothing else changed.
func (f *File) verifyOrg(e Expect, o *outcome) []string {
	var fails []string
	fail := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	for _, login := range sortedKeys(e.Users) {
		got := "absent"
		if u, ok := o.after.users[login]; ok {
			got = u.Status
		}
		if got != e.Users[login] {
			fail("user %s: want %s, got %s", login, e.Users[login], got)
		}
	}
	for _, name := range sortedKeys(e.Zones) {
		w, _ := zoneExpectation(e.Zones[name])
		z, ok := o.after.zones[name]
		switch {
		case w.Absent && ok:
			fail("zone %s: want absent, got %s", name, z.Status)
		case w.Absent:
		case !ok:
			fail("zone %s: want it to exist, got absent", name)
		default:
			if w.Status != "" && w.Status != z.Status {
				fail("zone %s: want status %s, got %s", name, w.Status, z.Status)
			}
			if w.hasGW && !slices.Equal(w.Gateways, z.Gateways) {
				fail("zone %s: want gateways %v, got %v", name, w.Gateways, z.Gateways)
			}
		}
	}
	if e.Unchanged == nil || *e.Unchanged {
		changed := changes(o.before, o.after)
		for _, key := range sortedKeys(changed) {
			kind, name, _ := strings.Cut(key, " ")
			if _, named := e.Users[name]; kind == "user" && named {
				continue
			}
			if _, named := e.Zones[name]; kind == "zone" && named {
				continue
			}
			fail("%s changed, and the case names it under neither users: nor zones: (%s)", key, strings.Join(changed[key], "; "))
		}
	}
	if e.Writes != nil {
		want := slices.Sorted(slices.Values(*e.Writes))
		if !slices.Equal(want, o.writes) {
			fail("writes differ:\n%s", listDiff(want, o.writes))
		}
	}
	return fails
}

// listDiff shows two sorted lists as - (expected, missing) and + (made,
// not expected) lines.
func listDiff(want, got []string) string {
	var b strings.Builder
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j >= len(got) || (i < len(want) && want[i] < got[j]):
			fmt.Fprintf(&b, "  - %s\n", want[i])
			i++
		case i >= len(want) || got[j] < want[i]:
			fmt.Fprintf(&b, "  + %s\n", got[j])
			j++
		default:
			fmt.Fprintf(&b, "    %s\n", want[i])
			i, j = i+1, j+1
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
