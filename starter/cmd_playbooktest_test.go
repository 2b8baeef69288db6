package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCordonTestCommand(t *testing.T) {
	code, out, _ := runCordon(t, "test", "../playbooks/health-check.test.yaml")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "ok   ../playbooks/health-check.test.yaml: passes as the token owner (")
	assert.Contains(t, out, "2 passed, 0 failed\n")

	code, out, _ = runCordon(t, "test", "../playbooks/", "--run", "health-check/passes", "--json")
	require.Equal(t, 0, code, out)
	var rep struct {
		Results []struct {
			Case   string `json:"case"`
			Passed bool   `json:"passed"`
		} `json:"results"`
		Passed int `json:"passed"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 1, rep.Passed)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, "passes as the token owner", rep.Results[0].Case)

	code, out, _ = runCordon(t, "test", "../internal/pbtest/testdata/behaviour.test.yaml", "--playbooks", "../playbooks", "--run", "wrong target")
	assert.Equal(t, 1, code, "a failing case exits 1")
	assert.Contains(t, out, "FAIL ../internal/pbtest/testdata/behaviour.test.yaml: wrong target")
	assert.Contains(t, out, "0 passed, 1 failed\n")

	code, out, _ = runCordon(t, "test", "../internal/pbtest/testdata/bad.test.yaml", "--playbooks", "../playbooks")
	assert.Equal(t, 1, code, "a test file with errors exits 1")
	assert.Contains(t, out, `bad.test.yaml:6:10: no step "approve_suspnd"`)

	code, _, errOut := runCordon(t, "test", "no-such-dir")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no-such-dir")
	code, _, _ = runCordon(t, "test", "../playbooks", "--run", "(")
	assert.Equal(t, 2, code, "a bad --run is a usage error")
}

func TestValidateChecksTestFiles(t *testing.T) {
	code, out, _ := runCordon(t, "validate", "../playbooks/health-check.yaml", "../playbooks/health-check.test.yaml")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "../playbooks/health-check.test.yaml: ok\n")
	code, out, _ = runCordon(t, "validate", "../internal/pbtest/testdata/unknownkey.test.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `unknown field "expct" [unknown-key]`)
}
