package playbook

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cordonsec/cordon/action"
)

// object is a mapping node whose keys were checked against a known set.
type object struct {
	n     *node
	typos map[string]bool  // known keys that an unknown key looks like a typo of
	keys  map[string]*node // key node by name
	vals  map[string]*node // value node by name
}

func (o *object) has(k string) bool  { return o != nil && o.vals[k] != nil }
func (o *object) val(k string) *node { return o.vals[k] }

// keyPos is where a key is, for errors about the setting as a whole.
func (o *object) keyPos(k string) Pos {
	if n := o.keys[k]; n != nil {
		return n.pos
	}
	return o.n.pos
}

// object checks that n is a mapping with only the allowed keys, each once.
// Unknown keys get a "did you mean" from the allowed set. It returns nil
// when n is not a mapping.
func (d *decoder) object(n *node, what string, allowed []string) *object {
	if !d.want(n, mapNode, what) {
		return nil
	}
	o := &object{n: n, keys: map[string]*node{}, vals: map[string]*node{}, typos: map[string]bool{}}
	for i, k := range n.keys {
		name := k.str
		if prev, dup := o.keys[name]; dup {
			d.errs.add(k.pos, CheckDuplicateKey, "duplicate key %q in %s (first at line %d)", name, what, prev.pos.Line)
			continue
		}
		o.keys[name] = k
		if allowed != nil && !slices.Contains(allowed, name) {
			best := closest(name, allowed)
			d.errs.add(k.pos, CheckUnknownKey, "unknown key %q in %s%s", name, what, hint(best, allowed, true))
			if best != "" {
				o.typos[best] = true
			}
			continue
		}
		o.vals[name] = n.items[i]
	}
	return o
}

// dict checks a mapping with free-form keys (inputs, with, set, outputs),
// reporting duplicates, and returns its keys in file order.
func (d *decoder) dict(n *node, what string) (keys []*node, vals []*node) {
	if !d.want(n, mapNode, what) {
		return nil, nil
	}
	seen := map[string]*node{}
	for i, k := range n.keys {
		if prev, dup := seen[k.str]; dup {
			d.errs.add(k.pos, CheckDuplicateKey, "duplicate key %q in %s (first at line %d)", k.str, what, prev.pos.Line)
			continue
		}
		seen[k.str] = k
		keys, vals = append(keys, k), append(vals, n.items[i])
	}
	return keys, vals
}

// want reports a type error unless n is of the given kind.
func (d *decoder) want(n *node, kind nodeKind, what string) bool {
	if n == nil {
		return false
	}
	if n.kind == kind {
		return true
	}
	wantName := map[nodeKind]string{mapNode: "a mapping", seqNode: "a list", scalarNode: "a scalar"}[kind]
	d.errs.add(n.pos, CheckType, "%s must be %s, got %s", what, wantName, article(n.kindName()))
	return false
}

func article(kind string) string {
	switch kind {
	case "null":
		return "nothing (null)"
	case "integer":
		return "an integer"
	}
	return "a " + kind
}

func (d *decoder) scalarOf(n *node, tag, what, want string) bool {
	if n == nil {
		return false
	}
	if n.kind == scalarNode && n.tag == tag {
		return true
	}
	d.errs.add(n.pos, CheckType, "%s must be %s, got %s", what, want, article(n.kindName()))
	return false
}

func (d *decoder) str(n *node, what string) (string, bool) {
	if !d.scalarOf(n, "str", what, "a string") {
		return "", false
	}
	return n.str, true
}

func (d *decoder) boolean(n *node, what string) bool {
	if !d.scalarOf(n, "bool", what, "true or false") {
		return false
	}
	return n.val.(bool)
}

// integer decodes an integer of at least lo.
func (d *decoder) integer(n *node, what string, lo int) int {
	if !d.scalarOf(n, "int", what, "an integer") {
		return 0
	}
	v := n.val.(int)
	if v < lo {
		d.errs.add(n.pos, CheckValue, "%s must be at least %d, got %d", what, lo, v)
		return 0
	}
	return v
}

func (d *decoder) number(n *node, what string) float64 {
	if n != nil && n.kind == scalarNode {
		switch v := n.val.(type) {
		case int:
			return float64(v)
		case float64:
			return v
		}
	}
	d.scalarOf(n, "float", what, "a number")
	return 0
}

// duration decodes a positive Go duration such as 30s, 10m or 24h.
func (d *decoder) duration(n *node, what string) time.Duration {
	if n == nil {
		return 0
	}
	if n.kind != scalarNode || n.tag == "null" || n.tag == "bool" {
		d.errs.add(n.pos, CheckType, "%s must be a duration like 30s, 10m, 24h or 7d, got %s", what, article(n.kindName()))
		return 0
	}
	if strings.Contains(n.str, "${{") {
		d.errs.add(n.pos, CheckDuration, "%s must be a literal duration; expressions are not allowed here", what)
		return 0
	}
	v, ok := action.Days(n.str)
	if !ok {
		var err error
		if v, err = time.ParseDuration(n.str); err != nil {
			hint := ""
			if n.tag == "int" {
				hint = fmt.Sprintf(" (a bare number has no unit: write %ss or %sm)", n.str, n.str)
			} else if strings.HasSuffix(n.str, "d") {
				hint = " (days are whole days, alone: write 7d, or 36h for a day and a half)"
			}
			d.errs.add(n.pos, CheckDuration, "%s: %q is not a duration like 30s, 10m, 24h or 7d%s", what, n.str, hint)
			return 0
		}
	}
	if v <= 0 {
		d.errs.add(n.pos, CheckDuration, "%s must be positive, got %s", what, n.str)
		return 0
	}
	return v
}

// enum checks a string against its allowed values.
func (d *decoder) enum(n *node, what string, allowed ...string) string {
	s, ok := d.str(n, what)
	if !ok {
		return ""
	}
	if !slices.Contains(allowed, s) {
		d.errs.add(n.pos, CheckEnum, "%s must be one of %s, got %q%s", what, strings.Join(allowed, ", "), s, suggest(s, allowed, false))
		return ""
	}
	return s
}

// suggest returns "; did you mean "x"?" for the closest candidate, or with
// list set, the candidates when none is close.
func suggest(got string, candidates []string, list bool) string {
	return hint(closest(got, candidates), candidates, list)
}

// closest is the candidate nearest to got, or "" when none is close.
func closest(got string, candidates []string) string {
	best, bestD := "", len(got)/3+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(got), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// hint words suggest's answer for best (or, with list, the candidates).
func hint(best string, candidates []string, list bool) string {
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	if list && len(candidates) > 0 {
		return " (want one of: " + strings.Join(candidates, ", ") + ")"
	}
	return ""
}

// editDistance is the Levenshtein distance, for "did you mean".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
