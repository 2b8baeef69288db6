package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

const withInputs = `
name: with-inputs
version: 3
inputs:
  login: {type: string, required: true}
  mode: {type: string, default: deactivate, allowed: [deactivate, reset]}
  window: {type: string, default: 24h}
  limit: {type: number, default: 5}
steps:
  - id: echo
    set:
      mode: ${{ inputs.mode }}
      window: ${{ inputs.window }}
      limit: ${{ inputs.limit }}
      now: ${{ now() }}
      run_now: ${{ run.now }}
outputs:
  mode: ${{ vars.mode }}
  window: ${{ vars.window }}
  limit: ${{ vars.limit }}
  now: ${{ vars.now }}
  run_now: ${{ vars.run_now }}
`

// runRaw executes PlaybookWorkflow with exactly the given input, as
// another Temporal client would start it (no harness defaults).
func (h *harness) runRaw(in RunInput) (*RunStatus, error) {
	h.t.Helper()
	h.env.ExecuteWorkflow(PlaybookWorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	err := h.env.GetWorkflowError()
	if err == nil {
		var st RunStatus
		require.NoError(h.t, h.env.GetWorkflowResult(&st))
		return &st, nil
	}
	var app *temporal.ApplicationError
	require.True(h.t, errors.As(err, &app), "want an ApplicationError, got %v", err)
	var st RunStatus
	if app.HasDetails() {
		require.NoError(h.t, app.Details(&st))
	}
	return &st, err
}

func TestRunContractRefusals(t *testing.T) {
	good := pin("with-inputs", withInputs)
	good.Version = 3
	other := pin("find-and-deactivate", findAndDeactivate)
	for _, tc := range []struct {
		name string
		in   func(in *RunInput)
		want string
	}{
		{"no started_by", func(in *RunInput) { in.Options.StartedBy = "" },
			"run refused: options.started_by is required: set options.started_by to who starts the run"},
		{"blank started_by", func(in *RunInput) { in.Options.StartedBy = " \t" },
			"run refused: options.started_by is required"},
		{"wrong sha256", func(in *RunInput) { in.Playbook.SHA256 = "deadbeef" },
			`run refused: playbook with-inputs: pinned sha256 "deadbeef" does not match its source (sha256 ` + good.SHA256 + `)`},
		{"wrong name", func(in *RunInput) { in.Playbook.Name = "health-check" },
			"run refused: playbook: pinned as health-check v3, but its source declares with-inputs v3"},
		{"wrong version", func(in *RunInput) { in.Playbook.Version = 99 },
			"run refused: playbook: pinned as with-inputs v99, but its source declares with-inputs v3"},
		{"library key differs from its name", func(in *RunInput) { in.Library = map[string]Pinned{"other": other} },
			`run refused: library entry "other" pins playbook "find-and-deactivate"; the key must be the playbook's name`},
		{"library sha256 forged", func(in *RunInput) {
			o := other
			o.SHA256 = "00"
			in.Library = map[string]Pinned{o.Name: o}
		}, `run refused: library playbook find-and-deactivate find-and-deactivate: pinned sha256 "00" does not match its source`},
		{"missing required input", func(in *RunInput) { in.Inputs = nil },
			"run refused: inputs of playbook with-inputs: input login is required"},
		{"number for a string", func(in *RunInput) { in.Inputs["window"] = 24 },
			"run refused: inputs of playbook with-inputs: input window: 24 is a number, not a string"},
		{"not an allowed value", func(in *RunInput) { in.Inputs["mode"] = "delete" },
			`run refused: inputs of playbook with-inputs: input mode: "delete" is not one of the allowed values`},
		{"undeclared input", func(in *RunInput) { in.Inputs["modes"] = "reset" },
			`run refused: inputs of playbook with-inputs: input modes is not declared by playbook with-inputs; did you mean "mode"?`},
		{"a root run claiming parents", func(in *RunInput) { in.MaxDepth = 1000 },
			"run refused: chain and max_depth are set by a parent run for its children"},
		{"a root run claiming a chain", func(in *RunInput) { in.Chain = []string{"x"} },
			"run refused: chain and max_depth are set by a parent run for its children"},
		{"resume on a fresh start", func(in *RunInput) {
			in.Resume = &Carry{Next: 1, Vars: map[string]any{"mode": "forged"}}
		}, "run refused: resume is only accepted from continue-as-new, and this run was started fresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			in := RunInput{Playbook: good, Inputs: map[string]any{"login": "jane@acme.test"},
				Options: RunOptions{StartedBy: "alice"}}
			tc.in(&in)
			st, err := h.runRaw(in)
			require.Error(t, err)
			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app))
			assert.Equal(t, ErrInvalidRunInput, app.Type())
			assert.True(t, app.NonRetryable())
			assert.Contains(t, app.Message(), tc.want)
			assert.Equal(t, RunFailed, st.Status)
			assert.Equal(t, app.Message(), st.Error)
			for _, s := range st.Steps {
				assert.Equal(t, playbook.StatusPending, s.Status, "no step ran")
			}
			for _, a := range h.reg.All() {
				assert.Empty(t, h.okta.callsTo(a.Name), "no Okta call")
			}
		})
	}
}

