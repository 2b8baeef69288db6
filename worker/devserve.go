package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/approvals"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/signing"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
)

// DefaultDevServePort is where worker --dev serves the approvals and Run
// a playbook pages: beside cordon serve's 8080, so both can run.
const DefaultDevServePort = 8081

// devPagesURL is the approvals page of worker --dev's own pages.
func devPagesURL(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }

// serveDevPages serves, for worker --dev, what cordon serve serves people:
// the approvals page, the Run a playbook page and their JSON API, signed
// in at the simulated org's authorization server and signing with the
// dev key the worker trusts. It never stops the worker: a busy port or a
// real org (no simulated sign-in) is logged, and the stack stays up.
// The returned func stops the server.
func serveDevPages(ctx context.Context, cfg config, c client.Client, simURL string, signer *signing.Signer, out io.Writer, logger *slog.Logger) func() {
	if cfg.servePort == 0 || signer == nil {
		return func() {}
	}
	if simURL == "" {
		logger.Info("dev pages off: OKTA_ORG_URL names a real org, so there is no simulated sign-in; run cordon serve against your IdP")
		return func() {}
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", cfg.servePort))
	if err != nil {
		logger.Warn("dev pages off: the port is taken (pick another with --serve-port)", "error", err)
		return func() {}
	}
	lib := runs.Library{Dir: cfg.playbooks, Registry: action.Okta()}
	page, err := approvals.New(ctx, approvals.Config{Temporal: c, Signer: signer, Issuer: simURL + "/oauth2/default",
		ClientID: oktasim.DefaultOIDCClientID, PublicURL: devPagesURL(cfg.servePort), Logger: logger, Library: lib,
		Playbooks: func() []*playbook.Playbook {
			pbs, _ := trigger.LoadLibrary(lib.Dir, lib.Registry) // read per request: edits show at once
			return pbs
		}})
	if err != nil {
		_ = ln.Close()
		logger.Warn("dev pages off", "error", err)
		return func() {}
	}
	mux := http.NewServeMux()
	page.Register(mux)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	fmt.Fprintf(out, "  Approvals page:    %s/approvals (run a playbook: %s/runs/new)\n"+
		"                     sign in as a seeded user (e.g. %s), password %s\n\n",
		devPagesURL(cfg.servePort), devPagesURL(cfg.servePort), oktasim.DemoActiveUserLogin, oktasim.DefaultDevPassword)
	return func() { _ = hs.Close() }
}
