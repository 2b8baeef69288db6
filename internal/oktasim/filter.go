package oktasim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file parses and evaluates Okta's SCIM-like filter and search
// expressions (attribute operator value, and/or/not, parentheses). One parser
// serves users, groups, zones and the System Log; each endpoint then checks
// the parsed tree against the attributes and operators it supports.

type node interface{ isNode() }

type logicalNode struct {
	and         bool
	left, right node
}

type notNode struct{ x node }

type cmpNode struct {
	attr  string
	op    string // lower case
	value any    // string, float64, bool or nil; unset for pr
	pos   int    // byte offset of the operator, for error messages
}

func (logicalNode) isNode() {}
func (notNode) isNode()     {}
func (cmpNode) isNode()     {}

// exprError is a syntax error. Okta's System Log reports the operator's
// position; other endpoints only say "Invalid search criteria."
type exprError struct {
	msg string
}

func (e *exprError) Error() string { return e.msg }

var knownOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
	"sw": true, "ew": true, "co": true, "pr": true}

const maxExprDepth = 64

type token struct {
	text   string
	pos    int
	quoted bool
}

type parser struct {
	toks  []token
	i     int
	depth int
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{text: string(c), pos: i})
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, &exprError{msg: fmt.Sprintf("Unterminated string literal at position %d", i)}
			}
			toks = append(toks, token{text: b.String(), pos: i, quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()\"", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j], pos: i})
			i = j
		}
	}
	return toks, nil
}

// parseExpr parses a whole expression.
func parseExpr(s string) (node, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &exprError{msg: "Empty expression"}
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, &exprError{msg: fmt.Sprintf("Unexpected '%s' at position %d", t.text, t.pos)}
	}
	return n, nil
}

func (p *parser) peekWord(w string) bool {
	return p.i < len(p.toks) && !p.toks[p.i].quoted && strings.EqualFold(p.toks[p.i].text, w)
}

func (p *parser) or() (node, error) {
	left, err := p.and()
	for err == nil && p.peekWord("or") {
		p.i++
		var right node
		if right, err = p.and(); err == nil {
			left = logicalNode{left: left, right: right}
		}
	}
	return left, err
}

func (p *parser) and() (node, error) {
	left, err := p.unary()
	for err == nil && p.peekWord("and") {
		p.i++
		var right node
		if right, err = p.unary(); err == nil {
			left = logicalNode{and: true, left: left, right: right}
		}
	}
	return left, err
}

func (p *parser) unary() (node, error) {
	if p.depth++; p.depth > maxExprDepth {
		return nil, &exprError{msg: "Expression is too deeply nested"}
	}
	defer func() { p.depth-- }()
	if p.i >= len(p.toks) {
		return nil, &exprError{msg: "Unexpected end of expression"}
	}
	t := p.toks[p.i]
	switch {
	case p.peekWord("not"):
		p.i++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{x: x}, nil
	case !t.quoted && t.text == "(":
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.toks) || p.toks[p.i].quoted || p.toks[p.i].text != ")" {
			return nil, &exprError{msg: fmt.Sprintf("Missing ')' for '(' at position %d", t.pos)}
		}
		p.i++
		return n, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	attr := p.toks[p.i]
	if attr.quoted || !validAttr(attr.text) {
		return nil, &exprError{msg: fmt.Sprintf("Invalid attribute name '%s' at position %d", attr.text, attr.pos)}
	}
	p.i++
	if p.i >= len(p.toks) {
		return nil, &exprError{msg: fmt.Sprintf("Missing operator after '%s' at position %d", attr.text, attr.pos)}
	}
	opTok := p.toks[p.i]
	op := strings.ToLower(opTok.text)
	if opTok.quoted || !knownOps[op] {
		return nil, &exprError{msg: fmt.Sprintf("Unrecognized attribute operator '%s' at position %d. Expected: eq,co,sw,pr,gt,ge,lt,le", opTok.text, opTok.pos)}
	}
	p.i++
	c := cmpNode{attr: attr.text, op: op, pos: opTok.pos}
	if op == "pr" {
		return c, nil
	}
	if p.i >= len(p.toks) {
		return nil, &exprError{msg: fmt.Sprintf("Missing value for operator '%s' at position %d", opTok.text, opTok.pos)}
	}
	v := p.toks[p.i]
	p.i++
	if v.quoted {
		c.value = v.text
		return c, nil
	}
	switch strings.ToLower(v.text) {
	case "true":
		c.value = true
	case "false":
		c.value = false
	case "null":
		c.value = nil
	default:
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return nil, &exprError{msg: fmt.Sprintf("Invalid value '%s' at position %d", v.text, v.pos)}
		}
		c.value = f
	}
	return c, nil
}

