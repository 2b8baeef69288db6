package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// The workflow side of issue 24: each path an attacker inside a SOC used
// to change what Cordon promises never to change, replayed through the
// public interfaces, with the simulated org checked afterwards.

// forgedCarry is a carry that resumes contain-compromised-user right
// after its approval, with the user already "found": what a client would
// hand in to skip the approval.
func forgedCarry(t *testing.T, userID, login string) map[string]any {
	t.Helper()
	file := filepath.Join("..", "..", "playbooks", "contain-compromised-user.yaml")
	pb, err := playbook.LoadFile(file, playbook.Options{Registry: action.Okta()})
	require.NoError(t, err)
	var steps []any
	next := -1
	var add func([]*playbook.Step)
	add = func(ss []*playbook.Step) {
		for _, s := range ss {
			steps = append(steps, map[string]any{"id": s.ID, "kind": string(s.Kind), "status": "pending"})
			add(s.Parallel)
		}
	}
	add(pb.Steps)
	for i, s := range pb.Steps {
		if s.ID == "suspend" {
			next = i
		}
	}
	require.Positive(t, next)
	return map[string]any{"next": next, "status": map[string]any{"status": "running", "steps": steps},
		"vars": map[string]any{"login": login, "user": map[string]any{"id": userID, "profile": map[string]any{"login": login}}}}
}

// closeEvent waits for a run's close event and returns the run's error
// (from its status query, which a closed run answers) and the run that
// follows it ("" for none).
func closeEvent(t *testing.T, c client.Client, id, runID string) (msg, next string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, id, runID, true, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	require.True(t, it.HasNext(), "run %s closes", runID)
	ev, err := it.Next()
	require.NoError(t, err)
	// A cron run that fails closes as continued-as-new into the next
	// scheduled run.
	if can := ev.GetWorkflowExecutionContinuedAsNewEventAttributes(); can != nil {
		next = can.GetNewExecutionRunId()
	} else {
		attrs := ev.GetWorkflowExecutionFailedEventAttributes()
		require.NotNil(t, attrs, "run %s failed, got %s", runID, ev.GetEventType())
		next = attrs.GetNewExecutionRunId()
	}
	v, err := c.QueryWorkflow(ctx, id, runID, workflows.QueryStatus)
	require.NoError(t, err)
	var st workflows.RunStatus
	require.NoError(t, v.Get(&st))
	assert.Equal(t, workflows.RunFailed, st.Status)
	for _, step := range st.Steps {
		assert.Equal(t, playbook.StatusPending, step.Status, "step %s never ran", step.ID)
	}
	return st.Error, next
}

// TestAdversarialCronResume: a cron start carrying a forged resume no
// longer resumes after the approval. Both the first run (no continuation
// at all) and the second (continued by the cron, not by Cordon) are
// refused before any step, and the user stays active. A retry policy is
// refused the same way.
func TestAdversarialCronResume(t *testing.T) {
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	input := map[string]any{"playbook": rawPin(t, "contain-compromised-user"), "inputs": map[string]any{"login": u.Login},
		"options": map[string]any{"started_by": "siem-integration"}, "resume": forgedCarry(t, u.ID, u.Login)}
	before := len(s.sim.Sim().Requests())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := fmt.Sprintf("adv-cron-%d", time.Now().UnixNano())
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue, CronSchedule: "@every 2s"},
		workflows.PlaybookWorkflowName, input)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.client.TerminateWorkflow(context.Background(), id, "", "test over") })

	msg, next := closeEvent(t, s.client, id, run.GetRunID())
	assert.Contains(t, msg, "run refused: resume is only accepted from continue-as-new")
	require.NotEmpty(t, next, "the cron starts a second run")
	msg, _ = closeEvent(t, s.client, id, next)
	assert.Contains(t, msg, `run refused: PlaybookWorkflow does not run on a cron schedule (cron_schedule "@every 2s")`)
	assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status, "nobody approved a suspension")
	assert.Len(t, s.sim.Sim().Requests(), before, "no Okta call was made")

	delete(input, "resume")
	retried, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id + "-retry", TaskQueue: workflows.TaskQueue,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}}, workflows.PlaybookWorkflowName, input)
	require.NoError(t, err)
	assert.Contains(t, refusedWith(t, retried), "run refused: PlaybookWorkflow is started without a retry policy")
	assert.Equal(t, "ACTIVE", s.user(t, u.ID).Status)
}

const bindingPlaybook = `name: adv-bind
version: 1
inputs:
  shown: {type: string, required: true}
  other: {type: string, required: true}
steps:
  - id: approve
    approval: {message: "Suspend the user shown?"}
  - id: shown
    action: okta.suspend_users
    with: {user_ids: ["${{ inputs.shown }}"]}
`

