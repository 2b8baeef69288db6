package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/metrics"
	"github.com/cordonsec/cordon/internal/notify"
	"github.com/cordonsec/cordon/internal/payloadcrypt"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/temporalx"
	"github.com/cordonsec/cordon/internal/version"
	"github.com/cordonsec/cordon/workflows"
)

// run starts the parts in dependency order (health endpoint, embedded
// server, client, worker), waits for ctx to end, and stops them in reverse.
func run(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	logger.Info("starting cordon worker", "version", version.Version, "dev", cfg.dev)
	h, err := listenHealth(cfg.httpAddr, logger)
	if err != nil {
		return err
	}
	defer h.close()
	m := metrics.New()
	h.serveMetrics(m.Handler())
	trail, err := audit.FromEnv(os.Getenv, cfg.dataDir, stdout, logger)
	if err != nil {
		return err
	}
	defer trail.Close()

	guardCfg, err := guardConfig(cfg.guardrails)
	if err != nil {
		return err
	}
	var c client.Client
	var orgs *devOrgs
	var dev []served
	var store payloadstore.Config
	if cfg.dev {
		if store, err = devStore(cfg, logger); err != nil {
			return err
		}
		srv, err := startDev(ctx, cfg, h.codecEndpoint(), logger)
		if err != nil {
			return err
		}
		defer stopDev(srv, logger)
		crypt, err := payloadcrypt.FromEnv(os.Getenv)
		if err != nil {
			return err
		}
		es, err := store.ExternalStorage()
		if err != nil {
			return err
		}
		opts := devClientOptions(srv, logger, m, crypt, es)
		if c, err = temporalx.DialOptions(ctx, opts); err != nil {
			return err
		}
		if err := h.serveCodec(opts.ExternalStorage, crypt, srv.UIAddr()); err != nil {
			return err
		}
		var file string
		if orgs, file, dev, err = startDevConnections(cfg, guardCfg, logger); err != nil {
			return err
		}
		if orgs != nil {
			defer orgs.Sims.Close()
		}
		printDevBanner(stdout, srv, cfg, orgs, store)
		printDevOrgs(stdout, file, orgs)
	} else {
		opts, err := temporalx.ClientOptions(logger)
		if err != nil {
			return err
		}
		if store, err = temporalx.StoreConfig(opts.HostPort, payloadstore.Config{}); err != nil {
			return err
		}
		opts.MetricsHandler = m.SDKHandler()
		if c, err = temporalx.DialOptions(ctx, opts); err != nil {
			return err
		}
	}
	defer c.Close()
	m.WatchApprovals(c)
	logger.Info("payload store", "store", store.String(), "threshold_bytes", store.Threshold)
	conns, err := connectionsToServe(cfg, dev, guardCfg, logger)
	if err != nil {
		return err
	}

	approvals, err := approvalPolicy(guardCfg, cfg.dev, logger)
	if err != nil {
		return err
	}
	signer, err := startSigner(cfg, &approvals)
	if err != nil {
		return err
	}
	if signer == nil && approvals.RequireSignedStarts && (cfg.intake || cfg.healthInterval > 0 || slices.ContainsFunc(conns, func(s served) bool { return s.HealthInterval > 0 })) {
		logger.Error("approvals: signed starts are required, but this worker has no signing key (CORDON_SIGNING_KEY), so the runs its System Log intake and health check start will be refused")
	}
	hooks, err := notify.ParseHooks(cfg.notify)
	if err != nil {
		return err
	}
	d := &deps{Logger: logger, Temporal: c, Playbooks: cfg.playbooks, StoreOn: store.Enabled(), ApprovalsURL: cfg.approvalsURL,
		Approvals: approvals, Signer: signer, Notifier: &notify.Notifier{Hooks: hooks}, Audit: trail}
	workers, err := startWorkers(c, conns, func(s served) (engine.Config, error) {
		oc, err := oktaClient(s.Okta, logger, okta.WithObserver(m), okta.WithObserver(trail))
		if err != nil {
			return engine.Config{}, err
		}
		logger.Info("okta org", "connection", s.Name, "url", oc.OrgURL(), "task_queue", workflows.ActivityQueue(s.Name))
		return engineConfig(d, oc, s)
	})
	defer stopWorkers(workers)
	if err != nil {
		return err
	}
	if cfg.dev {
		acme := ""
		if orgs != nil {
			acme = orgs.Sims.URL(devAcme)
		}
		defer serveDevPages(ctx, cfg, c, acme, signer, stdout, logger)()
	}
	h.ready.Store(true)
	logger.Info("worker polling", "connections", servedNames(conns), "task_queues", queues(workers))
	if err := startConnectionTriggers(ctx, c, cfg, conns, logger); err != nil {
		return err
	}
	if cfg.dev && cfg.demo != "" {
		go demo(ctx, c, cfg, servedNames(conns), signer, stdout, logger)
	}

	<-ctx.Done()
	logger.Info("shutting down")
	h.ready.Store(false)
	return nil // the deferred stopWorkers stops every worker
}

