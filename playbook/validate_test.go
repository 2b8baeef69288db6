package playbook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/action"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	okFile := filepath.Join(fixtures, "ok", "design-example.yaml")
	bad := filepath.Join(fixtures, "err", "unknown-param.yaml")
	tests := []struct {
		name     string
		files    []string
		json     bool
		wantCode int
		want     []string
	}{
		{"valid", []string{okFile}, false, ExitValid, []string{okFile + ": ok"}},
		{"invalid text", []string{okFile, bad}, false, ExitInvalid, []string{"unknown-param.yaml:7:7: okta.get_users has no parameter \"limt\"", "  |       limt: 10\n  |       ^"}},
		{"no files", nil, false, ExitUsage, []string{"no playbook files"}},
		{"missing file", []string{"nope.yaml"}, false, ExitUsage, []string{"nope.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			assert.Equal(t, tc.wantCode, Validate(tc.files, testOptions(), &b, tc.json))
			for _, w := range tc.want {
				assert.Contains(t, b.String(), w)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	code := Validate([]string{filepath.Join(fixtures, "err", "missing-param.yaml")}, testOptions(), &b, true)
	assert.Equal(t, ExitInvalid, code)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(b.String()), &got))
	require.Len(t, got, 5)
	assert.Equal(t, map[string]any{"file": filepath.Join(fixtures, "err", "missing-param.yaml"), "line": float64(5), "col": float64(5),
		"message": "okta.block_ips needs parameter zone_id (string)", "kind": "missing-param"}, got[0])

	b.Reset()
	assert.Equal(t, ExitValid, Validate([]string{filepath.Join(fixtures, "ok", "triggers.yaml")}, testOptions(), &b, true))
	assert.Equal(t, "[]\n", b.String())
}

func TestLibraryLookups(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("child.yaml", "name: child\nsteps:\n  - {id: a, wait: 1s}\n")
	write("parent.yaml", "name: parent\nsteps:\n  - {id: c, playbook: child}\n  - {id: d, playbook: missing}\n")
	write("misnamed.yml", "name: other\nsteps:\n  - {id: a, wait: 1s}\n")
	lib := DirLibrary(dir)
	require.NotNil(t, lib)
	assert.True(t, lib("child"))
	assert.False(t, lib("missing"))
	assert.Nil(t, DirLibrary(filepath.Join(dir, "none")))

	path, err := Resolve("child", dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "child.yaml"), path)
	_, err = Resolve("nobody", dir)
	assert.Error(t, err)

	pbs, errs := LoadDir(dir, Options{Registry: action.Okta()})
	assert.Contains(t, pbs, "child")
	require.Len(t, errs, 2, "the library lookup of LoadDir is the directory itself")
	assert.Equal(t, CheckValue, errs[0].Kind, "file named after another playbook")
	assert.Equal(t, CheckUnknownPlaybook, errs[1].Kind)
}
