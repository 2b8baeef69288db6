package playbook

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordonsec/cordon/action"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadValue loads a one-step playbook whose set: x holds yaml, with
// inputs a and b declared, and returns the value.
func loadValue(t *testing.T, yaml string) *Value {
	t.Helper()
	src := "name: v\ninputs:\n  a: {type: string}\n  b: {type: list}\n  c: {type: object}\nsteps:\n  - id: prev\n    wait: 1s\n  - id: s\n    set:\n      x: " + yaml + "\n"
	p, err := Load("v.yaml", []byte(src), Options{Registry: action.Okta()})
	require.NoError(t, err)
	return p.Step("s").Set["x"]
}

func testEnv() *Env {
	return &Env{
		Inputs: map[string]any{"a": "alice", "b": []any{"x", "y"}},
		Alert:  map[string]any{"note": "${{ inputs.a }}", "severity": 7},
		Steps: map[string]StepResult{
			"prev": {Status: string(StatusSucceeded), Output: []any{
				map[string]any{"id": "00u1", "ip": "203.0.113.7"},
				map[string]any{"id": "00u2", "ip": "203.0.113.7"},
				map[string]any{"id": "00u3", "ip": "198.51.100.1"},
			}},
		},
		Run: RunInfo{ID: "r1", StartedBy: "bob", Now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
	}
}

func TestValueEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       any
	}{
		{"literal string", "hello", "hello"},
		{"literal list", "[1, two, true]", []any{1, "two", true}},
		{"single expression keeps list type", "${{ inputs.b }}", []any{"x", "y"}},
		{"single expression keeps int", "${{ 1 + 2 }}", 3},
		{"interpolation makes a string", `"n=${{ 1 + 2 }} of ${{ inputs.a }}"`, "n=3 of alice"},
		{"interpolated list is JSON", `"l=${{ inputs.b }}"`, `l=["x","y"]`},
		{"interpolated null is empty", `"[${{ inputs.c }}]"`, "[]"},
		{"nested map and list", `{k: "${{ inputs.a }}", l: ["${{ 1 }}", lit]}`, map[string]any{"k": "alice", "l": []any{1, "lit"}}},
		{"jsonpath", `${{ jsonpath(steps.prev.output, "$[*].id") }}`, []any{"00u1", "00u2", "00u3"}},
		{"missing keys are nil", "${{ steps.prev.output[0].profile.login }}", nil},
		{"missing input is nil all the way down", `${{ inputs.c.deep[0].path }}`, nil},
		{"alert is never re-templated", "${{ alert.note }}", "${{ inputs.a }}"},
		{"now is the run's clock", "${{ now() }}", "2024-05-01T12:00:00Z"},
		{"duration arithmetic", `${{ now() - duration("24h") }}`, "2024-04-30T12:00:00Z"},
		{"run fields", "${{ run.started_by + run.id }}", "bobr1"},
		{"cidr_contains", `${{ cidr_contains("203.0.113.0/24", "203.0.113.7") }}`, true},
		{"cidr_contains list", `${{ cidr_contains(["10.0.0.0/8", "203.0.113.7"], "203.0.113.7") }}`, true},
		{"cidr_contains miss", `${{ cidr_contains("10.0.0.0/8", "203.0.113.7") }}`, false},
		{"unique", `${{ unique(jsonpath(steps.prev.output, "$[*].ip")) }}`, []any{"203.0.113.7", "198.51.100.1"}},
		{"default", `${{ default(inputs.c, "fallback") }}`, "fallback"},
		{"default keeps value", `${{ default(inputs.a, "fallback") }}`, "alice"},
		{"to_json sorted", `'${{ to_json({"b": 1, "a": [true]}) }}'`, `{"a":[true],"b":1}`},
		{"from_json", `'${{ from_json("{\"a\": [1]}").a[0] }}'`, float64(1)},
		{"group_by_count", `${{ group_by_count(steps.prev.output, "ip") }}`, []any{
			map[string]any{"key": "203.0.113.7", "count": 2}, map[string]any{"key": "198.51.100.1", "count": 1}}},
		{"keys sorted", `'${{ keys({"b": 1, "a": 2, "c": 3}) }}'`, []any{"a", "b", "c"}},
		{"values sorted by key", `'${{ values({"b": 1, "a": 2}) }}'`, []any{2, 1}},
		{"lower upper", `${{ lower("AB") + upper("cd") }}`, "abCD"},
		{"braces inside expression", `'${{ {"a": {"b": "}}"}}.a.b }}'`, "}}"},
		{"block scalar single expression", "|\n        ${{ inputs.b }}", []any{"x", "y"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := loadValue(t, tc.yaml)
			got, err := v.Eval(testEnv())
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestValueEvalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"runtime type error names expression and position", `"${{ inputs.a + 1 }}"`, `v.yaml:11:15: ${{ inputs.a + 1 }}: invalid operation`},
		{"bad cidr", `${{ cidr_contains("nope", "1.2.3.4") }}`, `"nope" is not a CIDR`},
		{"bad jsonpath", `${{ jsonpath(inputs.b, "$[") }}`, "jsonpath"},
		{"from_json garbage", `${{ from_json("{") }}`, "from_json"},
		{"division by zero is not a number", `${{ len(inputs.b) / (len(inputs.b) - 2) }}`,
			`v.yaml:11:14: ${{ len(inputs.b) / (len(inputs.b) - 2) }}: the result is +Inf, which is not a number (a division by zero?)`},
		{"zero by zero", `${{ 0.0 / (len(inputs.b) - 2) }}`, `the result is NaN, which is not a number`},
		{"inside a mapping", `"${{ {'ok': 1, 'rate': [1, -len(inputs.b) / 0]} }}"`, `the result at rate[1] is -Inf, which is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadValue(t, tc.yaml).Eval(testEnv())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			var ee *EvalError
			assert.True(t, errors.As(err, &ee))
		})
	}
}

func TestEvalBool(t *testing.T) {
	t.Parallel()
	ok, err := EvalBool(nil, testEnv())
	require.NoError(t, err)
	assert.True(t, ok, "nil condition is true")

	ok, err = EvalBool(loadValue(t, "${{ alert.severity >= 7 }}"), testEnv())
	require.NoError(t, err)
	assert.True(t, ok)

	_, err = EvalBool(loadValue(t, `${{ "false" }}`), testEnv())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `want a boolean, got string "false"`)
}

func TestValueAccessors(t *testing.T) {
	t.Parallel()
	v := loadValue(t, `"id ${{ inputs.a }}"`)
	assert.False(t, v.IsLiteral())
	assert.Equal(t, `"id ${{ inputs.a }}"`, v.Source())
	assert.Equal(t, Pos{11, 10}, v.Pos())
	assert.Equal(t, []string{"inputs.a"}, v.Expressions())

	lit := loadValue(t, "[a, b]")
	assert.True(t, lit.IsLiteral())
	got, _ := lit.Eval(nil)
	got.([]any)[0] = "changed"
	again, _ := lit.Eval(nil)
	assert.Equal(t, []any{"a", "b"}, again, "Eval returns a copy of literals")
}

func TestSkippedStepOutputIsNil(t *testing.T) {
	t.Parallel()
	env := testEnv()
	env.Steps["prev"] = StepResult{Status: string(StatusSkipped), Output: "stale"}
	got, err := loadValue(t, "${{ steps.prev.output }}").Eval(env)
	require.NoError(t, err)
	assert.Nil(t, got)
}

func TestItemOnlyInLoop(t *testing.T) {
	t.Parallel()
	src := "name: v\nsteps:\n  - id: each\n    foreach: [a, b]\n    action: okta.get_user_groups\n    with: {user: \"${{ item }}-${{ index }}\"}\n"
	p, err := Load("v.yaml", []byte(src), Options{Registry: action.Okta()})
	require.NoError(t, err)
	v := p.Step("each").With["user"]
	got, err := v.Eval(&Env{Item: "b", Index: 1, InLoop: true})
	require.NoError(t, err)
	assert.Equal(t, "b-1", got)
	got, _ = v.Eval(&Env{Item: "b", Index: 1})
	assert.Equal(t, "-0", got, "item is unbound outside a loop")
}

func TestEvalConcurrentAndDeterministic(t *testing.T) {
	t.Parallel()
	v := loadValue(t, `'${{ concat(keys({"z": 1, "y": 2, "x": 3}), jsonpath({"b": 1, "a": 2, "c": 3}, "$.*")) }}'`)
	var wg sync.WaitGroup
	results := make([]string, 32)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := v.Eval(testEnv())
			if err == nil {
				results[i] = interpolate(out)
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		assert.Equal(t, `["x","y","z",2,1,3]`, r)
	}
}

func TestInputsWithDefaults(t *testing.T) {
	t.Parallel()
	src := `name: in
inputs:
  login: {type: string, required: true}
  n: {type: number, default: 5}
  on: {type: boolean, default: false}
  ips: {type: list}
  meta: {type: object}
  mode: {type: string, allowed: [fast, slow], default: fast}
steps:
  - {id: a, wait: 1s}
`
	p, err := Load("in.yaml", []byte(src), Options{Registry: action.Okta()})
	require.NoError(t, err)
	tests := []struct {
		name    string
		given   map[string]any
		want    map[string]any
		wantErr string
	}{
		{"defaults", map[string]any{"login": "a"}, map[string]any{"login": "a", "n": 5, "on": false, "mode": "fast"}, ""},
		{"strings from the command line", map[string]any{"login": "a", "n": "7.5", "on": "true", "ips": "1.2.3.4, 5.6.7.8", "meta": `{"k": 1}`},
			map[string]any{"login": "a", "n": 7.5, "on": true, "ips": []any{"1.2.3.4", "5.6.7.8"}, "meta": map[string]any{"k": float64(1)}, "mode": "fast"}, ""},
		{"missing required", map[string]any{}, nil, "input login is required"},
		{"wrong type", map[string]any{"login": "a", "n": "many"}, nil, "input n:"},
		{"not allowed", map[string]any{"login": "a", "mode": "medium"}, nil, "input mode: \"medium\" is not one of the allowed values"},
		{"undeclared", map[string]any{"login": "a", "logn": "b"}, nil, "input logn is not declared by playbook in; did you mean \"login\"?"},
		{"whole numbers from JSON become integers, so % works", map[string]any{"login": "a", "n": float64(10)},
			map[string]any{"login": "a", "n": 10, "on": false, "mode": "fast"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.InputsWithDefaults(tc.given)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestErrorListFormatAndJSON(t *testing.T) {
	t.Parallel()
	_, err := Load("x.yaml", []byte("name: x\nsteps:\n  - id: a\n    acton: y\n"), Options{Registry: action.Okta()})
	list := err.(ErrorList)
	var b strings.Builder
	require.NoError(t, list.Format(&b, false))
	assert.Contains(t, b.String(), "x.yaml:4:5: unknown key \"acton\" in step; did you mean \"action\"? [unknown-key]\n  |     acton: y\n  |     ^\n")
	js, jerr := list.MarshalJSON()
	require.NoError(t, jerr)
	assert.JSONEq(t, `[{"file":"x.yaml","line":4,"col":5,"message":"unknown key \"acton\" in step; did you mean \"action\"?","kind":"unknown-key"}]`, string(js))
}

func TestOutputRead(t *testing.T) {
	t.Parallel()
	load := func(tail string) *Playbook {
		src := "name: r\ninputs:\n  ids: {type: list}\nsteps:\n  - id: each\n    foreach: ${{ inputs.ids }}\n    action: okta.get_user_groups\n    with: {user: \"${{ item }}\"}\n" +
			"  - id: other\n    wait: 1s\n" + tail
		p, err := Load("r.yaml", []byte(src), Options{Registry: action.Okta()})
		require.NoError(t, err)
		return p
	}
	p := load("")
	assert.False(t, p.OutputRead("each"), "nothing reads each")
	p = load("outputs:\n  n: ${{ len(steps.each.output) }}\n")
	assert.True(t, p.OutputRead("each"))
	assert.False(t, p.OutputRead("other"))
	p = load("outputs:\n  s: ${{ steps[\"each\"].status }}\n")
	assert.True(t, p.OutputRead("each"), "any use of the step's result counts")
	p = load("outputs:\n  all: ${{ len(steps) }}\n")
	assert.True(t, p.OutputRead("each"), "steps as a whole reads every step")
	assert.True(t, p.OutputRead("other"))
}
