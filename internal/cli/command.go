// Package cli is the small subcommand framework behind the cordon binary.
//
// It stays on the standard library's flag package but fixes the two things
// a playbook CLI needs that flag does not do alone: flags may follow
// positional arguments (`cordon run PLAYBOOK --alert a.json --wait`), and a
// flag may repeat (`--input a=1 --input b=2`, see Strings). Every command
// prints its own usage on bad arguments and exits 2, so scripts can tell
// "you called me wrong" from "the run failed" (1).
//
// Commands are values registered explicitly by starter/main.go; each lives
// in its own starter/cmd_<name>.go file:
//
//	func runCommand() cli.Command {
//		return cli.Command{
//			Name:    "run",
//			Summary: "start a playbook run",
//			Usage:   "PLAYBOOK [--alert FILE|-] [--input KEY=VALUE]... [--wait]",
//			MinArgs: 1, MaxArgs: 1,
//			Setup: func(fs *flag.FlagSet) cli.Action {
//				wait := fs.Bool("wait", false, "wait for the run to finish")
//				var inputs cli.Strings
//				fs.Var(&inputs, "input", "set an input `KEY=VALUE` (repeatable)")
//				return func(ctx context.Context, args []string, io cli.Stdio) error {
//					...
//				}
//			},
//		}
//	}
//
// Setup declares flags and returns the action as a closure over them, so no
// flag value is a package global and `cordon help run` can list the flags
// without running anything.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Exit codes shared by every command. Scripts and tests depend on them.
const (
	ExitOK     = 0 // the command did what was asked
	ExitFailed = 1 // the command ran and failed (e.g. a playbook run failed)
	ExitUsage  = 2 // bad arguments or invalid input: nothing was started
)

// Stdio is where a command reads and writes. Tests pass buffers.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Action runs a command after its flags are parsed. args holds the
// positional arguments only. A nil error exits 0; see UsageErrorf and Exit
// for the other codes; any other error is printed and exits 1.
type Action func(ctx context.Context, args []string, stdio Stdio) error

// Command is one subcommand of an App.
type Command struct {
	// Name is the word typed after the binary name, e.g. "run".
	Name string
	// Summary is one line for the command list in `cordon help`.
	Summary string
	// Usage is the synopsis after "cordon NAME", e.g. "PLAYBOOK [flags]".
	Usage string
	// Help is optional longer text printed under the synopsis.
	Help string
	// MinArgs and MaxArgs bound the positional arguments; MaxArgs < 0 means
	// no upper bound. The zero values accept no positional arguments.
	MinArgs, MaxArgs int
	// Setup declares the command's flags on fs and returns its Action.
	Setup func(fs *flag.FlagSet) Action
}

// UsageError is returned by an Action when its arguments are wrong in a way
// flag parsing cannot see (e.g. a malformed KEY=VALUE). The App prints the
// message and the command's usage, and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// UsageErrorf builds a *UsageError.
func UsageErrorf(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// ExitError carries an explicit exit code. A nil Err exits silently, for
// commands that already reported the outcome (e.g. `cordon run --output
// json` printing a failed run).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an *ExitError with the given code; err may be nil.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// exitCode maps an Action's error to the process exit code, printing the
// message (if any) to stderr. Usage errors are handled by the caller.
func exitCode(err error, prog string, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	return ExitFailed
}
