package playbook

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// The context table in docs/playbooks.md sits between these markers.
const (
	contextBegin = "<!-- context: generated from playbook.Env; go test ./playbook/ -run TestContextDocs -update -->\n"
	contextEnd   = "<!-- end context -->\n"
)

// TestContextDocs fails when the context table in docs/playbooks.md is not
// what Env declares; -update rewrites it.
func TestContextDocs(t *testing.T) {
	path := filepath.Join("..", "docs", "playbooks.md")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(b)
	before, rest, ok := strings.Cut(doc, contextBegin)
	require.True(t, ok, "docs/playbooks.md has the context marker")
	table, after, ok := strings.Cut(rest, contextEnd)
	require.True(t, ok, "docs/playbooks.md has the end-of-context marker")
	want := ContextMarkdown()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(before+contextBegin+want+contextEnd+after), 0o644))
		return
	}
	assert.Equal(t, want, table, "docs/playbooks.md's context table is stale: go test ./playbook/ -run TestContextDocs -update")
}

// TestContextDeclaredOnce checks that what the checker, the evaluator and
// the docs know of the context all come from Env.
func TestContextDeclaredOnce(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"inputs", "alert", "event", "steps", "vars", "item", "index", "run"}, contextNames)
	assert.Equal(t, map[string]fieldType{
		"StepResult": {"steps.<id>", []string{"output", "status", "error"}},
		"StepError":  {"steps.<id>.error", []string{"message", "okta_code", "http_status"}},
		"RunInfo":    {"run", []string{"id", "playbook", "started_by", "dry_run", "started_at", "now"}},
	}, fieldTypes)
	var paths []string
	for _, r := range contextRows() {
		paths = append(paths, r.path)
		assert.NotEmpty(t, contextDocs[r.path], "%s has a description", r.path)
	}
	for p := range contextDocs {
		assert.True(t, slices.Contains(paths, p), "description of %s names a context variable", p)
	}
	// Every declared name compiles; InLoop, not tagged, does not.
	for _, name := range contextNames {
		_, _, err := newExprCompiler().compile(name)
		assert.NoError(t, err, name)
	}
	_, _, err := newExprCompiler().compile("InLoop")
	assert.Error(t, err, "InLoop is not visible to expressions")
}

// TestTriggerRootsAreContext: what a trigger's expressions may read is part
// of Env, and the JSON Schema tells each trigger's names.
func TestTriggerRootsAreContext(t *testing.T) {
	t.Parallel()
	schema := string(Schema(action.Okta()))
	for kind, roots := range triggerRoots {
		for _, r := range roots {
			assert.Contains(t, contextNames, r, "%s trigger", kind)
		}
		assert.Regexp(t, `"Start on [^"]*expressions see `+roots[len(roots)-1], schema, "%s trigger's schema description", kind)
	}
}

// TestLoopVarsOnlyInLoop: item and index read null and 0 outside a loop,
// whatever the Env holds.
func TestLoopVarsOnlyInLoop(t *testing.T) {
	t.Parallel()
	env := &Env{Item: "x", Index: 3}
	assert.Nil(t, newExprEnv(env).Item)
	assert.Zero(t, newExprEnv(env).Index)
	env.InLoop = true
	assert.Equal(t, "x", newExprEnv(env).Item)
	assert.Equal(t, 3, newExprEnv(env).Index)
	assert.Equal(t, "x", env.Item, "the caller's Env is left alone")
}
