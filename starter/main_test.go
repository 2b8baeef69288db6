package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/cli"
)

func runCordon(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = newApp().Run(t.Context(), args, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCordon(t, "version")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "cordon dev"), out)
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCordon(t, "help")
	require.Equal(t, 0, code)
	for _, c := range commands() {
		require.Contains(t, out, "\n  "+c.Name+" ", "help lists %s", c.Name)
	}
}

func TestBadArgumentsExit2WithUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no command":      nil,
		"unknown command": {"frobnicate"},
		"extra argument":  {"version", "extra"},
		"unknown flag":    {"version", "--nope"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCordon(t, args...)
			require.Equal(t, 2, code)
			require.Empty(t, out)
			require.Contains(t, errOut, "Usage:")
		})
	}
}

func TestListDryRunFlagWantsABool(t *testing.T) {
	code, out, errOut := runCordon(t, "list", "--dry-run=maybe")
	require.Equal(t, 2, code)
	require.Empty(t, out)
	require.Contains(t, errOut, `invalid boolean value "maybe" for -dry-run: want true or false`)
}
