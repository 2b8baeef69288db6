package playbook

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cordonsec/cordon/action"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const committedSchema = "../docs/playbook.schema.json"

// TestSchemaCommitted keeps docs/playbook.schema.json equal to Schema's
// output; -update rewrites it.
func TestSchemaCommitted(t *testing.T) {
	got := Schema(action.Okta())
	require.Equal(t, got, Schema(action.Okta()), "output must be stable")
	if *update {
		require.NoError(t, os.WriteFile(committedSchema, got, 0o644))
		return
	}
	want, err := os.ReadFile(committedSchema)
	require.NoError(t, err, "run go test ./playbook -update")
	assert.Equal(t, string(want), string(got), "docs/playbook.schema.json is stale: run go test ./playbook -update")
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema(action.Okta())))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(SchemaID, doc))
	sch, err := c.Compile(SchemaID)
	require.NoError(t, err)
	return sch
}

// yamlInstance reads a playbook as plain JSON data for the validator.
func yamlInstance(t *testing.T, file string) any {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	s := newSource(file, src)
	root := parseYAML(s, &errorSink{src: s})
	require.NotNil(t, root, "%s does not parse", file)
	b, err := json.Marshal(root.toAny())
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return inst
}

// TestPlaybooksValidate checks the shipped library (playbooks/, which may
// not exist yet) and the ok fixtures: each loads without errors and is
// valid against the generated schema, so editors never flag what cordon
// validate accepts.
func TestPlaybooksValidate(t *testing.T) {
	sch := compileSchema(t)
	lib, errs := LoadDir("../playbooks", Options{Registry: action.Okta()})
	if len(errs) > 0 {
		var b bytes.Buffer
		_ = errs.Format(&b, false)
		t.Fatalf("library playbooks do not validate:\n%s", b.String())
	}
	var files []string
	for _, p := range lib {
		files = append(files, p.File)
	}
	ok, _ := filepath.Glob(filepath.Join(fixtures, "ok", "*.yaml"))
	files = append(files, ok...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			assert.NoError(t, sch.Validate(yamlInstance(t, f)))
		})
	}
}

// TestSchemaRejects checks that the schema is closed where the loader is:
// these fixtures must fail schema validation too.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	for _, name := range []string{"unknown-param", "unknown-action", "missing-param", "param-enum", "step-two-kinds",
		"step-no-kind", "unknown-step-key", "unknown-top-key", "approval-no-message", "trigger-kinds", "param-types"} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, sch.Validate(yamlInstance(t, filepath.Join(fixtures, "err", name+".yaml"))))
		})
	}
}
