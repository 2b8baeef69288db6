package playbook

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// node is the loader's own YAML tree: just maps, lists and typed scalars,
// each with a position. Converting goccy's AST once keeps the rest of the
// package independent of the parser's many node types.
type node struct {
	kind  nodeKind
	pos   Pos
	style scalarStyle

	// scalars
	tag  string // "str", "int", "float", "bool", "null"
	str  string // decoded text of a scalar
	val  any    // typed value: string, int, float64, bool or nil
	body int    // byte offset in the source where the decoded text starts

	keys  []*node  // mapping keys (scalars), parallel to items
	items []*node  // mapping values or sequence items
	src   string   // YAML text of a scalar, for Value.Source
	ast   ast.Node // a collection's parser node, rendered on demand
}

// source is the node's YAML text. Collections are rendered by the parser
// only when asked, which is rare (values shown in plans and messages).
func (n *node) source() string {
	if n.src == "" && n.ast != nil {
		return n.ast.String()
	}
	return n.src
}

type nodeKind int

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
)

type scalarStyle int

const (
	stylePlain scalarStyle = iota
	styleSingle
	styleDouble
	styleBlock
)

// kindName says what a node is in user terms, for "want X, got Y" messages.
func (n *node) kindName() string {
	switch n.kind {
	case mapNode:
		return "mapping"
	case seqNode:
		return "list"
	}
	switch n.tag {
	case "int":
		return "integer"
	case "float":
		return "number"
	case "bool":
		return "boolean"
	case "null":
		return "null"
	}
	return "string"
}

// toAny returns the node as JSON-shaped data.
func (n *node) toAny() any {
	switch n.kind {
	case mapNode:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k.str] = n.items[i].toAny()
		}
		return m
	case seqNode:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = it.toAny()
		}
		return l
	}
	return n.val
}

// converter turns goccy's AST into nodes, collecting errors as it goes.
type converter struct {
	src     *source
	errs    *errorSink
	anchors map[string]*node
	depth   int
	sizes   map[*node]int // expanded size of anchored nodes
	aliased int           // nodes reachable through aliases so far
}

// parseYAML parses src into a single document node. It returns nil when the
// YAML does not parse; the reasons are in errs.
func parseYAML(s *source, errs *errorSink) *node {
	if tabErrors(s, errs) || prescan(s, errs) {
		return nil
	}
	f, err := parser.ParseBytes(s.data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		errs.syntax(err)
		return nil
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		errs.add(Pos{1, 1}, CheckSyntax, "empty playbook: want a mapping with name and steps")
		return nil
	}
	if len(docs) > 1 {
		errs.add(posOf(docs[1].Body.GetToken()), CheckSyntax, "a playbook file holds one YAML document; found a second")
	}
	c := &converter{src: s, errs: errs, anchors: map[string]*node{}, sizes: map[*node]int{}}
	return c.convert(docs[0].Body)
}

func posOf(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
}

func (c *converter) convert(n ast.Node) *node {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxDepth {
		c.errs.add(posOf(n.GetToken()), CheckSyntax, "nesting deeper than %d levels", maxDepth)
		return &node{kind: scalarNode, tag: "null", pos: posOf(n.GetToken())}
	}
	switch x := n.(type) {
	case *ast.MappingNode:
		return c.mapping(x, x.Values)
	case *ast.MappingValueNode:
		return c.mapping(x, []*ast.MappingValueNode{x})
	case *ast.SequenceNode:
		out := &node{kind: seqNode, pos: posOf(x.GetToken())}
		for _, v := range x.Values {
			out.items = append(out.items, c.convert(v))
		}
		out.ast = x
		return out
	case *ast.AnchorNode:
		v := c.convert(x.Value)
		c.anchors[x.Name.GetToken().Value] = v
		return v
	case *ast.AliasNode:
		name := x.Value.GetToken().Value
		if v, ok := c.anchors[name]; ok {
			if c.aliased += c.size(v); c.aliased > maxAliasSize {
				c.errs.add(posOf(x.GetToken()), CheckSyntax, "aliases expand to more than %d values", maxAliasSize)
				return &node{kind: scalarNode, tag: "null", pos: posOf(x.GetToken())}
			}
			return v
		}
		c.errs.add(posOf(x.GetToken()), CheckSyntax, "alias *%s refers to no earlier anchor", name)
		return &node{kind: scalarNode, tag: "null", pos: posOf(x.GetToken())}
	case *ast.TagNode:
		return c.tagged(x)
	case *ast.LiteralNode:
		return c.blockScalar(x)
	case *ast.CommentNode:
		return &node{kind: scalarNode, tag: "null", pos: posOf(x.GetToken())}
	}
	return c.scalar(n)
}