// TestAdversarialApprovalBinding: a destructive step after an approval,
// in a foreach, a parallel branch or behind an if: that turns true later,
// acts only on the targets the approver was shown. Each run shows one
// user, suspends that one, and fails before touching the other.
func TestAdversarialApprovalBinding(t *testing.T) {
	s := getStackAlone(t)
	for _, tc := range []struct{ name, steps, failing string }{
		{"foreach", `
  - id: pick
    set: {ids: ["${{ inputs.shown }}", "${{ inputs.other }}"]}
  - id: each
    foreach: ${{ vars.ids }}
    concurrency: 1
    action: okta.suspend_users
    with: {user_ids: ["${{ item }}"]}
`, "each"},
		{"parallel branch", `
  - id: pick
    set: {who: "${{ inputs.other }}"}
  - id: both
    parallel:
      - id: sessions
        action: okta.clear_user_sessions
        with: {user_ids: ["${{ inputs.shown }}"]}
      - id: sneak
        action: okta.suspend_users
        with: {user_ids: ["${{ vars.who }}"]}
`, "sneak"},
		{"if true later", `
  - id: flip
    set: {go: true}
  - id: late
    if: ${{ vars.go == true }}
    action: okta.suspend_users
    with: {user_ids: ["${{ inputs.other }}"]}
`, "late"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			us := s.takeUsers(t, 2)
			shown, other := us[0], us[1]
			pb, err := playbook.Load("adv-bind.yaml", []byte(bindingPlaybook+tc.steps), playbook.Options{Registry: s.reg})
			require.NoError(t, err)
			id := s.start(t, runs.Request{Playbook: pb, ID: fmt.Sprintf("adv-bind-%d", time.Now().UnixNano()),
				Inputs: map[string]any{"shown": shown.ID, "other": other.ID}})
			s.approve(t, id, false, func(p workflows.PendingApproval) {
				assert.Equal(t, []string{shown.ID}, p.Targets, "the approver is shown one user")
			})
			st := s.wait(t, id)
			require.Equal(t, workflows.RunFailed, st.Status)
			assert.Contains(t, st.Error, fmt.Sprintf("step %s: targets [%s] were not shown to the approver of step approve; nothing was changed by this step", tc.failing, other.ID))
			assert.Equal(t, "SUSPENDED", s.user(t, shown.ID).Status)
			assert.Equal(t, "ACTIVE", s.user(t, other.ID).Status, "the user nobody was shown is untouched")
		})
	}
}

// TestAdversarialForeachMaxTargets: a foreach over 8 users with
// max_targets 5 acts on at most 5 and stops before the write that would
// pass the limit, one item at a time or eight at once.
func TestAdversarialForeachMaxTargets(t *testing.T) {
	s := getStackAlone(t)
	for _, concurrency := range []int{1, 8} {
		t.Run(fmt.Sprintf("concurrency %d", concurrency), func(t *testing.T) {
			us := s.takeUsers(t, 8)
			var ids []any
			for _, u := range us {
				ids = append(ids, u.ID)
			}
			src := fmt.Sprintf(`name: adv-foreach
version: 1
inputs:
  users: {type: list, required: true}
steps:
  - id: each
    foreach: ${{ inputs.users }}
    concurrency: %d
    max_targets: 5
    action: okta.suspend_users
    with: {user_ids: ["${{ item }}"]}
`, concurrency)
			st := s.runSource(t, "adv-foreach", src, runs.Request{Inputs: map[string]any{"users": ids}})
			require.Equal(t, workflows.RunFailed, st.Status)
			assert.Contains(t, st.Error, "would bring the step to 6 distinct targets, above the limit of 5 (guardrails.max_targets); this item was not run")
			suspended := 0
			for i, u := range us {
				if s.user(t, u.ID).Status == "SUSPENDED" {
					suspended++
					if concurrency == 1 {
						assert.Less(t, i, 5, "only the first five items ran")
					}
				}
			}
			if concurrency == 1 {
				assert.Equal(t, 5, suspended)
			}
			assert.LessOrEqual(t, suspended, 5, "never more than max_targets")
		})
	}
}