// devStore is the dev stack's payload store: files under
// --data-dir/payloads unless CORDON_PAYLOAD_STORE says otherwise. Stored
// payloads older than the dev namespace's retention (plus a day) can no
// longer be named by any retained history, so they are removed here.
func devStore(cfg config, logger *slog.Logger) (payloadstore.Config, error) {
	store, err := payloadstore.FromEnv(os.Getenv, payloadstore.Config{Kind: payloadstore.KindFile, Dir: filepath.Join(cfg.dataDir, "payloads")})
	if err != nil || store.Kind != payloadstore.KindFile {
		return store, err
	}
	n, err := payloadstore.NewFileDriver(store.Dir).Prune(devserver.Retention+24*time.Hour, time.Now())
	if err != nil {
		logger.Warn("pruning stored payloads", "dir", store.Dir, "error", err)
	} else if n > 0 {
		logger.Info("pruned stored payloads past the retention", "dir", store.Dir, "removed", n)
	}
	return store, nil
}

// startDev starts the embedded Temporal server and Web UI; the UI decodes
// stored payloads through codec (the worker's own /codec endpoint).
func startDev(ctx context.Context, cfg config, codec string, logger *slog.Logger) (*devserver.Server, error) {
	start := time.Now()
	opts := devserver.Options{
		FrontendAddr:  "127.0.0.1:" + strconv.Itoa(cfg.temporalPort),
		UIPort:        cfg.uiPort,
		DataFile:      filepath.Join(cfg.dataDir, "temporal.db"),
		Logger:        logger,
		CodecEndpoint: codec,
		// The workflows define Cordon's search attributes; the server
		// registers them.
		SearchAttributes: workflows.SearchAttributes(),
	}
	if cfg.devPostgres != "" {
		pg, err := devserver.ParsePostgresURL(cfg.devPostgres, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("--dev-postgres: %w", err)
		}
		opts.DataFile, opts.Postgres = "", &pg
	}
	srv, err := devserver.Start(ctx, opts)
	var inUse *devserver.PortInUseError
	if errors.As(err, &inUse) {
		flagName := map[string]string{"frontend": "--temporal-port", "ui": "--ui-port"}[inUse.What]
		return nil, fmt.Errorf("port %d is in use; pick another with %s", inUse.Port, flagName)
	} else if err != nil {
		return nil, err
	}
	logger.Info("embedded Temporal server started", "frontend", srv.FrontendAddr(),
		"ui", srv.UIAddr(), "data", devData(cfg),
		"took", time.Since(start).Round(time.Millisecond))
	return srv, nil
}

// devClientOptions are the SDK client options of worker --dev: the
// embedded server's own (devserver.Server.ClientOptions, which the tests
// and benchmarks dial with too: no gzip over loopback) with the worker's
// logger, metrics, payload encryption and payload store.
func devClientOptions(srv *devserver.Server, logger *slog.Logger, m *metrics.Metrics, crypt *payloadcrypt.Codec,
	es converter.ExternalStorage) client.Options {
	return srv.ClientOptions(client.Options{Logger: sdklog.NewStructuredLogger(logger), MetricsHandler: m.SDKHandler(),
		DataConverter: payloadcrypt.DataConverter(crypt), FailureConverter: payloadcrypt.FailureConverter(crypt), ExternalStorage: es})
}

func stopDev(srv *devserver.Server, logger *slog.Logger) {
	if err := srv.Stop(); err != nil {
		logger.Error("stopping embedded Temporal server", "error", err)
		return
	}
	logger.Info("embedded Temporal server stopped")
}

func printDevBanner(w io.Writer, srv *devserver.Server, cfg config, orgs *devOrgs, store payloadstore.Config) {
	ui := srv.UIAddr()
	if ui == "" {
		ui = "(disabled)"
	}
	org := "real org from OKTA_ORG_URL"
	if orgs != nil {
		org = orgs.Sims.URL(devAcme) + " (simulated, demo seed)"
	}
	fmt.Fprintf(w, "\nCordon dev stack is up\n"+
		"  Temporal Web UI:   %s\n"+
		"  Temporal frontend: %s (namespace %s)\n"+
		"  Okta org:          %s\n"+
		"  Task queue:        %s\n"+
		"  Data:              %s\n"+
		"  Payload store:     %s\n\n",
		ui, srv.FrontendAddr(), srv.Namespace(), org, workflows.TaskQueue, devData(cfg), store)
}

// devData names where the dev stack keeps Temporal's data.
func devData(cfg config) string {
	if cfg.devPostgres == "" {
		return filepath.Join(cfg.dataDir, "temporal.db")
	}
	pg, err := devserver.ParsePostgresURL(cfg.devPostgres, func(string) string { return "" })
	if err != nil {
		return "PostgreSQL"
	}
	return pg.String()
}
