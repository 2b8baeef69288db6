package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/temporalx"
	"github.com/cordonsec/cordon/workflows"
)

func intakeCommand() cli.Command {
	return cli.Command{
		Name:    "intake",
		Summary: "start, stop or show the Okta System Log intake (okta_event triggers)",
		Usage:   "start [--every 60s] [--since TIME] | stop | status [--output text|json] [--connection NAME]",
		Help: "The intake is one long-running workflow per connection (" + workflows.IntakeWorkflowID + " for the default\n" +
			"connection, " + workflows.IntakeWorkflowID + "-NAME for another) that polls the connection's System Log\n" +
			"and starts the playbooks whose okta_event triggers match, once per event, with its own\n" +
			"cursors. The worker reads the playbooks from its --playbooks directory.\n" +
			"--since (e.g. -1h, RFC 3339) replays older events; runs that exist are not started again.",
		MinArgs: 1, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			every := fs.Duration("every", workflows.DefaultIntakeInterval, "start: poll interval")
			since := fs.String("since", "", "start: replay events from `TIME` (default now)")
			output := fs.String("output", "text", "status: text or json")
			conn := fs.String("connection", connections.Default, "the connection (Okta org) whose intake to start, stop or show")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				if !connections.ValidName(*conn) {
					return cli.UsageErrorf("--connection %q: not a connection name (lower-case letters, digits and -)", *conn)
				}
				opts := intake.StartOptions{Interval: *every, Connection: *conn}
				id := intake.WorkflowID(*conn)
				if *since != "" {
					t, err := action.ParseTime(*since, time.Now())
					if err != nil {
						return cli.UsageErrorf("--since: %v", err)
					}
					opts.Since = t
				}
				switch args[0] {
				case "start", "stop", "status":
				default:
					return cli.UsageErrorf("unknown intake command %q (want start, stop or status)", args[0])
				}
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
				switch args[0] {
				case "start":
					res, err := intake.Start(ctx, c, opts)
					if err != nil {
						return err
					}
					if res.Running {
						fmt.Fprintf(io.Out, "the intake is already running (%s, run %s)\n", id, res.RunID)
					} else {
						fmt.Fprintf(io.Out, "intake started: %s (run %s), polling every %s\n", id, res.RunID, opts.Interval)
					}
					return nil
				case "stop":
					if err := intake.Stop(ctx, c, *conn); err != nil {
						return err
					}
					fmt.Fprintln(io.Out, "intake stopped")
					return nil
				}
				st, err := intake.Status(ctx, c, *conn)
				if err != nil {
					return err
				}
				if *output == "json" {
					return runs.WriteJSON(io.Out, st)
				}
				writeIntakeStatus(io.Out, id, st, time.Now())
				return nil
			}
		},
	}
}

func writeIntakeStatus(w io.Writer, id string, st workflows.IntakeStatus, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "intake\t%s, polling every %s, since %s\n", id, st.Interval, st.StartedAt.Format(time.RFC3339))
	lag := "no successful poll yet"
	if !st.LastPollAt.IsZero() {
		lag = fmt.Sprintf("%s (last poll %s)", now.Sub(st.LastPollAt).Round(time.Second), st.LastPollAt.Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "lag\t%s\n", lag)
	if !st.NewestEvent.IsZero() {
		fmt.Fprintf(tw, "newest event\t%s\n", st.NewestEvent.Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "polls\t%d\n", st.Polls)
	fmt.Fprintf(tw, "events seen\t%d\n", st.EventsSeen)
	fmt.Fprintf(tw, "runs started\t%d\n", st.RunsStarted)
	fmt.Fprintf(tw, "duplicates\t%d (runs that existed already)\n", st.Duplicates)
	fmt.Fprintf(tw, "refused\t%d (trigger inputs a playbook did not accept)\n", st.Refused)
	if st.Failures > 0 {
		fmt.Fprintf(tw, "failing\t%d polls in a row: %s\n", st.Failures, st.LastError)
	}
	filters := make([]string, 0, len(st.Cursors))
	for f := range st.Cursors {
		filters = append(filters, f)
	}
	sort.Strings(filters)
	for _, f := range filters {
		name := f
		if name == "" {
			name = "(no filter)"
		}
		fmt.Fprintf(tw, "cursor\t%s: %s\n", name, st.Cursors[f])
	}
	for _, p := range st.Problems {
		fmt.Fprintf(tw, "problem\t%s\n", strings.ReplaceAll(p, "\n", " "))
	}
	_ = tw.Flush()
}
