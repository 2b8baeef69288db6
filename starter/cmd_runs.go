package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/cordonsec/cordon/internal/approvals"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/temporalx"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

func statusCommand() cli.Command {
	return cli.Command{
		Name: "status", Summary: "show a run's progress or result",
		Usage: "ID [--wait] [--output text|json]", MinArgs: 1, MaxArgs: 1,
		Help: "With --wait it waits for the run to finish, showing progress on stderr, and exits as\n" +
			"cordon run --wait does: 0 when the run succeeded, 1 when it failed, was rejected or cancelled.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			output := fs.String("output", "text", "text or json")
			wait := fs.Bool("wait", false, "wait for the run to finish, showing progress on stderr")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
				if *wait {
					st, err := runs.Wait(ctx, c, args[0], io.Err)
					if err != nil {
						return err
					}
					return printFinal(io, st, *output, false)
				}
				st, err := runs.Status(ctx, c, args[0])
				if err != nil {
					return err
				}
				if *output == "json" {
					return runs.WriteJSON(io.Out, st)
				}
				runs.WriteText(io.Out, st)
				return nil
			}
		},
	}
}

func approveCommand() cli.Command {
	return cli.Command{
		Name: "approve", Summary: "approve (or --reject) a run's pending approval",
		Usage: "ID [--step STEP] [--reject] [--comment TEXT] [--serve URL | --as NAME]", MinArgs: 1, MaxArgs: 1,
		Help: "After cordon login the decision goes through cordon serve (--serve, CORDON_SERVE_URL), which\n" +
			"signs it for the signed-in user. --as NAME sends an unsigned decision straight to Temporal,\n" +
			"which only a worker that accepts unsigned decisions (--dev) takes. A refusal (not an approver,\n" +
			"self-approval, nothing pending, already decided, not signed) prints the reason and exits 1.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			as := fs.String("as", "", "approver `NAME` for an unsigned decision (dev stacks only)")
			step := fs.String("step", "", "the approval step, when several are pending")
			reject := fs.Bool("reject", false, "reject instead of approve")
			comment := fs.String("comment", "", "a comment kept with the decision")
			serveURL := fs.String("serve", envOr("CORDON_SERVE_URL", ""), "cordon serve `URL` signed decisions go through (default: the one cordon login signed in to)")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				if *as == "" {
					return approveSigned(ctx, io, *serveURL, args[0], *step, *reject, *comment)
				}
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
				rec, err := runs.Approve(ctx, c, args[0], workflows.Decision{Step: *step, Approver: *as, Reject: *reject, Comment: *comment})
				var refused *runs.RefusedError
				if errors.As(err, &refused) {
					if *step == "" && refused.Type == workflows.StepRequiredType {
						err = fmt.Errorf("%w (pass --step STEP)", err)
					}
					return cli.Exit(cli.ExitFailed, err)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(io.Out, "%s %s by %s\n", args[0], rec.Decision, rec.Approver)
				if rec.SignedWith == "" {
					fmt.Fprintln(io.Err, "note: this decision was unsigned; the worker accepts unsigned decisions (--dev or approvals.require_signed: false), so --as was taken on trust")
				}
				return nil
			}
		},
	}
}

// approveSigned decides through cordon serve with the token of cordon login.
func approveSigned(ctx context.Context, io cli.Stdio, serveURL, run, step string, reject bool, comment string) error {
	tok, err := approvals.LoadToken(serveURL, time.Now())
	if err != nil {
		return cli.UsageErrorf("%v", err)
	}
	req := approvals.DecisionRequest{Decision: playbook.Approve, Comment: comment}
	if reject {
		req.Decision = playbook.Reject
	}
	rec, err := approvals.DecideVia(ctx, tok, run, step, req)
	var apiErr *approvals.APIError
	var refused *runs.RefusedError
	if errors.As(err, &apiErr) || errors.As(err, &refused) {
		return cli.Exit(cli.ExitFailed, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "%s %s by %s (signed, key %s)\n", run, rec.Decision, rec.Approver, rec.SignedWith)
	return nil
}

func loginCommand() cli.Command {
	return cli.Command{
		Name: "login", Summary: "sign in (OpenID Connect) so cordon approve decides through cordon serve",
		Usage: "[--serve URL] [--no-browser]",
		Help: "Asks cordon serve which identity provider it uses, signs in there (authorization code with\n" +
			"PKCE and a loopback redirect) and keeps the ID token in CORDON_TOKEN_FILE or the user's config\n" +
			"directory (cordon/token.json, mode 0600). See docs/approvals.md.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			serveURL := fs.String("serve", envOr("CORDON_SERVE_URL", "http://127.0.0.1:8080"), "cordon serve `URL`")
			noBrowser := fs.Bool("no-browser", false, "only print the sign-in URL")
			timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the sign-in")
			return func(ctx context.Context, _ []string, io cli.Stdio) error {
				ctx, cancel := context.WithTimeout(ctx, *timeout)
				defer cancel()
				open := openBrowser
				if *noBrowser {
					open = nil
				}
				tok, err := approvals.Login(ctx, *serveURL, open, io.Err)
				if err != nil {
					return cli.Exit(cli.ExitFailed, err)
				}
				fmt.Fprintf(io.Out, "signed in as %s until %s\n", tok.Login, tok.Expiry.Format(time.RFC3339))
				return nil
			}
		},
	}
}

