package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// These tests start PlaybookWorkflow the way an integrator's Temporal
// client in another language does (docs/integrations.md): a JSON-shaped
// input built by hand, no search attributes, nothing from internal/runs.
// Whatever the starter leaves out or makes up, the workflow must give the
// run the same guarantees as cordon run.

// rawPin is the JSON shape of a pinned library playbook.
func rawPin(t *testing.T, name string) map[string]any {
	t.Helper()
	file := filepath.Join("..", "..", "playbooks", name+".yaml")
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	pb, err := playbook.Load(file, src, playbook.Options{Registry: action.Okta()})
	require.NoError(t, err)
	sum := sha256.Sum256(src)
	return map[string]any{"name": name, "version": pb.Version, "sha256": hex.EncodeToString(sum[:]), "file": file, "source": string(src)}
}

// rawStart starts PlaybookWorkflow with input as given.
func (s *stack) rawStart(t *testing.T, prefix string, input map[string]any) client.WorkflowRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()), TaskQueue: workflows.TaskQueue,
	}, workflows.PlaybookWorkflowName, input)
	require.NoError(t, err)
	return run
}

// refusedWith waits for a run that its contract refuses and returns the
// failure's message after checking its type and status.
func refusedWith(t *testing.T, run client.WorkflowRun) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := run.Get(ctx, nil)
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "an application error, got %v", err)
	assert.Equal(t, workflows.ErrInvalidRunInput, app.Type())
	var st workflows.RunStatus
	require.NoError(t, app.Details(&st))
	assert.Equal(t, workflows.RunFailed, st.Status)
	for _, step := range st.Steps {
		assert.Equal(t, playbook.StatusPending, step.Status, "step %s never ran", step.ID)
	}
	return app.Message()
}

func TestRawClientRunsGetTheRunContract(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	ccu := rawPin(t, "contain-compromised-user")
	inv := rawPin(t, "investigate-user")
	opts := map[string]any{"started_by": "siem-integration"}

	for _, tc := range []struct {
		name  string
		input map[string]any
		want  string
	}{
		{"no started_by", map[string]any{"playbook": ccu, "inputs": map[string]any{"login": u.Login}, "options": map[string]any{}},
			"run refused: options.started_by is required"},
		{"ill-typed input", map[string]any{"playbook": inv, "inputs": map[string]any{"login": u.Login, "log_window": 24}, "options": opts},
			"run refused: inputs of playbook investigate-user: input log_window: 24 is a number, not a string"},
		{"undeclared input", map[string]any{"playbook": ccu, "inputs": map[string]any{"login": u.Login, "modus": "reset"}, "options": opts},
			"run refused: inputs of playbook contain-compromised-user: input modus is not declared by playbook contain-compromised-user"},
		{"not an allowed value", map[string]any{"playbook": ccu, "inputs": map[string]any{"login": u.Login, "mode": "delete"}, "options": opts},
			`run refused: inputs of playbook contain-compromised-user: input mode: "delete" is not one of the allowed values`},
		{"wrong sha256", map[string]any{"playbook": with(ccu, "sha256", "deadbeef"), "inputs": map[string]any{"login": u.Login}, "options": opts},
			`run refused: playbook contain-compromised-user: pinned sha256 "deadbeef" does not match its source`},
		{"another playbook's name", map[string]any{"playbook": with(with(inv, "name", "health-check"), "version", 99), "options": opts},
			"run refused: playbook: pinned as health-check v99, but its source declares investigate-user v"},
		{"resume on a fresh start", map[string]any{"playbook": ccu, "inputs": map[string]any{"login": u.Login}, "options": opts,
			"resume": map[string]any{"next": 6, "vars": map[string]any{"approved": true}, "status": map[string]any{"status": "running"}}},
			"run refused: resume is only accepted from continue-as-new, and this run was started fresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.sim.Sim().Requests())
			msg := refusedWith(t, s.rawStart(t, "raw-refused", tc.input))
			assert.Contains(t, msg, tc.want)
			assert.Len(t, s.sim.Sim().Requests(), before, "no Okta call was made")
			assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status)
		})
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

func TestRawClientRunAppliesDefaultsAndIsFindable(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	alertID := fmt.Sprintf("TS-%d", time.Now().UnixNano())
	// No mode: the playbook's default (suspend) applies, as with cordon run.
	run := s.rawStart(t, "raw-ccu", map[string]any{
		"playbook": rawPin(t, "contain-compromised-user"),
		"inputs":   map[string]any{"login": u.Login},
		"alert":    map[string]any{"id": alertID, "reason": "raw client"},
		"options":  map[string]any{"started_by": "Mallory"},
	})
	id := run.GetID()

	// The workflow tags itself: the run is found by playbook and alert id.
	query := fmt.Sprintf(`CordonPlaybook = "contain-compromised-user" AND CordonAlertID = %q AND CordonDryRun = false`, alertID)
	require.Eventually(t, func() bool {
		resp, err := s.client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		return err == nil && len(resp.Executions) == 1 && resp.Executions[0].Execution.WorkflowId == id
	}, 30*time.Second, 50*time.Millisecond, "the run to be listed by its search attributes")

	// Four eyes: the starter may not approve, however the name is spelled.
	s.awaitApproval(t, id)
	for _, as := range []string{"Mallory", "mallory", "MALLORY", " mallory ", "mallory\n"} {
		_, err := runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: as})
		var refused *runs.RefusedError
		require.True(t, errors.As(err, &refused), "%q: refused, got %v", as, err)
		assert.Contains(t, err.Error(), "started this run and may not approve it")
	}
	assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status, "self-approval changed nothing")

	rec, err := runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: "lead"})
	require.NoError(t, err)
	assert.Equal(t, playbook.Approved, rec.Decision)
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, "SUSPENDED", s.user(t, u.ID).Status, "the default mode suspended the user")
}
