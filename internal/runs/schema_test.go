package runs

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/workflows"
)

var update = flag.Bool("update", false, "rewrite docs/run-input.schema.json")

const committedInputSchema = "../../docs/run-input.schema.json"

// TestInputSchemaCommitted keeps docs/run-input.schema.json equal to
// InputSchema's output; -update rewrites it.
func TestInputSchemaCommitted(t *testing.T) {
	got := InputSchema()
	if *update {
		require.NoError(t, os.WriteFile(committedInputSchema, got, 0o644))
		return
	}
	want, err := os.ReadFile(committedInputSchema)
	require.NoError(t, err, "run go test ./internal/runs -update")
	assert.Equal(t, string(want), string(got), "docs/run-input.schema.json is stale: run go test ./internal/runs -update")
}

// TestInputSchemaAcceptsWhatCordonSends validates the input cordon run
// builds against the schema, and refuses one without started_by.
func TestInputSchemaAcceptsWhatCordonSends(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(InputSchema()))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(InputSchemaID, doc))
	sch, err := c.Compile(InputSchemaID)
	require.NoError(t, err)

	lib := Library{Dir: "../../playbooks", Registry: action.Okta()}
	pb, err := lib.Resolve("brute-force-response")
	require.NoError(t, err)
	pinned, children, err := lib.Pin(pb)
	require.NoError(t, err)
	in := workflows.RunInput{Playbook: pinned, Library: children, Inputs: map[string]any{"window": "1h"},
		Alert: map[string]any{"id": "a-1"}, Options: workflows.RunOptions{StartedBy: "alice"}}
	inst := instance(t, in)
	require.NoError(t, sch.Validate(inst))

	delete(inst.(map[string]any), "options")
	assert.Error(t, sch.Validate(inst), "options (with started_by) is required")
}

func instance(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return inst
}
