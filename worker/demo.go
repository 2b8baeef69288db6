package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/signing"
)

// demo starts one playbook run for an alert once the worker polls, and
// follows it on stdout, so `make run` shows a real run within seconds. It
// never stops the worker: a failed demo start is logged and the stack stays
// up for the analyst to try commands by hand.
func demo(ctx context.Context, c client.Client, cfg config, served []string, signer *signing.Signer, out io.Writer, logger *slog.Logger) {
	lib := runs.Library{Dir: cfg.playbooks, Registry: action.Okta()}
	pb, err := lib.Resolve(cfg.demo)
	if err != nil {
		logger.Error("demo playbook", "playbook", cfg.demo, "error", err)
		return
	}
	// The demo is a service identity, signed with the dev key.
	req := runs.Request{Playbook: pb, Library: lib, StartedBy: "service:demo", Signer: signer,
		Connection: cfg.demoConnection, Connections: served}
	if cfg.demoAlert != "" {
		if req.Alert, err = runs.ReadAlert(cfg.demoAlert, nil); err != nil {
			logger.Error("demo alert", "error", err)
			return
		}
	}
	started, err := runs.Start(ctx, c, req)
	if err != nil {
		logger.Error("starting the demo run", "error", err)
		return
	}
	id := started.WorkflowID
	conn := cfg.demoConnection
	if conn == "" {
		conn = "the playbook's (default: acme)"
	}
	fmt.Fprintf(out, "Demo: %s for alert %s on connection %s\n  run: %s\n  UI:  http://127.0.0.1:%d/namespaces/default/workflows/%s\n\n",
		pb.Name, cfg.demoAlert, conn, id, cfg.uiPort, id)
	if started.Duplicate {
		fmt.Fprintf(out, "  (this alert already has a run in %s; delete that directory for a fresh demo)\n", cfg.dataDir)
	}
	st, err := runs.Wait(ctx, c, id, out)
	if err != nil {
		return // the stack is shutting down
	}
	fmt.Fprintln(out)
	runs.WriteText(out, st)
	fmt.Fprintf(out, "\nTry next (in another terminal):\n"+
		"  go run ./starter status %s\n"+
		"  go run ./starter plan block-malicious-ips --alert testdata/alerts/block-malicious-ips.json\n"+
		"  go run ./starter run investigate-user --input login=jane.doe@acme.com --wait\n"+
		"  go run ./starter run investigate-user --connection globex --input login=jane.doe@acme.com --wait\n"+
		"  go run ./starter list\n"+
		"Ctrl-C stops the stack.\n", id)
}
