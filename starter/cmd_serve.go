package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/logging"
	"github.com/cordonsec/cordon/internal/metrics"
	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/serve"
	"github.com/cordonsec/cordon/internal/temporalx"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
)

func serveCommand() cli.Command {
	return cli.Command{
		Name:    "serve",
		Summary: "serve the alert webhook: alerts start the playbooks whose triggers match",
		Usage:   "[--addr 127.0.0.1:8080] [--playbooks DIR] [--insecure-no-auth]",
		Help: "POST /v1/alerts takes one alert or an array; POST /v1/playbooks/NAME/runs starts one\n" +
			"playbook with {inputs, alert, dry_run}; GET /healthz answers 200 while Temporal does.\n" +
			"Callers authenticate with CORDON_WEBHOOK_TOKEN (Authorization: Bearer) or sign the body\n" +
			"with CORDON_WEBHOOK_SECRET (X-Cordon-Signature: sha256=HEX). SIGHUP reloads the playbooks.\n" +
			"With a payload store, POST /codec/decode lets the Web UI (origin CORDON_UI_URL) show stored\n" +
			"payloads, with the same credentials (CORDON_CODEC_AUTH=none: none, for a UI without login);\n" +
			"with CORDON_PAYLOAD_KEYS it also decrypts, for authenticated callers only (webhook\n" +
			"credentials or the approvals sign-in). GET /metrics serves Prometheus metrics.\n" +
			"With --oidc-issuer and --signing-key it also serves the approvals page (/approvals) and API\n" +
			"(/v1/approvals); see docs/approvals.md.\n" +
			"See docs/triggers.md.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			addr := fs.String("addr", envOr("CORDON_SERVE_ADDR", "127.0.0.1:8080"), "listen `ADDR`")
			library := fs.String("playbooks", envOr("CORDON_PLAYBOOKS", runs.DefaultLibrary), "playbook library `DIR`")
			insecure := fs.Bool("insecure-no-auth", false, "accept unauthenticated requests (local demos only)")
			connFile := fs.String("connections", os.Getenv(connections.EnvFile), "connections `FILE` the starts' connection names are checked against (default $"+connections.EnvFile+")")
			logFormat := fs.String("log-format", logging.FormatText, "log format: text or json")
			ap := approvalFlags(fs)
			return func(ctx context.Context, _ []string, io cli.Stdio) error {
				logger, err := logging.New(io.Err, *logFormat, "info")
				if err != nil {
					return cli.UsageErrorf("%v", err)
				}
				known, err := knownConnections(*connFile)
				if err != nil {
					return cli.Exit(cli.ExitUsage, err)
				}
				cfg := serve.Config{Token: os.Getenv("CORDON_WEBHOOK_TOKEN"), Secret: os.Getenv("CORDON_WEBHOOK_SECRET"),
					Insecure: *insecure, Library: runs.Library{Dir: *library, Registry: action.Okta(), Connections: known}, Logger: logger,
					Metrics: metrics.NewServe()}
				if cfg.Token == "" && cfg.Secret == "" && !cfg.Insecure {
					return cli.Exit(cli.ExitUsage, serve.ErrNoAuth)
				}
				if cfg.Insecure {
					logger.Warn("--insecure-no-auth: anyone who reaches " + *addr + " can start playbooks")
				}
				opts, err := temporalx.ClientOptions(logger)
				if err != nil {
					return err
				}
				c, err := temporalx.DialOptions(ctx, opts)
				if err != nil {
					return err
				}
				defer c.Close()
				cfg.Starter = trigger.ClientStarter{Client: c}
				crypt, err := payloadcrypt.FromEnv(os.Getenv)
				if err != nil {
					return cli.Exit(cli.ExitUsage, err)
				}
				if drivers := opts.ExternalStorage.Drivers; len(drivers) > 0 || crypt != nil {
					cfg.Codec = &payloadstore.Codec{Drivers: drivers, AllowOrigins: strings.Split(envOr("CORDON_UI_URL", "http://127.0.0.1:8233"), ",")}
					cfg.CodecNoAuth = os.Getenv("CORDON_CODEC_AUTH") == "none"
					if crypt != nil {
						if cfg.CodecNoAuth {
							return cli.Exit(cli.ExitUsage, errors.New("CORDON_CODEC_AUTH=none: the codec decrypts payloads (CORDON_PAYLOAD_KEYS), so it serves only authenticated callers; unset it"))
						}
						cfg.Codec.Codecs = []converter.PayloadCodec{crypt}
					}
					logger.Info("codec endpoint for the Web UI", "path", payloadstore.DecodePath, "origins", cfg.Codec.AllowOrigins, "auth", !cfg.CodecNoAuth)
				}
				cfg.Health = func(ctx context.Context) error {
					_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
					return err
				}
				// The webhook's runs are signed for its service identity;
				// the approvals page signs with the same key.
				signer, err := ap.webhookSigner()
				if err != nil {
					return cli.Exit(cli.ExitUsage, err)
				}
				var srv *serve.Server // the page lists the playbooks the server loaded
				page, err := ap.handler(ctx, c, *addr, signer, cfg.Library, func() []*playbook.Playbook { return srv.Playbooks() }, logger)
				if err != nil {
					return cli.Exit(cli.ExitUsage, err)
				}
				if page != nil { // a nil *Handler in the interface would not be nil
					cfg.Approvals = page
				}
				cfg.Starter = trigger.ClientStarter{Client: c, Signer: signer}
				srv, err = serve.New(cfg)
				if err != nil {
					return cli.Exit(cli.ExitUsage, err)
				}
				return listenAndServe(ctx, *addr, srv, logger)
			}
		},
	}
}

// listenAndServe serves until ctx ends (SIGINT, SIGTERM), reloading the
// playbooks on SIGHUP, then drains requests in flight.
func listenAndServe(ctx context.Context, addr string, srv *serve.Server, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (pick another with --addr)", addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				logger.Info("SIGHUP: reloading playbooks")
				srv.Reload()
			case <-ctx.Done():
				shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = hs.Shutdown(shutdown)
				return
			}
		}
	}()
	logger.Info("webhook listening", "addr", "http://"+ln.Addr().String())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