// TestAdversarialExpressionBlowUp: eight nested replace() calls fail
// their step with the expression's position instead of building a
// billion characters, and the worker goes on running playbooks.
func TestAdversarialExpressionBlowUp(t *testing.T) {
	s := getStackAlone(t)
	e := `"ab"`
	for range 8 {
		e = `replace(` + e + `, "", "xxxxxxxxxxxxxxxxxx")`
	}
	src := "name: adv-blowup\nversion: 1\nsteps:\n  - id: grow\n    set:\n      v: ${{ " + e + " }}\n"
	st := s.runSource(t, "adv-blowup", src, runs.Request{})
	require.Equal(t, workflows.RunFailed, st.Status)
	assert.Contains(t, st.Error, "adv-blowup.yaml:6:14: ${{ replace(")
	assert.Contains(t, st.Error, "replace() builds a value of more than 33554432 bytes")

	ok := s.runSource(t, "adv-after", "name: adv-after\nversion: 1\nsteps:\n  - id: s\n    set:\n      v: ${{ replace('abc', 'b', 'x') }}\noutputs:\n  v: ${{ vars.v }}\n", runs.Request{})
	require.Equal(t, workflows.RunSucceeded, ok.Status, ok.Error)
	assert.Equal(t, "axc", ok.Outputs["v"])
}

const sealedPlaybook = `name: adv-sealed
version: 1
inputs:
  user: {type: string, required: true}
  marker: {type: string, required: true}
  fail: {type: boolean, default: false}
steps:
  - id: note
    set: {marker: "${{ inputs.marker }}"}
  - id: expire
    if: ${{ inputs.fail }}
    action: okta.expire_passwords
    with: {user_ids: ["${{ inputs.user }}"], temp_password: true}
  - id: stop
    if: ${{ inputs.fail }}
    fail: "stopped: ${{ inputs.marker }}"
outputs:
  marker: ${{ vars.marker }}
`

// TestAdversarialFailureDetailsSealed: with payload keys, neither a failed
// run (its failure message, and its details: every step's output, a
// temp_password included) nor a succeeded one leaves plain text in
// Temporal's SQLite files or the payload store. The control stack
// without keys shows the grep finds them.
func TestAdversarialFailureDetailsSealed(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	crypt := newTestCodec(t)
	run := func(t *testing.T, sealed bool) (files [][]byte, markers []string) {
		dir := t.TempDir()
		so := stackOptions{dataFile: filepath.Join(dir, "temporal.db")}
		if sealed {
			so.crypt = crypt
		}
		s, stop := newStackWith(t, simDemo(), so)
		defer stop()
		u := s.takeUsers(t, 1)[0]
		failMarker := fmt.Sprintf("fail-marker-%d", time.Now().UnixNano())
		st := s.runSource(t, "adv-sealed", sealedPlaybook, runs.Request{Inputs: map[string]any{"user": u.ID, "marker": failMarker, "fail": true}})
		require.Equal(t, workflows.RunFailed, st.Status)
		assert.Contains(t, st.Error, "stopped: "+failMarker, "the client with the key reads the failure")
		pw := findString(stepOf(st, "expire").Output, "temp_password")
		require.NotEmpty(t, pw, "the failed run's details hold the temporary password")
		okMarker := fmt.Sprintf("ok-marker-%d", time.Now().UnixNano())
		ok := s.runSource(t, "adv-sealed", sealedPlaybook, runs.Request{Inputs: map[string]any{"user": u.ID, "marker": okMarker}})
		require.Equal(t, workflows.RunSucceeded, ok.Status, ok.Error)
		for _, root := range []string{dir, s.store.Dir} {
			require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
				if err != nil || info.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				files = append(files, b)
				return err
			}))
		}
		return files, []string{failMarker, pw, okMarker}
	}
	found := func(files [][]byte, s string) bool {
		for _, f := range files {
			if strings.Contains(string(f), s) {
				return true
			}
		}
		return false
	}
	plain, markers := run(t, false)
	for _, m := range markers {
		require.True(t, found(plain, m), "control: without keys %q is in the database", m)
	}
	sealed, markers := run(t, true)
	for _, m := range markers {
		assert.False(t, found(sealed, m), "no plain %q in the database or the payload store", m)
	}
}

// findString returns the first string value under key anywhere in v.
func findString(v any, key string) string {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x[key].(string); ok && s != "" {
			return s
		}
		for _, e := range x {
			if s := findString(e, key); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range x {
			if s := findString(e, key); s != "" {
				return s
			}
		}
	}
	return ""
}

// newTestCodec is a payload codec with a fresh random key.
func newTestCodec(t *testing.T) *payloadcrypt.Codec {
	t.Helper()
	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	c, err := payloadcrypt.New([]payloadcrypt.Key{{ID: "adv-1", Bytes: k}})
	require.NoError(t, err)
	return c
}

func simDemo() oktasim.Options { return oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo} }
