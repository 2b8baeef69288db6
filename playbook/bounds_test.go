package playbook

import (
	"fmt"
	"strings"
	"testing"

	"github.com/expr-lang/expr/checker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// TestExpressionBudget: expressions that build strings or lists beyond
// MaxValueBytes fail with the expression's position instead of taking
// the worker's memory; ordinary growth still works.
func TestExpressionBudget(t *testing.T) {
	t.Parallel()
	nested := `"ab"`
	for range 8 {
		nested = `replace(` + nested + `, "", "xxxxxxxxxxxxxxxxxx")`
	}
	doubling := `let a0 = "xxxxxxxxxxxxxxxx";`
	for i := 1; i <= 30; i++ {
		doubling += fmt.Sprintf(" let a%d = a%d + a%d;", i, i-1, i-1)
	}
	doubling += " a30"
	lists := `let a0 = [1, 2];`
	for i := 1; i <= 30; i++ {
		lists += fmt.Sprintf(" let a%d = concat(a%d, a%d);", i, i-1, i-1)
	}
	lists += " a30"
	for _, tc := range []struct{ name, expr, want string }{
		{"eight nested replace", nested, "replace() builds a value of more than 33554432 bytes"},
		{"repeat", `repeat("abc", 100000000)`, "repeat() builds a value of more than"},
		{"join", `join(split(repeat("x,", 4000000), ","), "xxxxxxxxxx")`, "join() builds a value of more than"},
		{"concatenation", doubling, "+ builds a value of more than"},
		{"list concatenation", lists, "budget"},
		{"to_json of escapes", `to_json(repeat("\u0001", 6000000))`, "toJSON() builds a value of more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "name: b\nversion: 1\nsteps:\n  - id: s\n    set:\n      v: ${{ " + tc.expr + " }}\n"
			pb, err := Load("b.yaml", []byte(src), Options{Registry: action.Okta()})
			require.NoError(t, err)
			_, err = pb.Steps[0].Set["v"].Eval(&Env{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "b.yaml:6:14: ${{ "), "the error names the expression's position: %v", err)
		})
	}
	src := "name: b\nversion: 1\nsteps:\n  - id: s\n    set:\n      v: ${{ replace(repeat('ab', 3), 'a', 'xy') + join(['a', 'b'], '-') + to_json([1]) + toJSON([2]) + string(len(concat([1], [2]))) }}\n"
	pb, err := Load("b.yaml", []byte(src), Options{Registry: action.Okta()})
	require.NoError(t, err)
	v, err := pb.Steps[0].Set["v"].Eval(&Env{})
	require.NoError(t, err)
	assert.Equal(t, `xybxybxyba-b[1][2]2`, v)
}

// The size check keeps the type the checker gives an expression, so
// checks that read expression types see no difference.
func TestBoundKeepsTypes(t *testing.T) {
	t.Parallel()
	c := newExprCompiler()
	for src, want := range map[string]string{
		`"a" + "b"`: "string", `1 + 2`: "int", `1.5 + 2`: "float64", `inputs.x + 1`: "interface {}",
		`concat([1], [2])`: "[]interface {}", `len("a" + "b") > 1`: "bool",
	} {
		tree, err := checker.ParseCheck(src, c.config)
		require.NoError(t, err, src)
		assert.Equal(t, want, tree.Node.Type().String(), src)
	}
	_, _, err := compile(`[1] + [2]`)
	assert.ErrorContains(t, err, "mismatched types", "an ill-typed + is still refused at load")
}
