package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/workflows"
)

// walk runs README commands with the built cordon binary from the
// repository root, as a newcomer types them, against one dev stack.
type walk struct {
	t      *testing.T
	s      *stack
	readme string
}

// cordon runs "go run ./starter ARGS" as the README shows it (the check
// that the README shows it is the caller's, with shows).
func (w *walk) cordon(args ...string) (string, string, int) {
	w.t.Helper()
	cmd := exec.Command(cordonCLI(w.t), args...)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+w.s.srv.FrontendAddr(), "TEMPORAL_NAMESPACE=default",
		"CORDON_PLAYBOOKS=playbooks", payloadstore.EnvStore+"="+w.s.store.Kind, payloadstore.EnvDir+"="+w.s.store.Dir,
		// cordon list --target LOGIN resolves logins in the dev stack's
		// simulated org; this stack's is on its own port.
		"CORDON_SIM_URL="+w.s.sim.URL(), "CORDON_SIM_TOKEN="+simToken, "OKTA_ORG_URL=", "OKTA_CLIENT_ORGURL=",
		"CORDON_TOKEN_FILE="+filepath.Join(w.t.TempDir(), "token.json"), "USER=analyst")
	var stdout, stderr testutil.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(w.t, err)
	}
	return stdout.String(), stderr.String(), code
}

// shows fails unless the README shows this command (line breaks in the
// README's prose count as spaces), so the test walks what is written.
func (w *walk) shows(command string) {
	w.t.Helper()
	assert.Contains(w.t, w.readme, command, "the README no longer shows this command; update the walkthrough test with it")
}

