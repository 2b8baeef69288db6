package cli_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/cli"
)

// got records what the test command's action saw.
type got struct {
	args   []string
	alert  string
	wait   bool
	inputs map[string]string
}

func testApp(g *got, actionErr error) *cli.App {
	app := &cli.App{Name: "cordon", Summary: "test app"}
	app.Register(cli.Command{
		Name: "run", Summary: "start a run", Usage: "PLAYBOOK [flags]",
		MinArgs: 1, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			alert := fs.String("alert", "", "alert `FILE`")
			wait := fs.Bool("wait", false, "wait for the run")
			var inputs cli.Strings
			fs.Var(&inputs, "input", "set an input `KEY=VALUE` (repeatable)")
			return func(_ context.Context, args []string, _ cli.Stdio) error {
				kv, err := inputs.KeyValues()
				if err != nil {
					return err
				}
				*g = got{args: args, alert: *alert, wait: *wait, inputs: kv}
				return actionErr
			}
		},
	})
	return app
}

func run(app *cli.App, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), args, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestFlagsAfterPositionalAndRepeated(t *testing.T) {
	var g got
	code, _, errOut := run(testApp(&g, nil),
		"run", "contain.yaml", "--alert", "a.json", "--input", "login=alice", "--wait", "--input", "reason=x=y")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, got{
		args: []string{"contain.yaml"}, alert: "a.json", wait: true,
		inputs: map[string]string{"login": "alice", "reason": "x=y"},
	}, g)
}

func TestDoubleDashEndsFlags(t *testing.T) {
	var g got
	code, _, errOut := run(testApp(&g, nil), "run", "--wait", "--", "--weird-name.yaml")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, []string{"--weird-name.yaml"}, g.args)
	require.True(t, g.wait)
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		actionErr error
		code      int
		stderr    string
	}{
		{"missing positional", []string{"run"}, nil, 2, "missing arguments (want 1)"},
		{"too many positionals", []string{"run", "a", "b"}, nil, 2, "too many arguments"},
		{"unknown flag", []string{"run", "a", "--nope"}, nil, 2, "flag provided but not defined: -nope"},
		{"bad KEY=VALUE", []string{"run", "a", "--input", "oops"}, nil, 2, `"oops" is not KEY=VALUE`},
		{"usage error from action", []string{"run", "a"}, cli.UsageErrorf("bad alert"), 2, "bad alert"},
		{"plain error", []string{"run", "a"}, errors.New("boom"), 1, "cordon run: boom"},
		{"explicit silent exit", []string{"run", "a"}, cli.Exit(1, nil), 1, ""},
		{"unknown command", []string{"runn"}, nil, 2, `unknown command "runn"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g got
			code, _, errOut := run(testApp(&g, tt.actionErr), tt.args...)
			require.Equal(t, tt.code, code, errOut)
			if tt.stderr == "" {
				require.Empty(t, errOut)
				return
			}
			require.Contains(t, errOut, tt.stderr)
			if tt.code == 2 {
				require.Contains(t, errOut, "Usage:", "usage errors print usage")
			}
		})
	}
}

func TestHelp(t *testing.T) {
	app := testApp(new(got), nil)

	code, out, _ := run(app, "help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "  run   start a run")
	require.Contains(t, out, "  help  show this list")

	code, out, _ = run(app, "help", "run")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Usage: cordon run PLAYBOOK [flags]")
	require.Contains(t, out, "--input KEY=VALUE")
	require.Contains(t, out, "--alert FILE")

	code, out, _ = run(app, "run", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Usage: cordon run")

	code, _, errOut := run(app, "help", "nope")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "nope"`)
}

func TestRegisterRejectsDuplicates(t *testing.T) {
	app := testApp(new(got), nil)
	require.Panics(t, func() {
		app.Register(cli.Command{Name: "run", Setup: func(*flag.FlagSet) cli.Action { return nil }})
	})
}
