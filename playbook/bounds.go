package playbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// MaxValueBytes is the expression budget for growth: no string an
// expression builds, and no value it returns, may be larger (strings by
// their bytes, lists and mappings by their items and keys, each counting
// at least 8 bytes, shared strings once per use). expr's own memory
// budget counts the lists and ranges its VM allocates, not strings:
// eight nested replace() calls built a billion characters under it. Every
// value an expression makes ends in an activity's parameters, a step's
// output or the run's result, each one Temporal payload of at most 2 MiB
// by default (larger ones go through the payload store), so 32 MiB leaves
// room for lists of a large org's user ids while keeping a worker's
// memory per evaluation in the tens of megabytes.
const MaxValueBytes = 32 << 20

// boundName is the function the bound patcher wraps growing operations
// in. Its name cannot collide with a playbook's: identifiers of the
// expression language that start with two underscores are reserved here.
const boundName = "__bound"

// ErrTooLarge is the error of an expression that builds a value over
// MaxValueBytes.
var ErrTooLarge = errors.New("value too large")

// boundOptions replace the builtins that build strings from counts
// (replace, repeat, join, toJSON) with versions that compute the result's
// size before building it, and add the function the patcher wraps the
// other growing operations in.
func boundOptions() []expr.Option {
	return []expr.Option{
		expr.Function(boundName, fnBound, new(func(any, string) any)),
		expr.Function(boundName+"_string", fnBound, new(func(string, string) string)),
		expr.Function(boundName+"_int", fnBound, new(func(int, string) int)),
		expr.Function(boundName+"_float", fnBound, new(func(float64, string) float64)),
		expr.Function(boundName+"_list", fnBound, new(func([]any, string) []any)),
		expr.Function("replace", fnReplace, new(func(string, string, string) string)),
		expr.Function("repeat", fnRepeat, new(func(string, int) string)),
		expr.Function("join", fnJoin, new(func(any) string), new(func(any, string) string)),
		expr.Function("toJSON", fnBoundedJSON, new(func(any) string)),
	}
}

// growers are the builtins whose result may be larger than their
// arguments: concatenation of lists, flattening, encoding, mapping one
// shared value over a long list. The patcher checks their result.
var growers = map[string]bool{
	"concat": true, "flatten": true, "toBase64": true, "map": true, "fromPairs": true,
}

// bound wraps "+" (string and list concatenation) and the growers in a
// size check. Concatenating two values within the budget makes at most
// twice the budget before the check refuses it, so the check after the
// operation bounds memory as well as one before it would.
func bound(n *ast.Node) {
	var op string
	switch x := (*n).(type) {
	case *ast.BinaryNode:
		if x.Operator != "+" {
			return
		}
		op = "+"
	case *ast.BuiltinNode:
		if !growers[x.Name] {
			return
		}
		op = x.Name + "()"
	default:
		return
	}
	orig := *n
	ast.Patch(n, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: boundFor(orig.Type())},
		Arguments: []ast.Node{orig, &ast.StringNode{Value: op}},
	})
}

// boundFor names the bound function whose signature keeps the type the
// checker gave the wrapped node ("a" + "b" stays a string, 1 + 2 an
// int), so checks that read expression types see no difference.
func boundFor(t reflect.Type) string {
	if t == nil {
		return boundName
	}
	switch t {
	case reflect.TypeFor[string]():
		return boundName + "_string"
	case reflect.TypeFor[int]():
		return boundName + "_int"
	case reflect.TypeFor[float64]():
		return boundName + "_float"
	case reflect.TypeFor[[]any]():
		return boundName + "_list"
	}
	return boundName
}

func fnBound(args ...any) (any, error) {
	op, _ := args[1].(string)
	if size, over := sizeOver(args[0], MaxValueBytes); over {
		return nil, tooLarge(op, size)
	}
	return args[0], nil
}

func tooLarge(op string, size int) error {
	return fmt.Errorf("%s builds a value of more than %d bytes (at least %d), above the expression budget: %w", op, MaxValueBytes, size, ErrTooLarge)
}

// sizeOver measures v, stopping as soon as it passes limit (so measuring
// a huge value costs no more than the limit).
func sizeOver(v any, limit int) (int, bool) {
	n := 0
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case string:
			n += max(len(x), 8)
		case []any:
			n += 8
			for _, e := range x {
				if n > limit || !walk(e) {
					return false
				}
			}
		case map[string]any:
			n += 8
			for k, e := range x {
				n += len(k)
				if n > limit || !walk(e) {
					return false
				}
			}
		default:
			n += 8
		}
		return n <= limit
	}
	walk(normalize(v))
	return n, n > limit
}

func fnReplace(args ...any) (any, error) {
	var p [3]string
	for i := range p {
		s, err := str("replace", i, args[i])
		if err != nil {
			return nil, err
		}
		p[i] = s
	}
	s, old, repl := p[0], p[1], p[2]
	k := strings.Count(s, old) // len(s)+1 for an empty old
	if size := len(s) + k*(len(repl)-len(old)); size > MaxValueBytes {
		return nil, tooLarge("replace()", size)
	}
	return strings.ReplaceAll(s, old, repl), nil
}

func fnRepeat(args ...any) (any, error) {
	s, err := str("repeat", 0, args[0])
	if err != nil {
		return nil, err
	}
	n, err := wholeNumber("repeat", args[1])
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("repeat: negative count %d", n)
	}
	if len(s) > 0 && n > MaxValueBytes/len(s) {
		return nil, tooLarge("repeat()", MaxValueBytes+1)
	}
	return strings.Repeat(s, n), nil
}

func fnJoin(args ...any) (any, error) {
	list, ok := normalize(args[0]).([]any)
	if ss, isStrings := args[0].([]string); isStrings {
		list, ok = make([]any, len(ss)), true
		for i, x := range ss {
			list[i] = x
		}
	}
	if !ok && args[0] != nil {
		return nil, fmt.Errorf("join: want a list, got %s", typeName(args[0]))
	}
	sep := ""
	if len(args) > 1 {
		s, err := str("join", 1, args[1])
		if err != nil {
			return nil, err
		}
		sep = s
	}
	size := len(sep) * max(len(list)-1, 0)
	parts := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("join: item %d is %s, not a string", i, typeName(e))
		}
		parts[i] = s
		if size += len(s); size > MaxValueBytes {
			return nil, tooLarge("join()", size)
		}
	}
	return strings.Join(parts, sep), nil
}

// fnBoundedJSON is toJSON (and to_json) with the budget applied before
// encoding: a short list of references to one large string encodes to
// far more than it holds. Encoding escapes at most six bytes per byte of
// a value within the budget, and the encoded text is checked again.
func fnBoundedJSON(args ...any) (any, error) {
	v := normalize(args[0])
	if size, over := sizeOver(v, MaxValueBytes); over {
		return nil, tooLarge("toJSON()", size)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("toJSON: %w", err)
	}
	if len(b) > MaxValueBytes {
		return nil, tooLarge("toJSON()", len(b))
	}
	return string(b), nil
}

// str and wholeNumber read a builtin's arguments: the checker lets values of
// unknown type through, so a wrong one is an error here, not a panic.
func str(fn string, i int, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: argument %d is %s, not a string", fn, i+1, typeName(v))
	}
	return s, nil
}

func wholeNumber(fn string, v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	}
	return 0, fmt.Errorf("%s: want a whole number, got %s", fn, typeName(v))
}

// boundPatcher is the expr patch that applies bound to every node.
type boundPatcher struct{}

func (boundPatcher) Visit(n *ast.Node) { bound(n) }
