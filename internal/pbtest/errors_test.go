package pbtest

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const library = "../../playbooks"

func loadErr(t *testing.T, name string) string {
	t.Helper()
	_, err := Load(filepath.Join("testdata", name), library)
	require.Error(t, err)
	return err.Error()
}

func TestFileErrors(t *testing.T) {
	t.Parallel()
	assert.Equal(t, strings.Join([]string{
		`testdata/bad.test.yaml:6:10: no step "approve_suspnd" in contain-compromised-user; did you mean "approve_suspend"? [unknown-step]`,
		`testdata/bad.test.yaml:8:15: no step "suspnd" in contain-compromised-user; did you mean "suspend"? [unknown-step]`,
		`testdata/bad.test.yaml:9:17: contain-compromised-user has no output "did_it" (outputs: user_id, login, status_before, action, contained, outcome, did, sessions_cleared, factors_reset, groups, apps, recent_events, failed_signins, source_ips, countries); did you mean "did"? [reference]`,
	}, "\n"), loadErr(t, "bad.test.yaml"))
	assert.Contains(t, loadErr(t, "syntax.test.yaml"), "testdata/syntax.test.yaml:4:")
	assert.Contains(t, loadErr(t, "syntax.test.yaml"), "[syntax]")
	assert.Equal(t, `testdata/unknown.test.yaml:1:1: no playbook "no-such-playbook" in ../../playbooks [unknown-playbook]`, loadErr(t, "unknown.test.yaml"))
	assert.Contains(t, loadErr(t, "unknownkey.test.yaml"), `testdata/unknownkey.test.yaml:4:5: unknown field "expct" [unknown-key]`)
}

// TestCasesFail: a hang names the waiting step, a wrong target is caught
// with a readable diff, and a refused decision is reported.
func TestCasesFail(t *testing.T) {
	t.Parallel()
	rep := Run([]string{filepath.Join("testdata", "behaviour.test.yaml")}, Options{Library: library}, nil)
	require.Len(t, rep.Results, 3)
	assert.False(t, rep.OK())
	var out bytes.Buffer
	for _, r := range rep.Results {
		assert.False(t, r.Passed, r.Case)
		WriteResult(&out, r)
	}
	text := out.String()
	assert.Contains(t, text, "timed out: step approve_suspend waits for an approval the case does not give")
	assert.Contains(t, text, "user jane.doe@acme.com: want SUSPENDED, got ACTIVE")
	assert.Contains(t, text, "user kim.park@acme.com changed, and the case names it under neither users: nor zones: (status ACTIVE -> SUSPENDED")
	assert.Contains(t, text, "the run refused: approve_suspend by lead:")
}