func (c *converter) mapping(n ast.Node, values []*ast.MappingValueNode) *node {
	out := &node{kind: mapNode, pos: posOf(n.GetToken())}
	if len(values) > 0 {
		out.pos = posOf(values[0].Key.GetToken())
	}
	for _, mv := range values {
		if mv.Key.Type() == ast.MergeKeyType {
			c.errs.add(posOf(mv.Key.GetToken()), CheckSyntax, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		k := c.convert(mv.Key)
		if k.kind != scalarNode {
			c.errs.add(k.pos, CheckType, "mapping keys must be scalars, got a %s", k.kindName())
			continue
		}
		out.keys = append(out.keys, k)
		out.items = append(out.items, c.convert(mv.Value))
	}
	out.ast = n
	return out
}

// tagged honours the standard scalar tags (!!str 12 is the string "12") and
// rejects others: custom tags have no meaning in a playbook.
func (c *converter) tagged(x *ast.TagNode) *node {
	v := c.convert(x.Value)
	switch x.Start.Value {
	case "!!str":
		if v.kind == scalarNode {
			v.tag, v.val = "str", v.str
		}
	case "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
	default:
		c.errs.add(posOf(x.GetToken()), CheckSyntax, "YAML tag %s is not supported", x.Start.Value)
	}
	return v
}

func (c *converter) blockScalar(x *ast.LiteralNode) *node {
	tk := x.GetToken()
	out := &node{kind: scalarNode, pos: posOf(tk), style: styleBlock, tag: "str"}
	out.str = x.Value.Value
	out.val = out.str
	// The text starts on the line after the | or > indicator.
	out.body = c.src.offset(Pos{out.pos.Line + 1, 1})
	out.src = strings.TrimSpace(tk.Value) + "\n" + x.Value.GetToken().Origin
	return out
}

func (c *converter) scalar(n ast.Node) *node {
	tk := n.GetToken()
	out := &node{kind: scalarNode, pos: posOf(tk), tag: "str"}
	out.src = strings.TrimSpace(tk.Origin)
	out.body = c.src.offset(out.pos)
	switch tk.Type {
	case token.SingleQuoteType:
		out.style, out.body = styleSingle, out.body+1
	case token.DoubleQuoteType:
		out.style, out.body = styleDouble, out.body+1
	}
	switch x := n.(type) {
	case *ast.StringNode:
		out.str, out.val = x.Value, x.Value
	case *ast.IntegerNode:
		out.str, out.tag = tk.Value, "int"
		out.val = intValue(x.Value)
		if _, ok := out.val.(int); !ok {
			out.tag = "float"
		}
	case *ast.FloatNode:
		out.str, out.tag, out.val = tk.Value, "float", x.Value
	case *ast.InfinityNode:
		out.str, out.tag, out.val = tk.Value, "float", x.Value
	case *ast.NanNode:
		out.str, out.tag, out.val = tk.Value, "float", math.NaN()
	case *ast.BoolNode:
		out.str, out.tag, out.val = tk.Value, "bool", x.Value
	case *ast.NullNode:
		out.str, out.tag, out.val = "", "null", nil
	default:
		out.str, out.val = tk.Value, tk.Value
	}
	return out
}

// intValue narrows goccy's int64/uint64 to int, falling back to float64 for
// integers beyond int's range.
func intValue(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int(x)
		}
		return float64(x)
	case int:
		return x
	}
	if f, err := strconv.ParseFloat(fmt.Sprint(v), 64); err == nil {
		return f
	}
	return 0
}
