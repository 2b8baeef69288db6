package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/temporalx"
	"github.com/cordonsec/cordon/workflows"
)

func healthCommand() cli.Command {
	return cli.Command{
		Name:    "health",
		Summary: "show recent Okta connection health checks, or enable/disable the schedule",
		Usage:   "[enable --every 5m [--failures 3] [--playbook NAME] | disable] [--connection NAME] [--last N] [--output text|json]",
		Help: "Each connection has its own schedule (" + workflows.HealthScheduleID + " for the default connection,\n" +
			workflows.HealthScheduleID + "-NAME for another) that runs okta.test_connection on its org at a fixed\n" +
			"interval. After --failures failed checks in a row the worker logs an error and starts\n" +
			"--playbook (from its --playbooks library) once per streak. Without arguments, lists the\n" +
			"last checks of every connection, or of --connection.",
		MinArgs: 0, MaxArgs: 1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			every := fs.Duration("every", 5*time.Minute, "enable: check interval")
			failures := fs.Int("failures", workflows.DefaultHealthFailures, "enable: failed checks in a row that alert")
			pb := fs.String("playbook", "", "enable: playbook `NAME` to start when the checks keep failing")
			last := fs.Int("last", 10, "how many recent checks to list")
			output := fs.String("output", "text", "text or json")
			conn := fs.String("connection", "", "the connection (Okta org) to enable, disable or list (default: enable/disable the default connection, list all)")
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				if *conn != "" && !connections.ValidName(*conn) {
					return cli.UsageErrorf("--connection %q: not a connection name (lower-case letters, digits and -)", *conn)
				}
				id := healthcheck.ScheduleID(*conn)
				sub := ""
				if len(args) == 1 {
					sub = args[0]
				}
				if sub != "" && sub != "enable" && sub != "disable" {
					return cli.UsageErrorf("unknown health command %q (want enable or disable)", sub)
				}
				c, err := temporalx.Dial(ctx, nil)
				if err != nil {
					return err
				}
				defer c.Close()
				switch sub {
				case "enable":
					created, err := healthcheck.Enable(ctx, c, healthcheck.Options{Every: *every, Failures: *failures, Playbook: *pb, Connection: *conn})
					if err != nil {
						return err
					}
					verb := "updated"
					if created {
						verb = "created"
					}
					fmt.Fprintf(io.Out, "schedule %s %s: checking the Okta connection every %s\n", id, verb, *every)
					return nil
				case "disable":
					if err := healthcheck.Disable(ctx, c, *conn); err != nil {
						return err
					}
					fmt.Fprintf(io.Out, "schedule %s deleted\n", id)
					return nil
				}
				checks, err := healthcheck.Recent(ctx, c, *last, *conn)
				if err != nil {
					return err
				}
				if *output == "json" {
					return runs.WriteJSON(io.Out, checks)
				}
				writeHealth(io.Out, checks)
				return nil
			}
		},
	}
}

func writeHealth(w io.Writer, checks []healthcheck.CheckRun) {
	if len(checks) == 0 {
		fmt.Fprintf(w, "no health checks yet; enable them with `cordon health enable --every 5m`\n")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTION\tCHECKED AT\tRESULT\tLATENCY\tDETAIL")
	for _, c := range checks {
		r := c.Result
		switch {
		case r == nil:
			fmt.Fprintf(tw, "%s\t-\t%s\t-\t%s\n", c.Connection, c.Status, c.WorkflowID)
		case r.OK:
			fmt.Fprintf(tw, "%s\t%s\tok\t%dms\t%s\n", c.Connection, r.CheckedAt.Format(time.RFC3339), r.LatencyMS, r.User)
		default:
			detail := fmt.Sprintf("%d in a row: %s", r.Failures, r.Error)
			if r.Alert != "" {
				detail += " (started " + r.Alert + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\tFAILED\t-\t%s\n", c.Connection, r.CheckedAt.Format(time.RFC3339), detail)
		}
	}
	_ = tw.Flush()
}
