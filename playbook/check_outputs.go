package playbook

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/cordonsec/cordon/action"
)

// Typed outputs: every action declares its output's shape
// (action.Action.OutputShape), so a path into steps.X.output is checked like
// a parameter: a field the output cannot have is an error with the fields
// it has. Shapes the checker does not know (playbook and approval steps,
// open objects such as profiles) accept any path.

// anyIndex is the path segment of an index or a computed key
// (output[0], output[vars.k]; [*] or [n] in a JSONPath).
const anyIndex = "[]"

// collectShapes records the output shape of every action step up front,
// beside collectIDs: a foreach step's output is the list of its items'.
func (d *decoder) collectShapes(items []*node) {
	for _, it := range items {
		if it.kind != mapNode {
			continue
		}
		var id, name, child string
		var fanout bool
		for i, k := range it.keys {
			v := it.items[i]
			switch {
			case k.str == "id" && v.kind == scalarNode:
				id = v.str
			case k.str == "action" && v.kind == scalarNode:
				name = v.str
			case k.str == "playbook" && v.kind == scalarNode:
				child = v.str
			case k.str == "foreach":
				fanout = true
			case k.str == "parallel" && v.kind == seqNode:
				d.collectShapes(v.items)
			}
		}
		s := d.outputShape(name, child)
		if id == "" || s == nil {
			continue
		}
		if fanout {
			s = &action.Shape{Kind: action.ShapeList, Elem: s}
		}
		if d.stepShapes == nil {
			d.stepShapes = map[string]*action.Shape{}
		}
		d.stepShapes[id] = s
	}
}

// outputShape is the output shape of an action, or of a library
// playbook (its declared outputs, each of any shape) when the loader can
// read the library; nil when unknown.
func (d *decoder) outputShape(name, child string) *action.Shape {
	if a, ok := d.opts.Registry.Lookup(name); ok {
		return a.OutputShape
	}
	if child == "" || d.opts.Child == nil {
		return nil
	}
	pb := d.opts.Child(child)
	if pb == nil {
		return nil
	}
	s := &action.Shape{Kind: action.ShapeObject, Name: "outputs of playbook " + child}
	for _, o := range pb.Outputs {
		s.Fields = append(s.Fields, action.Field{Name: o.Name, Shape: &action.Shape{Kind: action.ShapeAny}})
	}
	return s
}

// checkOutputRef checks a reference into an earlier step's output (or a
// literal jsonpath() over it) against the step's output shape. A plain
// reference is reported at its last name only: the expression holds one
// reference per prefix, so each wrong name is reported once, where it is.
func (d *decoder) checkOutputRef(r ref, sc *scope, at func() Pos) {
	if d.opts.Pinned || len(r.path) < 2 || r.path[1] != "output" || !d.stepIDs[r.path[0]] || !sc.done[r.path[0]] {
		return
	}
	cur := d.stepShapes[r.path[0]]
	if cur == nil {
		return
	}
	segs, where := r.path[2:], "steps."+r.path[0]+".output"
	prefix := ""
	if r.jsonPath != "" {
		segs = append(segs[:len(segs):len(segs)], jsonPathSegments(r.jsonPath)...)
		prefix = fmt.Sprintf("jsonpath %q: ", r.jsonPath)
	}
	for i, seg := range segs {
		last := i == len(segs)-1 || r.jsonPath != ""
		if cur.Kind == action.ShapeAny {
			return
		}
		if seg == anyIndex {
			if cur.Kind != action.ShapeList {
				return // a computed key of an object: not known here
			}
			cur, where = cur.Elem, where+"[*]"
			continue
		}
		switch cur.Kind {
		case action.ShapeList:
			if last {
				d.errs.add(at(), CheckReference, "%s%s is a list of %s, with no field %q; read an item (%s[0].%s) or all of them (jsonpath(%s, \"$[*].%s\"))",
					prefix, where, cur.Elem.Describe(), seg, where, seg, where, seg)
			}
			return
		case action.ShapeObject:
			next, ok := cur.Field(seg)
			if !ok {
				if last {
					named := ""
					if cur.Name != "" {
						named = " (" + cur.Name + ")"
					}
					d.errs.add(at(), CheckReference, "%s%s%s has no field %q; it has %s%s",
						prefix, where, named, seg, strings.Join(cur.FieldNames(), ", "), suggest(seg, cur.FieldNames(), false))
				}
				return
			}
			cur, where = next, where+"."+seg
		default:
			if last {
				d.errs.add(at(), CheckReference, "%s%s is a %s, with no field %q", prefix, where, cur.Kind, seg)
			}
			return
		}
	}
}

// jsonPathSegment matches the leading selector of a JSONPath the checker
// follows: .name, .*, ['name'], ["name"], [*], [n].
var jsonPathSegment = regexp.MustCompile(`^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\.\*|\[\*\]|\[-?[0-9]+\]|\['([^'\\]*)'\]|\["([^"\\]*)"\])`)

// jsonPathSegments turns a literal JSONPath into path segments, as far as
// it is made of names, wildcards and indexes; filters, slices, unions and
// descendant segments end it (what follows them is not checked).
func jsonPathSegments(p string) []string {
	rest, ok := strings.CutPrefix(strings.TrimSpace(p), "$")
	if !ok {
		return nil
	}
	var out []string
	for rest != "" {
		if strings.HasPrefix(rest, "..") {
			return out
		}
		m := jsonPathSegment.FindStringSubmatch(rest)
		if m == nil {
			return out
		}
		switch {
		case m[1] != "":
			out = append(out, m[1])
		case m[2] != "":
			out = append(out, m[2])
		case m[3] != "":
			out = append(out, m[3])
		default:
			out = append(out, anyIndex)
		}
		rest = rest[len(m[0]):]
	}
	return out
}

// jsonPathRef is the reference of jsonpath(<member chain>, "<literal>"),
// placed at the literal, for checkOutputRef.
func jsonPathRef(call *ast.CallNode) (ref, bool) {
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != "jsonpath" || len(call.Arguments) != 2 {
		return ref{}, false
	}
	lit, ok := call.Arguments[1].(*ast.StringNode)
	if !ok {
		return ref{}, false
	}
	arg := call.Arguments[0]
	if ch, ok := arg.(*ast.ChainNode); ok {
		arg = ch.Node
	}
	m, ok := arg.(*ast.MemberNode)
	if !ok {
		return ref{}, false
	}
	r, ok := memberRef(m)
	if !ok {
		return ref{}, false
	}
	r.jsonPath, r.at = lit.Value, lit.Location().From
	return r, true
}
