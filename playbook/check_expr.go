package playbook

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// scope is what an expression may refer to at its place in the playbook.
type scope struct {
	where string          // for messages: `step "x"`, "outputs", "webhook trigger"
	step  string          // the current step's id; "" outside steps
	done  map[string]bool // steps that have finished before this point
	loop  bool            // item and index are bound
	vars  map[string]bool // vars set by earlier steps
	roots []string        // context variables allowed here; nil means all
}

// segment is a piece of a template string; start is a rune offset.
type segment struct {
	text   string
	start  int
	isExpr bool
}

// splitTemplate cuts s into text and ${{ }} segments. The closing }} is
// found outside string literals and balanced braces, so map literals and
// "}}" inside quotes do not end an expression early.
func splitTemplate(s string) (segs []segment, badAt int, msg string) {
	i, last := 0, 0
	for {
		k := strings.Index(s[i:], "${{")
		if k < 0 {
			break
		}
		open := i + k
		end := closeExpr(s, open+3)
		if end < 0 {
			return nil, utf8.RuneCountInString(s[:open]), "unterminated ${{: missing }}"
		}
		if open > last {
			segs = append(segs, segment{text: s[last:open], start: utf8.RuneCountInString(s[:last])})
		}
		text := s[open+3 : end]
		if strings.TrimSpace(text) == "" {
			return nil, utf8.RuneCountInString(s[:open]), "empty expression ${{ }}"
		}
		segs = append(segs, segment{text: text, start: utf8.RuneCountInString(s[:open+3]), isExpr: true})
		i, last = end+2, end+2
	}
	if last < len(s) {
		segs = append(segs, segment{text: s[last:], start: utf8.RuneCountInString(s[:last])})
	}
	return segs, 0, ""
}

// closeExpr returns the index of the }} that ends an expression starting at
// i, or -1.
func closeExpr(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'', '`':
			i = skipString(s, i, c)
		case '{':
			depth++
		case '}':
			if depth == 0 && i+1 < len(s) && s[i+1] == '}' {
				return i
			}
			depth = max(depth-1, 0)
		}
	}
	return -1
}

func skipString(s string, i int, q byte) int {
	for i++; i < len(s); i++ {
		if s[i] == '\\' && q != '`' {
			i++
			continue
		}
		if s[i] == q {
			return i
		}
	}
	return len(s)
}

// value builds a Value from a node, compiling and checking every
// expression against the scope.
func (d *decoder) value(n *node, sc *scope) *Value {
	if n == nil {
		return nil
	}
	v := d.valueOf(n, sc)
	v.src = n.source()
	return v
}

// valueOf builds a Value without its source text: rendering the YAML of
// every nested level would cost more than the rest of the load.
func (d *decoder) valueOf(n *node, sc *scope) *Value {
	v := &Value{pos: n.pos, file: d.src.file}
	switch n.kind {
	case mapNode:
		keys, vals := d.dict(n, "mapping")
		v.isMap = true
		for i, k := range keys {
			v.keys = append(v.keys, k.str)
			v.fields = append(v.fields, d.valueOf(vals[i], sc))
		}
	case seqNode:
		v.isList = true
		for _, it := range n.items {
			v.items = append(v.items, d.valueOf(it, sc))
		}
	default:
		if n.tag == "str" && strings.Contains(n.str, "${{") {
			d.template(v, n, sc)
		}
	}
	v.literal = v.expr == nil && v.parts == nil && allLiteral(v.fields) && allLiteral(v.items)
	if v.literal {
		v.lit = literalOf(v, n)
		v.fields, v.items, v.keys = nil, nil, nil
	}
	return v
}

// literalOf assembles a literal's data from its children's, so that nested
// literals are converted once, not once per level.
func literalOf(v *Value, n *node) any {
	switch {
	case v.isMap:
		m := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			m[k] = v.fields[i].lit
		}
		return m
	case v.isList:
		l := make([]any, len(v.items))
		for i, it := range v.items {
			l[i] = it.lit
		}
		return l
	}
	return n.val
}

func allLiteral(vs []*Value) bool {
	for _, v := range vs {
		if !v.literal {
			return false
		}
	}
	return true
}

// template fills v from a string holding expressions.
func (d *decoder) template(v *Value, n *node, sc *scope) {
	segs, badAt, msg := splitTemplate(n.str)
	if msg != "" {
		if n.style == stylePlain && strings.Contains(d.src.line(n.pos.Line), " #") {
			msg += ` (in an unquoted YAML value " #" starts a comment: quote the value)`
		}
		d.errs.add(d.src.posIn(n, badAt), CheckExpression, "%s", msg)
		v.parts = []part{{text: n.str}}
		return
	}
	var exprs, texts int
	for _, s := range segs {
		if s.isExpr {
			exprs++
		} else if strings.TrimSpace(s.text) != "" {
			texts++
		}
	}
	for _, s := range segs {
		if !s.isExpr {
			v.parts = append(v.parts, part{text: s.text})
			continue
		}
		e := d.compileExpr(n, s, sc)
		if exprs == 1 && texts == 0 {
			// Whitespace around a lone expression (a block scalar's final
			// newline) must not turn a list into a string.
			v.expr, v.parts = e, nil
			return
		}
		v.parts = append(v.parts, part{expr: e})
	}
}

