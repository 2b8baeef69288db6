package playbook

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// Value is a YAML value from a playbook, possibly holding ${{ }}
// expressions at any depth. Expressions are compiled once, at load; Eval
// only runs them, and is safe for concurrent use.
type Value struct {
	pos  Pos
	src  string
	file string

	literal bool
	lit     any // JSON-shaped, when literal

	expr  *expression // the whole value is one expression: its type is kept
	parts []part      // a string mixing text and expressions

	keys   []string // a mapping holding expressions
	fields []*Value
	items  []*Value // a list holding expressions
	isMap  bool
	isList bool
}

// expression is one compiled ${{ }}.
type expression struct {
	text string
	prog *vm.Program
	pos  Pos // of the text's first rune
	file string
}

// part of a template string: literal text, or an expression.
type part struct {
	text string
	expr *expression
}

// EvalError is an expression that failed at run time. Its message names the
// expression and where it is, so a failed run points at the playbook line.
type EvalError struct {
	File string
	Pos  Pos
	Expr string
	Err  error
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("%s:%d:%d: ${{ %s }}: %v", e.File, e.Pos.Line, e.Pos.Col, e.Expr, e.Err)
}

func (e *EvalError) Unwrap() error { return e.Err }

// Pos is where the value starts in the file.
func (v *Value) Pos() Pos { return v.pos }

// Source is the value's YAML text, for plans and messages.
func (v *Value) Source() string { return v.src }

// IsLiteral reports whether the value holds no expressions.
func (v *Value) IsLiteral() bool { return v.literal }

// Literal returns the value's data when IsLiteral, else nil.
func (v *Value) Literal() any {
	if !v.literal {
		return nil
	}
	return copyJSON(v.lit)
}

// Expressions returns the source text of each expression in the value, in
// order, for tools that display or analyse them.
func (v *Value) Expressions() []string {
	var out []string
	v.walkExprs(func(e *expression) { out = append(out, e.text) })
	return out
}

func (v *Value) walkExprs(fn func(*expression)) {
	switch {
	case v.expr != nil:
		fn(v.expr)
	case v.parts != nil:
		for _, p := range v.parts {
			if p.expr != nil {
				fn(p.expr)
			}
		}
	}
	for _, f := range v.fields {
		f.walkExprs(fn)
	}
	for _, it := range v.items {
		it.walkExprs(fn)
	}
}

// Eval evaluates the value. A value that is exactly one expression keeps
// the expression's type; text around expressions makes a string. Data
// produced by expressions (alerts included) is never evaluated again, so a
// "${{" inside an alert stays text.
func (v *Value) Eval(env *Env) (any, error) {
	if v == nil {
		return nil, nil
	}
	if v.literal {
		return copyJSON(v.lit), nil
	}
	return v.eval(newExprEnv(env))
}

func (v *Value) eval(env *exprEnv) (any, error) {
	switch {
	case v.literal:
		return copyJSON(v.lit), nil
	case v.expr != nil:
		return v.expr.eval(env)
	case v.parts != nil:
		var b strings.Builder
		for _, p := range v.parts {
			if p.expr == nil {
				b.WriteString(p.text)
				continue
			}
			out, err := p.expr.eval(env)
			if err != nil {
				return nil, err
			}
			b.WriteString(interpolate(out))
			if b.Len() > MaxValueBytes {
				return nil, &EvalError{File: p.expr.file, Pos: p.expr.pos, Expr: p.expr.text, Err: tooLarge("the text around it", b.Len())}
			}
		}
		return b.String(), nil
	case v.isMap:
		m := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			out, err := v.fields[i].eval(env)
			if err != nil {
				return nil, err
			}
			m[k] = out
		}
		return m, nil
	default:
		l := make([]any, len(v.items))
		for i, it := range v.items {
			out, err := it.eval(env)
			if err != nil {
				return nil, err
			}
			l[i] = out
		}
		return l, nil
	}
}

func (e *expression) eval(env *exprEnv) (any, error) {
	if e.prog == nil {
		return nil, &EvalError{File: e.file, Pos: e.pos, Expr: e.text, Err: fmt.Errorf("expression did not compile")}
	}
	out, err := run(e.prog, env)
	if err != nil {
		msg, _ := exprMessage(err)
		return nil, &EvalError{File: e.file, Pos: e.pos, Expr: e.text, Err: fmt.Errorf("%s", msg)}
	}
	if where, bad := nonFinite(out, ""); bad != 0 {
		if where != "" {
			where = " at " + strings.TrimPrefix(where, ".")
		}
		return nil, &EvalError{File: e.file, Pos: e.pos, Expr: e.text,
			Err: fmt.Errorf("the result%s is %v, which is not a number (a division by zero?)", where, bad)}
	}
	return out, nil
}

// nonFinite finds a NaN or infinite number in an expression's result: such
// a value cannot be encoded as JSON, so it would fail the run later, far
// from the expression that made it. It returns where (" at [2].count") and
// the value, or 0 when every number is finite.
func nonFinite(v any, at string) (string, float64) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return at, x
		}
	case []any:
		for i, e := range x {
			if w, bad := nonFinite(e, fmt.Sprintf("%s[%d]", at, i)); bad != 0 {
				return w, bad
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the first bad key, the same on every replay
		for _, k := range keys {
			if w, bad := nonFinite(x[k], at+"."+k); bad != 0 {
				return w, bad
			}
		}
	}
	return "", 0
}

// EvalBool evaluates an if: condition. A nil value is true; a result that
// is not a boolean is an error naming its type, because treating "false"
// or 0 as truthy is the silent failure analysts complain about.
func EvalBool(v *Value, env *Env) (bool, error) {
	if v == nil {
		return true, nil
	}
	out, err := v.Eval(env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, &EvalError{File: v.file, Pos: v.pos, Expr: strings.Join(v.Expressions(), " "),
			Err: fmt.Errorf("if: want a boolean, got %s %s", typeName(out), short(out))}
	}
	return b, nil
}

// interpolate renders an expression result inside a string: text as is,
// null as nothing, lists and mappings as JSON.
func interpolate(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// short is a value for messages, cut to a readable length.
func short(v any) string {
	s := interpolate(v)
	if _, ok := v.(string); ok {
		s = strconv.Quote(s)
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// copyJSON deep-copies literal data so callers may modify what Eval returns.
func copyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = copyJSON(e)
		}
		return l
	}
	return v
}