// openBrowser opens url with the desktop's handler, where there is one.
func openBrowser(url string) error {
	for _, name := range []string{"xdg-open", "open"} {
		if p, err := exec.LookPath(name); err == nil {
			return exec.Command(p, url).Start()
		}
	}
	return errors.New("no browser opener")
}

func cancelCommand() cli.Command {
	return cli.Command{
		Name: "cancel", Summary: "cancel a run (also an undo_after that should not happen)",
		Usage: "ID", MinArgs: 1, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
				if err := runs.Cancel(ctx, c, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(io.Out, "cancel requested for %s\n", args[0])
				return nil
			}
		},
	}
}

func listCommand() cli.Command {
	return cli.Command{
		Name: "list", Summary: "list runs, newest first",
		Usage: "[--playbook NAME] [--status STATUS] [--target ID|IP] [--alert ID] [--connection NAME] [--dry-run[=false]] [--limit N] [--output text|json]",
		Setup: func(fs *flag.FlagSet) cli.Action {
			var f runs.ListFilter
			fs.StringVar(&f.Playbook, "playbook", "", "only runs of this playbook")
			status := fs.String("status", "", "running, waiting_approval, succeeded, failed, rejected, cancelled, planned, terminated or timed_out")
			fs.StringVar(&f.Target, "target", "", "only runs that acted on this user (ID or login, resolved in the Okta org) or IP")
			fs.StringVar(&f.AlertID, "alert", "", "only runs started by the alert with this `ID`")
			fs.StringVar(&f.Connection, "connection", "", "only runs whose connection (CordonConnection) is `NAME`")
			fs.Var(optionalBool{&f.DryRun}, "dry-run", "only plans (--dry-run) or only real runs (--dry-run=false); default both")
			limit := fs.Int("limit", 50, "at most `N` runs")
			output := fs.String("output", "text", "text or json")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				f.Status = workflows.RunState(*status)
				if f.Connection != "" && !connections.ValidName(f.Connection) {
					return cli.UsageErrorf("--connection %q is not a connection name", f.Connection)
				}
				if f.Target != "" {
					org, err := runs.TargetOrg(os.Getenv)
					if err != nil {
						return cli.UsageErrorf("%v", err)
					}
					if f.Target, err = runs.ResolveTarget(ctx, f.Target, org); err != nil {
						return cli.Exit(cli.ExitFailed, err)
					}
				}
				q, err := f.Query()
				if err != nil {
					return cli.UsageErrorf("%v", err)
				}
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
				list, err := runs.List(ctx, c, q, *limit)
				if err != nil {
					return err
				}
				if *output == "json" {
					return runs.WriteJSON(io.Out, list)
				}
				tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tPLAYBOOK\tSTATUS\tSTARTED\tTARGETS\tSTARTED BY")
				for _, s := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.WorkflowID, s.Playbook, s.Status, s.StartedAt.Format("2006-01-02 15:04:05"), runs.TargetsColumn(ctx, c, s), s.StartedBy)
				}
				return tw.Flush()
			}
		},
	}
}

// optionalBool is a boolean flag that can also be left unset (nil):
// --NAME sets true, --NAME=false false.
type optionalBool struct{ v **bool }

func (o optionalBool) String() string {
	if o.v == nil || *o.v == nil {
		return ""
	}
	return strconv.FormatBool(**o.v)
}

func (o optionalBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*o.v = &b
	return nil
}

func (o optionalBool) IsBoolFlag() bool { return true }
