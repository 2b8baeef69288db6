package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/temporalx"
	"github.com/cordonsec/cordon/workflows"
)

func statusCommand() cli.Command {
	return cli.Command{
		Name: "status", Summary: "show a run's progress or result",
		Usage: "ID [--output text|json]", MinArgs: 1, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			output := fs.String("output", "text", "text or json")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
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
		Usage: "ID --as NAME [--step STEP] [--reject] [--comment TEXT]", MinArgs: 1, MaxArgs: 1,
		Help: "A refusal (not an approver, self-approval, nothing pending, already decided, not signed\n" +
			"where the worker requires signed decisions) prints the reason and exits 1.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			as := fs.String("as", "", "approver `NAME` (required)")
			step := fs.String("step", "", "the approval step, when several are pending")
			reject := fs.Bool("reject", false, "reject instead of approve")
			comment := fs.String("comment", "", "a comment kept with the decision")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				if *as == "" {
					return cli.UsageErrorf("--as NAME is required")
				}
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
				rec, err := runs.Approve(ctx, c, args[0], workflows.Decision{Step: *step, Approver: *as, Reject: *reject, Comment: *comment})
				var refused *runs.RefusedError
				if errors.As(err, &refused) {
					if *step == "" && strings.Contains(err.Error(), "must name its step") {
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
		Usage: "[--playbook NAME] [--status STATUS] [--target ID|IP] [--limit N] [--output text|json]",
		Setup: func(fs *flag.FlagSet) cli.Action {
			pb := fs.String("playbook", "", "only runs of this playbook")
			status := fs.String("status", "", "running, waiting_approval, succeeded, failed, rejected, cancelled, planned, terminated or timed_out")
			target := fs.String("target", "", "only runs that acted on this user id or IP")
			limit := fs.Int("limit", 50, "at most `N` runs")
			output := fs.String("output", "text", "text or json")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				q, err := runs.ListQuery(*pb, *status, *target)
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
				fmt.Fprintln(tw, "ID\tPLAYBOOK\tSTATUS\tSTARTED\tTARGETS")
				for _, s := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", s.WorkflowID, s.Playbook, s.Status, s.StartedAt.Format("2006-01-02 15:04:05"), len(s.Targets))
				}
				return tw.Flush()
			}
		},
	}
}