// compileExpr compiles one segment, reporting compile errors at the
// offending token and then checking its references.
func (d *decoder) compileExpr(n *node, s segment, sc *scope) *expression {
	text := strings.TrimSpace(s.text)
	lead := utf8.RuneCountInString(s.text) - utf8.RuneCountInString(strings.TrimLeft(s.text, " \t\r\n"))
	start := s.start + lead
	e := &expression{text: text, pos: d.src.posIn(n, start), file: d.src.file}
	if d.exprs == nil {
		d.exprs = newExprCompiler()
	}
	prog, refs, err := d.exprs.compile(text)
	if err != nil {
		msg, at := exprMessage(err)
		p := e.pos
		if at >= 0 {
			p = d.src.posIn(n, start+at)
		}
		kind := CheckExpression
		if m, ok := fieldMessage(msg); ok {
			msg, kind = m, CheckReference
		}
		d.errs.add(p, kind, "%s%s", msg, hyphenHint(msg, text))
		return e // prog stays nil: Load fails, so it never runs
	}
	e.prog = prog
	for _, r := range refs {
		d.checkRef(r, sc, func() Pos { return d.src.posIn(n, start+r.at) })
	}
	return e
}

// fieldMessage rewrites the checker's "type playbook.RunInfo has no field
// x" in the playbook's own terms.
func fieldMessage(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "type playbook.")
	if !ok {
		return "", false
	}
	typ, field, ok := strings.Cut(rest, " has no field ")
	ft, known := fieldTypes[typ]
	if !ok || !known {
		return "", false
	}
	return fmt.Sprintf("%s has no field %q%s", ft.name, field, suggest(field, ft.fields, true)), true
}

// hyphenHint explains the commonest compile error: steps.find-user reads as
// steps.find minus user.
func hyphenHint(msg, text string) string {
	if strings.HasPrefix(msg, "unknown name ") && strings.Contains(text, "-") {
		return `; step ids with "-" are written steps["find-user"]`
	}
	return ""
}

// checkRef checks one reference against the scope.
func (d *decoder) checkRef(r ref, sc *scope, at func() Pos) {
	if !slices.Contains(contextNames, r.root) {
		return
	}
	if r.root == "steps" && len(r.path) > 0 {
		d.pb.noteStepRead(r.path[0])
		if r.path[0] == allStepsRef {
			return
		}
		if sc.roots == nil || slices.Contains(sc.roots, r.root) {
			d.checkOutputRef(r, sc, at)
		}
		if r.jsonPath != "" {
			return // the same reference was checked without the path
		}
	}
	if r.path == nil {
		if sc.roots != nil && !slices.Contains(sc.roots, r.root) {
			d.errs.add(at(), CheckScope, "%s is not available in %s (only %s)", r.root, sc.where, strings.Join(sc.roots, ", "))
		} else if (r.root == "item" || r.root == "index") && !sc.loop {
			d.errs.add(at(), CheckLoopVar, "%s is only bound in the with: of a foreach step", r.root)
		}
		return
	}
	if len(r.path) != 1 || (sc.roots != nil && !slices.Contains(sc.roots, r.root)) {
		return
	}
	name := r.path[0]
	switch r.root {
	case "steps":
		d.checkStepRef(name, sc, at)
	case "inputs":
		if _, ok := d.inputs[name]; !ok {
			d.errs.add(at(), CheckUnknownInput, "input %q is not declared%s", name, suggest(name, slices.Sorted(maps.Keys(d.inputs)), false))
		}
	case "vars":
		if !sc.vars[name] {
			d.errs.add(at(), CheckUnknownVar, "vars.%s is set by no earlier set: step%s", name, suggest(name, slices.Sorted(maps.Keys(sc.vars)), false))
		}
	}
}

func (d *decoder) checkStepRef(id string, sc *scope, at func() Pos) {
	switch {
	case !d.stepIDs[id]:
		d.errs.add(at(), CheckUnknownStep, "no step with id %q%s", id, suggest(id, slices.Sorted(maps.Keys(d.stepIDs)), false))
	case id == sc.step:
		d.errs.add(at(), CheckStepOrder, "step %q refers to its own result; only earlier steps can be read", id)
	case !sc.done[id]:
		d.errs.add(at(), CheckStepOrder, "step %q has not run at this point (it runs later or in the same parallel block)", id)
	}
}
