package playbook

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cordonsec/cordon/action"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileInput: inputs that would make the parser or the checks
// explode are refused with a positioned error instead.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	var laughs strings.Builder
	laughs.WriteString("name: x\nsteps:\n  - id: a\n    set:\n      l0: &l0 [a, b]\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&laughs, "      l%d: &l%d [*l%d, *l%d]\n", i, i, i-1, i-1)
	}
	tests := []struct{ name, src, want string }{
		{"deep flow nesting", "name: x\nsteps: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", "h.yaml:2:71: nesting deeper than 64 levels"},
		{"alias expansion", laughs.String(), "aliases expand to more than 10000 values"},
		{"huge file", "name: x\ndescription: " + strings.Repeat("x", maxSize) + "\n", "file is larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load("h.yaml", []byte(tc.src), Options{Registry: action.Okta()})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