func TestRunContractAppliesInputDeclarations(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 3, 18, 9, 30, 0, 0, time.UTC)
	h.env.SetStartTime(start)
	p := pin("with-inputs", withInputs)
	p.Version = 3
	st, err := h.runRaw(RunInput{Playbook: p, Inputs: map[string]any{"login": "jane@acme.test", "limit": "7"},
		Options: RunOptions{StartedBy: "svc-siem"}})
	require.NoError(t, err)
	assert.Equal(t, "deactivate", st.Outputs["mode"], "a default the caller left out is applied")
	assert.Equal(t, "24h", st.Outputs["window"])
	assert.EqualValues(t, 7, st.Outputs["limit"], "a string for a number is converted as on the command line")
	now, err := time.Parse(time.RFC3339Nano, st.Outputs["now"].(string))
	require.NoError(t, err)
	assert.False(t, now.Before(start), "now() is the run's clock, not the zero time: %s", now)
	assert.Equal(t, st.Outputs["now"], st.Outputs["run_now"])
}

func TestRunContractChildInheritsStarter(t *testing.T) {
	h := newHarness(t)
	h.okta.on(action.GetUsers, users("00u1"))
	parent := `
name: parent
version: 1
steps:
  - id: child
    playbook: find-and-deactivate
    with: {login: x}
`
	lib := map[string]Pinned{"find-and-deactivate": pin("find-and-deactivate", findAndDeactivate)}
	st, err := h.run(parent, RunInput{Library: lib, Options: RunOptions{StartedBy: "alice"}})
	require.NoError(t, err)
	assert.Equal(t, playbook.StatusSucceeded, stepOf(st, "child").Status)
	assert.Len(t, h.okta.callsTo(action.DeactivateUsers), 1)
}

func TestChildOnlyWorkflowsRefuseDirectStarts(t *testing.T) {
	h := newHarness(t)
	h.env.ExecuteWorkflow(ZoneWriteWorkflowName, ZoneWriteInput{Action: action.DeactivateUsers,
		Request: action.Request{Params: map[string]any{action.ParamUserIDs: []any{"00u1"}}}})
	require.Error(t, h.env.GetWorkflowError())
	assert.Contains(t, h.env.GetWorkflowError().Error(), "ZoneWriteWorkflow runs only as the child of a playbook run")
	assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))

	h = newHarness(t)
	h.env.ExecuteWorkflow(UndoWorkflowName, UndoInput{Step: "x", Action: action.ActivateUsers,
		Params: map[string]any{action.ParamUserIDs: []any{"00u1"}}})
	require.Error(t, h.env.GetWorkflowError())
	assert.Contains(t, h.env.GetWorkflowError().Error(), "UndoWorkflow runs only as the child of a playbook run")
	assert.Empty(t, h.okta.callsTo(action.ActivateUsers))
}

func TestIntakeRefusesHandedInState(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	Register(env, New(action.Okta()))
	env.ExecuteWorkflow(IntakeWorkflowName, IntakeInput{State: IntakeState{Cursors: map[string]string{"": "https://org/api/v1/logs?after=forged"}}})
	require.Error(t, env.GetWorkflowError())
	assert.Contains(t, env.GetWorkflowError().Error(), "state is only accepted from continue-as-new")
}