func validAttr(s string) bool {
	if s == "" || s == "(" || s == ")" {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '$' || r == ':' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// walk visits every comparison, stopping at the first error; endpoints use
// it to enforce their attribute and operator rules, and to reject `not`.
func walk(n node, allowNot bool, visit func(cmpNode) error) error {
	switch x := n.(type) {
	case logicalNode:
		if err := walk(x.left, allowNot, visit); err != nil {
			return err
		}
		return walk(x.right, allowNot, visit)
	case notNode:
		if !allowNot {
			return &exprError{msg: "not is not supported"}
		}
		return walk(x.x, allowNot, visit)
	case cmpNode:
		return visit(x)
	}
	return nil
}

// getter returns an attribute's value: a string, float64, bool, nil, or a
// []any for multi-valued paths (any element may match).
type getter func(attr string) (any, bool)

// eval evaluates n. fold makes string comparisons case-insensitive, as Okta
// does for search values but not for filter values.
func eval(n node, get getter, fold bool) bool {
	switch x := n.(type) {
	case logicalNode:
		if x.and {
			return eval(x.left, get, fold) && eval(x.right, get, fold)
		}
		return eval(x.left, get, fold) || eval(x.right, get, fold)
	case notNode:
		return !eval(x.x, get, fold)
	case cmpNode:
		v, ok := get(x.attr)
		if list, isList := v.([]any); isList {
			for _, e := range list {
				if compareOne(x, e, true, fold) {
					return true
				}
			}
			return false
		}
		return compareOne(x, v, ok, fold)
	}
	return false
}

func compareOne(c cmpNode, v any, present, fold bool) bool {
	if c.op == "pr" {
		return present && v != nil && v != ""
	}
	if c.op == "ne" {
		c.op = "eq"
		return !compareOne(c, v, present, fold)
	}
	if !present || v == nil {
		return c.op == "eq" && c.value == nil
	}
	switch lit := c.value.(type) {
	case string:
		s := fmt.Sprint(v)
		if fold {
			s, lit = strings.ToLower(s), strings.ToLower(lit)
		}
		switch c.op {
		case "eq":
			return s == lit
		case "sw":
			return strings.HasPrefix(s, lit)
		case "ew":
			return strings.HasSuffix(s, lit)
		case "co":
			return strings.Contains(s, lit)
		}
		return ordered(c.op, compareStrings(s, lit))
	case float64:
		f, ok := toFloat(v)
		if !ok {
			return false
		}
		switch {
		case f < lit:
			return ordered(c.op, -1)
		case f > lit:
			return ordered(c.op, 1)
		}
		return ordered(c.op, 0)
	case bool:
		b, ok := v.(bool)
		return ok && c.op == "eq" && b == lit
	}
	return false
}

// compareStrings orders timestamps chronologically and other strings
// lexically, so `lastUpdated gt "2024-01-01T00:00:00.000Z"` works with any
// ISO-8601 spelling.
func compareStrings(a, b string) int {
	ta, errA := parseISO(a)
	tb, errB := parseISO(b)
	if errA == nil && errB == nil {
		return ta.Compare(tb)
	}
	return strings.Compare(a, b)
}

func ordered(op string, cmp int) bool {
	switch op {
	case "eq":
		return cmp == 0
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// parseISO accepts the ISO-8601 forms Okta documents for dates.
func parseISO(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an ISO-8601 date: %q", s)
}
