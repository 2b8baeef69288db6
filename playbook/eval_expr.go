package playbook

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/vm"
)

// exprEnv is what expressions see: Env's variables (expr reads the fields
// of an embedded struct as its own) and now(). A struct rather than a map:
// the checker then knows the names (so `foo` or `run.nope` fail to
// compile) and building one per evaluation costs no map allocations,
// however many steps ran.
type exprEnv struct {
	Env
	// Now backs now(): the run's clock, never the machine's, so that a
	// replayed workflow evaluates to the same value.
	Now func() time.Time `expr:"now"`
}

// baseOptions are the compile options every expression shares. Builtins
// that read the machine's clock or iterate maps in random order are
// replaced (see eval_funcs.go); those that build strings or lists from counts
// are bounded (bounds.go).
func baseOptions() []expr.Option {
	opts := []expr.Option{
		expr.Env(exprEnv{}),
		expr.Timezone("UTC"),
		expr.DisableBuiltin("now"),
		expr.DisableBuiltin("keys"),
		expr.DisableBuiltin("values"),
		expr.DisableBuiltin("toPairs"),
	}
	opts = append(opts, boundOptions()...)
	return append(opts, functionOptions()...)
}

// ref is one access to a context variable found in an expression:
// root is the variable, path the constant member names after it (steps.a.output
// is root "steps", path ["a", "output"]), at is the rune offset in the text.
type ref struct {
	root string
	path []string
	at   int
	// jsonPath is the literal path of jsonpath(<ref>, "..."), whose
	// offset at is then; "" for a plain reference (see check_outputs.go).
	jsonPath string
}

// exprCompiler compiles expressions with one configuration, built once per
// Load: building expr's configuration costs more than compiling a typical
// expression. Not safe for concurrent use; each Load has its own.
type exprCompiler struct {
	config *conf.Config
	col    *collector
	cache  map[string]compiled // playbooks repeat expressions often
}

type compiled struct {
	prog *vm.Program
	refs []ref
	err  error
}

func newExprCompiler() *exprCompiler {
	c := &exprCompiler{col: &collector{}, config: conf.CreateNew(), cache: map[string]compiled{}}
	for _, op := range append(baseOptions(), expr.Patch(c.col), expr.Patch(boundPatcher{})) {
		op(c.config)
	}
	for name := range c.config.Disabled {
		delete(c.config.Builtins, name)
	}
	c.config.Check()
	return c
}

// compile compiles one expression and lists its context references, the
// same way expr.Compile does.
func (c *exprCompiler) compile(text string) (prog *vm.Program, refs []ref, err error) {
	if r, ok := c.cache[text]; ok {
		return r.prog, r.refs, r.err
	}
	defer func() {
		// A compiler bug on odd input must not crash validation.
		if r := recover(); r != nil {
			prog, refs, err = nil, nil, fmt.Errorf("expression could not be compiled: %v", r)
		}
		c.cache[text] = compiled{prog, refs, err}
	}()
	c.col.reset()
	tree, err := checker.ParseCheck(text, c.config)
	if err != nil {
		return nil, nil, err
	}
	if c.config.Optimize {
		if err := optimizer.Optimize(&tree.Node, c.config); err != nil {
			var fe *file.Error
			if errors.As(err, &fe) {
				return nil, nil, fe.Bind(tree.Source)
			}
			return nil, nil, err
		}
	}
	prog, err = compiler.Compile(tree, c.config)
	if err != nil {
		return nil, nil, err
	}
	return prog, c.col.finish(), nil
}

// compile compiles one expression on its own (tests and fuzzing).
func compile(text string) (*vm.Program, []ref, error) {
	return newExprCompiler().compile(text)
}

// collector records references and makes member access nil-safe: a.b on a
// missing a yields nil instead of an error, as analysts expect of JSON
// ("steps.find.output.profile" when the step was skipped).
type collector struct {
	refs []ref
	// steps identifiers seen, and those that are the base of a member
	// access by a constant step id (steps.find, steps["find"]): any other
	// use reads every step's result (readsAllSteps).
	stepsIdents []*ast.IdentifierNode
	based       map[*ast.IdentifierNode]bool
}

// reset readies the collector for the next expression.
func (c *collector) reset() {
	c.refs, c.stepsIdents, c.based = nil, nil, map[*ast.IdentifierNode]bool{}
}