// TestREADMEWalkthrough follows the README's walkthrough in order: the
// demo run, its status, the decision, the report, then each "Then try"
// command and cordon test, all through the cordon binary on a fresh dev
// stack (embedded Temporal, the worker, the demo org).
func TestREADMEWalkthrough(t *testing.T) {
	parallelLong(t) // its own stack: nothing shared with the other tests
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo})
	t.Cleanup(stop)
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	w := &walk{t: t, s: s, readme: strings.Join(strings.Fields(string(raw)), " ")}
	const id = "contain-compromised-user-OKTA-TI-20240318-0001"
	w.shows("The run is named after the alert: `" + id + "`")

	// make run's demo run; "the same run by hand".
	w.shows("go run ./starter run contain-compromised-user --alert testdata/alerts/contain-compromised-user.json")
	out, errOut, code := w.cordon("run", "contain-compromised-user", "--alert", "testdata/alerts/contain-compromised-user.json")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, id+"\n", out)
	// Typed again (after make run already started it): nothing starts, exit 2.
	out, errOut, code = w.cordon("run", "contain-compromised-user", "--alert", "testdata/alerts/contain-compromised-user.json")
	assert.Equal(t, 2, code, "a duplicate alert starts nothing: exit 2, as the README's command table says")
	assert.Equal(t, id+"\n", out)
	assert.Contains(t, errOut, "a run for this alert already exists: "+id)
	w.shows("2 nothing started: bad input, or a run for this alert already exists")

	// 3. Approval: status shows the pending request and the command that decides it.
	s.awaitApproval(t, id)
	w.shows("`go run ./starter status <id>` shows the pending request")
	out, errOut, code = w.cordon("status", id)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "waiting_approval", "status says what cordon list says")
	assert.NotContains(t, out, "running")
	assert.Contains(t, out, "Suspend, sign out and reset the MFA factors of jane.doe@acme.com (00ujan3D0eAcmeU5r0x7, ACTIVE)? Reason: Impossible travel")
	hint := "decide: cordon approve " + id + " --step approve_suspend --as NAME"
	assert.Contains(t, out, hint, "the dev stack's decide command")
	out, errOut, code = w.cordon("list", "--status", "waiting_approval")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, regexp.MustCompile(regexp.QuoteMeta(id)+`\s+contain-compromised-user\s+waiting_approval\s+\S+ \S+\s+0 \(1 awaiting approval\)`), out)

	// 4. Decide.
	w.shows(`go run ./starter approve <id> --as lead --comment "confirmed with the user"`)
	out, errOut, code = w.cordon("approve", id, "--as", "lead", "--comment", "confirmed with the user")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, id+" approved by lead\n", out)

	// 5. Contain: Jane is SUSPENDED. 6. Report.
	st := s.wait(t, id)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, "SUSPENDED", s.user(t, oktasim.DemoActiveUserID).Status)
	w.shows("Jane is now SUSPENDED in the simulated org")
	out, errOut, code = w.cordon("status", id)
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{"did", "contained", "suspended", "Engineering", "102.89.34.12"} {
		assert.Contains(t, out, want)
	}
	out, errOut, code = w.cordon("list", "--target", oktasim.DemoActiveUserLogin)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, id, "cordon list --target takes a login")

	// Then try: a plan of block-malicious-ips writes nothing.
	w.shows("go run ./starter plan block-malicious-ips --alert testdata/alerts/block-malicious-ips.json")
	zoneBefore, _ := s.sim.Sim().Zone(oktasim.DemoBlockedIPZoneID)
	out, errOut, code = w.cordon("plan", "block-malicious-ips", "--alert", "testdata/alerts/block-malicious-ips.json")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "185.220.101.47")
	zoneAfter, _ := s.sim.Sim().Zone(oktasim.DemoBlockedIPZoneID)
	assert.Equal(t, zoneBefore.Gateways, zoneAfter.Gateways, "a plan changes nothing")

	w.shows("run investigate-user --alert testdata/alerts/investigate-user.json --wait")
	out, errOut, code = w.cordon("run", "investigate-user", "--alert", "testdata/alerts/investigate-user.json", "--wait", "--output", "json")
	require.Equal(t, 0, code, errOut)
	var inv workflows.RunStatus
	require.NoError(t, json.Unmarshal([]byte(out), &inv))
	assert.Contains(t, inv.Outputs["summary"], "jane.doe@acme.com")

	// After the demo suspended Jane, session-hijack-response still succeeds.
	w.shows("run session-hijack-response --alert testdata/alerts/session-hijack-response.json --wait")
	out, errOut, code = w.cordon("run", "session-hijack-response", "--alert", "testdata/alerts/session-hijack-response.json", "--wait", "--output", "json")
	require.Equal(t, 0, code, errOut)
	var hijack workflows.RunStatus
	require.NoError(t, json.Unmarshal([]byte(out), &hijack))
	assert.Equal(t, workflows.RunSucceeded, hijack.Status, hijack.Error)
	note, _ := hijack.Outputs["notification"].(map[string]any)
	assert.Contains(t, note["text"], "password kept (the account is SUSPENDED")

	// brute-force-response blocks the spraying IP and asks before resetting
	// more than 25 users.
	w.shows("run brute-force-response --alert testdata/alerts/brute-force-response.json")
	out, errOut, code = w.cordon("run", "brute-force-response", "--alert", "testdata/alerts/brute-force-response.json")
	require.Equal(t, 0, code, errOut)
	bf := strings.TrimSpace(out)
	pending := s.awaitApproval(t, bf)
	assert.Equal(t, "reset-limit", pending.Step)
	out, errOut, code = w.cordon("status", bf)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "decide: cordon approve "+bf+" --step reset-limit --as NAME")
	_, errOut, code = w.cordon("approve", bf, "--step", "reset-limit", "--as", "lead")
	require.Equal(t, 0, code, errOut)
	st = s.wait(t, bf)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	zone, _ := s.sim.Sim().Zone(oktasim.DemoBlockedIPZoneID)
	assert.Contains(t, zone.Gateways, oktasim.DemoAttackerIP+"/32")

	// Finally, the playbooks' own tests.
	w.shows("`go run ./starter test` runs the playbooks' own tests")
	out, errOut, code = w.cordon("test")
	require.Equal(t, 0, code, out+errOut)
	assert.Regexp(t, `\d+ passed, 0 failed\n$`, out)
}
