package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// App is a binary made of subcommands, e.g. cordon.
type App struct {
	// Name is the binary name used in usage text, e.g. "cordon".
	Name string
	// Summary is one line printed at the top of `NAME help`.
	Summary string
	// Footer is optional text printed at the end of `NAME help`.
	Footer   string
	commands []Command
}

// Register adds commands. It panics on a duplicate or empty name, because
// that is a programming error caught by any test that builds the App.
func (a *App) Register(cmds ...Command) {
	for _, c := range cmds {
		if c.Name == "" || c.Setup == nil {
			panic(fmt.Sprintf("cli: command %q needs a Name and a Setup", c.Name))
		}
		if _, ok := a.lookup(c.Name); ok || c.Name == "help" {
			panic(fmt.Sprintf("cli: command %q registered twice", c.Name))
		}
		a.commands = append(a.commands, c)
	}
}

func (a *App) lookup(name string) (Command, bool) {
	for _, c := range a.commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Run dispatches args (without the program name) and returns the exit code.
func (a *App) Run(ctx context.Context, args []string, stdio Stdio) int {
	if len(args) == 0 {
		a.printUsage(stdio.Err)
		return ExitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help", "-help":
		return a.help(rest, stdio)
	}
	cmd, ok := a.lookup(name)
	if !ok {
		fmt.Fprintf(stdio.Err, "%s: unknown command %q\n\n", a.Name, name)
		a.printUsage(stdio.Err)
		return ExitUsage
	}
	return a.runCommand(ctx, cmd, rest, stdio)
}

func (a *App) runCommand(ctx context.Context, cmd Command, args []string, stdio Stdio) int {
	prog := a.Name + " " + cmd.Name
	fs := newFlagSet(prog)
	action := cmd.Setup(fs)
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		a.printCommandUsage(stdio.Out, cmd)
		return ExitOK
	}
	if err == nil {
		err = checkArgCount(cmd, positional)
	}
	if err != nil { // flag and argument-count errors are all usage errors
		return a.usageFailure(stdio.Err, cmd, err)
	}
	err = action(ctx, positional, stdio)
	var ue *UsageError
	if errors.As(err, &ue) {
		return a.usageFailure(stdio.Err, cmd, err)
	}
	return exitCode(err, prog, stdio.Err)
}

func (a *App) usageFailure(w io.Writer, cmd Command, err error) int {
	fmt.Fprintf(w, "%s %s: %v\n\n", a.Name, cmd.Name, err)
	a.printCommandUsage(w, cmd)
	return ExitUsage
}

func checkArgCount(cmd Command, args []string) error {
	n := len(args)
	switch {
	case n < cmd.MinArgs:
		return UsageErrorf("missing arguments (want %s)", argCountText(cmd))
	case cmd.MaxArgs >= 0 && n > cmd.MaxArgs:
		if cmd.MaxArgs == 0 {
			return UsageErrorf("unexpected argument %q", args[cmd.MaxArgs])
		}
		return UsageErrorf("too many arguments (want %s)", argCountText(cmd))
	}
	return nil
}

func argCountText(cmd Command) string {
	switch {
	case cmd.MaxArgs < 0:
		return fmt.Sprintf("at least %d", cmd.MinArgs)
	case cmd.MinArgs == cmd.MaxArgs:
		return fmt.Sprintf("%d", cmd.MinArgs)
	default:
		return fmt.Sprintf("%d to %d", cmd.MinArgs, cmd.MaxArgs)
	}
}

func (a *App) help(args []string, stdio Stdio) int {
	switch len(args) {
	case 0:
		a.printUsage(stdio.Out)
		return ExitOK
	case 1:
		if cmd, ok := a.lookup(args[0]); ok {
			a.printCommandUsage(stdio.Out, cmd)
			return ExitOK
		}
		fmt.Fprintf(stdio.Err, "%s help: unknown command %q\n\n", a.Name, args[0])
	default:
		fmt.Fprintf(stdio.Err, "%s help: too many arguments\n\n", a.Name)
	}
	a.printUsage(stdio.Err)
	return ExitUsage
}

func (a *App) printUsage(w io.Writer) {
	if a.Summary != "" {
		fmt.Fprintf(w, "%s\n\n", a.Summary)
	}
	fmt.Fprintf(w, "Usage:\n  %s <command> [arguments]\n\nCommands:\n", a.Name)
	cmds := append([]Command(nil), a.commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	width := len("help")
	for _, c := range cmds {
		width = max(width, len(c.Name))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, c.Summary)
	}
	fmt.Fprintf(w, "  %-*s  %s\n", width, "help", "show this list, or a command's usage")
	fmt.Fprintf(w, "\nRun '%s help <command>' for a command's flags.\n", a.Name)
	if a.Footer != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(a.Footer))
	}
}

func (a *App) printCommandUsage(w io.Writer, cmd Command) {
	fmt.Fprintf(w, "Usage: %s %s", a.Name, cmd.Name)
	if cmd.Usage != "" {
		fmt.Fprintf(w, " %s", cmd.Usage)
	}
	fmt.Fprintf(w, "\n\n%s\n", cmd.Summary)
	if cmd.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.Help))
	}
	fs := newFlagSet(cmd.Name)
	cmd.Setup(fs)
	if flags := flagDefaults(fs); flags != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", flags)
	}
}
