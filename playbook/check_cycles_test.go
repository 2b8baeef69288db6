package playbook

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
)

// TestCycles: chains of playbook: steps that come back to a playbook on
// the chain are errors with the chain, for validate and for the library
// load (the worker's and cordon serve's), whatever the shape.
func TestCycles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, steps string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".yaml"), []byte("name: "+name+"\nsteps:\n"+steps), 0o644))
	}
	write("self", "  - {id: again, playbook: self}\n")
	write("rec-a", "  - {id: note, wait: 1s}\n  - {id: to-b, playbook: rec-b}\n")
	write("rec-b", "  - {id: to-a, playbook: rec-a}\n")
	write("fan", "  - id: both\n    parallel:\n      - {id: x, playbook: fan-x}\n      - {id: y, playbook: fan-y}\n")
	write("fan-x", "  - {id: back, playbook: fan}\n")
	write("fan-y", "  - {id: back, playbook: fan}\n")
	write("entry", "  - {id: into, playbook: rec-a}\n")
	write("leaf", "  - {id: a, wait: 1s}\n")
	write("diamond", "  - {id: one, playbook: leaf}\n  - {id: two, playbook: leaf}\n")
	reg := action.Okta()
	opts := Options{Registry: reg, Library: DirLibrary(dir), Child: DirChild(dir, reg)}

	tests := []struct{ file, want string }{
		{"self", "self.yaml:3:27: playbook \"self\" calls itself [value]\n"},
		{"rec-a", "rec-a.yaml:4:6: playbook cycle rec-a -> rec-b -> rec-a: a run would start nested child runs without end [cycle]\n"},
		{"fan", "fan.yaml:5:10: playbook cycle fan -> fan-x -> fan: a run would start nested child runs without end [cycle]\n" +
			"fan.yaml:6:10: playbook cycle fan -> fan-y -> fan: a run would start nested child runs without end [cycle]\n"},
		{"entry", "entry.yaml:3:6: playbook cycle rec-a -> rec-b -> rec-a: a run would start nested child runs without end (reached through entry -> rec-a -> rec-b -> rec-a) [cycle]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var out bytes.Buffer
			code := Validate([]string{filepath.Join(dir, tc.file+".yaml")}, opts, &out, false)
			assert.Equal(t, ExitInvalid, code)
			var got bytes.Buffer
			_, err := LoadFile(filepath.Join(dir, tc.file+".yaml"), opts)
			list, ok := err.(ErrorList)
			require.True(t, ok, "%v", err)
			for _, e := range list {
				got.WriteString(filepath.Base(e.Error()) + "\n")
			}
			assert.Equal(t, tc.want, got.String())
			assert.Contains(t, out.String(), tc.want[len(tc.file)+12:len(tc.file)+40], "validate prints the same error")
		})
	}
	var out bytes.Buffer
	assert.Equal(t, ExitValid, Validate([]string{filepath.Join(dir, "diamond.yaml")}, opts, &out, false), out.String())

	pbs, errs := LoadDir(dir, Options{Registry: reg})
	assert.Contains(t, pbs, "diamond")
	assert.Contains(t, pbs, "leaf")
	for _, name := range []string{"self", "rec-a", "rec-b", "fan", "fan-x", "fan-y", "entry"} {
		assert.NotContains(t, pbs, name, "a playbook on a cycle is left out of the library")
	}
	require.Len(t, errs, 10, "each playbook on a cycle reports it")
	for _, e := range errs[:9] {
		assert.Equal(t, CheckCycle, e.Kind, e.Error())
	}
}

func TestMaxDepthBounds(t *testing.T) {
	t.Parallel()
	reg := action.Okta()
	pb, err := Load("d.yaml", []byte("name: d\nguardrails: {max_depth: 3}\nsteps:\n  - {id: a, wait: 1s}\n"), Options{Registry: reg})
	require.NoError(t, err)
	assert.Equal(t, 3, pb.Guardrails.MaxDepth)
	_, err = Load("d.yaml", []byte("name: d\nguardrails: {max_depth: 33}\nsteps:\n  - {id: a, wait: 1s}\n"), Options{Registry: reg})
	assert.EqualError(t, err, "d.yaml:2:25: guardrails.max_depth must be at most 32, got 33 [value]")
}
