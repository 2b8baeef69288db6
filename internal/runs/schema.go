package runs

import (
	"encoding/json"

	"github.com/invopop/jsonschema"

	"github.com/cordonsec/cordon/workflows"
)

// InputSchemaID names the JSON Schema of PlaybookWorkflow's interface.
const InputSchemaID = "https://cordonsec.github.io/cordon/run-input.schema.json"

// InputSchema is the JSON Schema of what another Temporal client sends to
// and reads from PlaybookWorkflow (docs/integrations.md): the workflow's
// input (the root, RunInput), the approve update's argument (Decision) and
// result (ApprovalRecord), and the status query's answer and the run's
// result (RunStatus). It is generated from the Go types, so it cannot
// drift; docs/run-input.schema.json is its committed copy.
func InputSchema() []byte {
	r := &jsonschema.Reflector{Anonymous: true}
	root := r.Reflect(&workflows.RunInput{})
	root.ID = InputSchemaID
	root.Title = "PlaybookWorkflow input (RunInput)"
	root.Description = "Start PlaybookWorkflow on task queue " + workflows.TaskQueue + " with this input. " +
		"$defs also describe the approve update's argument (Decision) and result (ApprovalRecord) " +
		"and the status query's answer (RunStatus)."
	for _, v := range []any{&workflows.Decision{}, &workflows.ApprovalRecord{}, &workflows.RunStatus{}} {
		s := r.Reflect(v)
		for name, def := range s.Definitions {
			root.Definitions[name] = def
		}
	}
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		panic(err) // the schema is built from static types: a failure is a programming error
	}
	return append(b, '\n')
}