// allStepsRef is the reference recorded for a use of steps that names no
// constant step id (len(steps), steps[vars.id]).
const allStepsRef = "*"

// finish adds the all-steps reference when some use of steps is not a
// member access by a constant id.
func (c *collector) finish() []ref {
	for _, id := range c.stepsIdents {
		if !c.based[id] {
			return append(c.refs, ref{root: "steps", path: []string{allStepsRef}, at: id.Location().From})
		}
	}
	return c.refs
}

// markBase records the steps identifier under a member chain whose first
// member is a constant name.
func (c *collector) markBase(m *ast.MemberNode) {
	for {
		inner := m.Node
		if ch, ok := inner.(*ast.ChainNode); ok {
			inner = ch.Node
		}
		switch x := inner.(type) {
		case *ast.MemberNode:
			m = x
			continue
		case *ast.IdentifierNode:
			if _, constant := m.Property.(*ast.StringNode); constant && x.Value == "steps" {
				c.based[x] = true
			}
		}
		return
	}
}

func (c *collector) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		c.refs = append(c.refs, ref{root: x.Value, at: x.Location().From})
		if x.Value == "steps" {
			c.stepsIdents = append(c.stepsIdents, x)
		}
	case *ast.MemberNode:
		c.markBase(x)
		if r, ok := memberRef(x); ok {
			c.refs = append(c.refs, r)
		}
		if !x.Method {
			x.Optional = true
			ast.Patch(n, &ast.ChainNode{Node: x})
		}
	case *ast.CallNode:
		if r, ok := jsonPathRef(x); ok {
			c.refs = append(c.refs, r)
		}
		// A method call's callee must stay a plain member for the compiler.
		if ch, ok := x.Callee.(*ast.ChainNode); ok {
			if m, ok := ch.Node.(*ast.MemberNode); ok {
				m.Optional = false
				x.Callee = m
			}
		}
	}
}

// memberRef returns the reference for a member access whose chain is made
// of constant names down to an identifier, such as steps["a"].output;
// an index or computed key past the first name is the segment anyIndex.
func memberRef(m *ast.MemberNode) (ref, bool) {
	var path []string
	at := m.Location().From
	if s, ok := m.Property.(*ast.StringNode); ok {
		at = s.Location().From
	}
	var cur ast.Node = m
	for {
		if ch, ok := cur.(*ast.ChainNode); ok {
			cur = ch.Node
			continue
		}
		switch x := cur.(type) {
		case *ast.MemberNode:
			seg := anyIndex // an index or a computed key
			if s, ok := x.Property.(*ast.StringNode); ok {
				seg = s.Value
			}
			path = append([]string{seg}, path...)
			cur = x.Node
		case *ast.IdentifierNode:
			if len(path) > 0 && path[0] == anyIndex {
				return ref{}, false // steps[vars.id]: no constant name
			}
			return ref{root: x.Value, path: path, at: at}, true
		default:
			return ref{}, false
		}
	}
}

// exprMessage strips expr's own snippet from an error: ours shows the YAML
// line instead.
func exprMessage(err error) (string, int) {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message, fe.From
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg, -1
}

// newExprEnv builds the expression variables from the interpreter's Env.
func newExprEnv(env *Env) *exprEnv {
	if env == nil {
		env = &Env{}
	}
	e := &exprEnv{Env: *env}
	if !env.InLoop {
		e.Item, e.Index = nil, 0
	}
	now := env.Run.Now
	e.Now = func() time.Time { return now }
	e.Steps = hideSkipped(env.Steps)
	return e
}

// hideSkipped returns steps with the output of skipped steps cleared. It
// copies only when needed, so evaluation stays allocation-free normally.
func hideSkipped(steps map[string]StepResult) map[string]StepResult {
	for _, r := range steps {
		if r.Status == string(StatusSkipped) && r.Output != nil {
			cp := make(map[string]StepResult, len(steps))
			for id, r := range steps {
				if r.Status == string(StatusSkipped) {
					r.Output = nil
				}
				cp[id] = r
			}
			return cp
		}
	}
	return steps
}

// run evaluates a compiled expression, turning panics from odd data into
// errors: an expression must never take a worker down.
func run(prog *vm.Program, env *exprEnv) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	out, err = vm.Run(prog, env)
	if err != nil {
		return nil, err
	}
	return normalize(out), nil
}
