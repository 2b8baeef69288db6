package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fixtureDir = "../testdata/playbooks"

func TestValidateCommand(t *testing.T) {
	okFile := filepath.Join(fixtureDir, "ok", "design-example.yaml")
	bad := filepath.Join(fixtureDir, "err", "unknown-param.yaml")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"valid", []string{"validate", okFile, "--playbooks", fixtureDir + "/none"}, 0, okFile + ": ok\n"},
		{"invalid", []string{"validate", okFile, bad}, 1, `unknown-param.yaml:7:7: okta.get_users has no parameter "limt"; did you mean "limit"? [unknown-param]`},
		{"json", []string{"validate", "--output", "json", bad}, 1, `"kind": "unknown-param"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runCordon(t, tc.args...)
			assert.Equal(t, tc.wantCode, code)
			assert.Contains(t, out, tc.wantOut)
		})
	}
	code, out, _ := runCordon(t, "validate", "--output", "json", bad)
	require.Equal(t, 1, code)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	assert.Len(t, list, 3)

	for name, args := range map[string][]string{
		"no files":     {"validate"},
		"bad output":   {"validate", "--output", "xml", okFile},
		"missing file": {"validate", "no-such.yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, _ := runCordon(t, args...)
			assert.Equal(t, 2, code)
		})
	}
}

func TestSchemaCommandMatchesCommittedSchema(t *testing.T) {
	code, out, _ := runCordon(t, "schema")
	require.Equal(t, 0, code)
	want, err := os.ReadFile("../docs/playbook.schema.json")
	require.NoError(t, err)
	assert.Equal(t, string(want), out)

	code, out, _ = runCordon(t, "schema", "--run-input")
	require.Equal(t, 0, code)
	want, err = os.ReadFile("../docs/run-input.schema.json")
	require.NoError(t, err)
	assert.Equal(t, string(want), out)
}

func TestSchemaOutputs(t *testing.T) {
	code, out, _ := runCordon(t, "schema", "--outputs")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "okta.get_user: {found: boolean, user: Okta user}\n")
	assert.Contains(t, out, "\nOkta user: {id: string, status: string,")
	code, _, _ = runCordon(t, "schema", "--outputs", "--run-input")
	assert.Equal(t, 2, code)
}

// TestValidateTypedOutput is the example: okta.get_user's output is
// {found, user}, so steps.user.output.id is refused with the fields.
func TestValidateTypedOutput(t *testing.T) {
	f := filepath.Join(t.TempDir(), "typo.yaml")
	require.NoError(t, os.WriteFile(f, []byte(`name: typo
steps:
  - id: user
    action: okta.get_user
    with: {user: jane.doe@acme.com}
outputs:
  id: ${{ steps.user.output.id }}
`), 0o644))
	code, out, errOut := runCordon(t, "validate", f)
	assert.Equal(t, 1, code)
	assert.Contains(t, out+errOut, `typo.yaml:7:29: steps.user.output has no field "id"; it has found, user [reference]`)
}

func TestGraphCommand(t *testing.T) {
	code, out, _ := runCordon(t, "graph", filepath.Join(fixtureDir, "ok", "design-example.yaml"), "--playbooks", fixtureDir+"/none")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "flowchart TD\n")
	assert.Contains(t, out, `n1["find<br/>okta.get_users"]`)

	code, _, errOut := runCordon(t, "graph", filepath.Join(fixtureDir, "err", "unknown-param.yaml"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "[unknown-param]")

	code, _, errOut = runCordon(t, "graph", "no-such-playbook", "--playbooks", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no-such-playbook")
}

// cordon validate reports cycles of playbook: steps through the library
// with the chain, and refuses deeply nested files before parsing them.
func TestValidateCyclesAndNesting(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name+".yaml")
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	recA := write("rec-a", "name: rec-a\nsteps:\n  - {id: to-b, playbook: rec-b}\n")
	write("rec-b", "name: rec-b\nsteps:\n  - {id: to-a, playbook: rec-a}\n")
	deep := write("deep", strings.Repeat("- ", 20_000)+"x\n")
	code, out, _ := runCordon(t, "validate", "--playbooks", dir, recA, deep)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "rec-a.yaml:3:6: playbook cycle rec-a -> rec-b -> rec-a: a run would start nested child runs without end [cycle]")
	assert.Contains(t, out, "deep.yaml:1:127: nesting deeper than 64 levels [syntax]")
}
