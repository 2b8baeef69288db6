package workflows

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
)

// TestRunContractRefusesForeignOrigins: carried state only from Cordon's
// own continue-as-new. The test environment sets no cron schedule or
// retry policy on a top-level run; internal/e2e starts those with a raw
// client (adversarial_workflow_test.go).
func TestRunContractRefusesForeignOrigins(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(h *harness, in *RunInput)
		want string
	}{
		{"carry from another run", func(h *harness, in *RunInput) {
			h.env.SetContinuedExecutionRunID("previous-run")
			in.Resume = &Carry{From: "forged-run", Next: 1}
		}, "run refused: resume was not handed over by the run this one continues (previous-run)"},
		{"carry naming no run", func(h *harness, in *RunInput) {
			h.env.SetContinuedExecutionRunID("previous-run")
			in.Resume = &Carry{Next: 1}
		}, "run refused: resume was not handed over by the run this one continues"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.okta.on(action.GetUsers, users("00u1"))
			in := RunInput{Playbook: pin("find-and-deactivate", findAndDeactivate),
				Inputs: map[string]any{"login": "x"}, Options: RunOptions{StartedBy: "alice"}}
			tc.set(h, &in)
			st, err := h.runRaw(in)
			require.Error(t, err)
			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app))
			assert.Equal(t, ErrInvalidRunInput, app.Type())
			assert.Contains(t, app.Message(), tc.want)
			assert.Equal(t, RunFailed, st.Status)
			assert.Empty(t, h.okta.callsTo(action.GetUsers))
			assert.Empty(t, h.okta.callsTo(action.DeactivateUsers))
		})
	}
}
