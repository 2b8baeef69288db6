// Package devserver runs a complete Temporal server inside the calling
// process: frontend, history, matching and worker services on SQLite (one
// database for executions, one for visibility), plus the Temporal Web UI. It is what `worker --dev` and the end-to-end tests
// use, so that Cordon runs with no Docker and no downloads.
//
// It is written here on temporal.NewServer and the SQLite persistence plugin
// because the Temporal CLI's own dev-server package is internal. Only the
// pieces Cordon needs are configured: one namespace with a 7-day retention
// and Cordon's search attributes (see SearchAttributes), registered when the
// database is created because SQLite visibility cannot add them cheaply later.
//
// With Options.Postgres the same server runs on PostgreSQL (the postgres12
// plugin, SQL visibility) and sets the database up as the production
// stack's jobs do (postgres.go); the PostgreSQL test tier uses it.
package devserver

import (
	"context"
	"errors"
	"fmt"
	enumspb "go.temporal.io/api/enums/v1"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/temporal"
)

// Defaults used when Options fields are left empty, and by worker --dev flags.
const (
	DefaultFrontendAddr = "127.0.0.1:7233"
	DefaultUIPort       = 8233
	DefaultNamespace    = "default"
	// Retention of closed workflows in the dev namespace: long enough to look
	// back over a week of incident runs in the UI, short enough that the
	// SQLite file stays small. (Pre-created namespaces would otherwise get 24h.)
	Retention = 7 * 24 * time.Hour
)

// Options configures Start. The zero value is an in-memory server on
// 127.0.0.1:7233 with no UI.
type Options struct {
	// FrontendAddr is the host:port SDK clients dial. Default
	// DefaultFrontendAddr; port 0 picks a free port (see FrontendAddr()).
	FrontendAddr string
	// UIPort is the Web UI's port on the frontend's host; 0 disables the UI.
	// worker --dev passes DefaultUIPort (8233).
	UIPort int
	// DataFile is the SQLite database path. Empty means in-memory (tests);
	// worker --dev passes <--data-dir>/temporal.db (.cordon/temporal.db).
	// The parent directory is created. Visibility (what `cordon list` and
	// the UI's run lists read) is kept beside it in temporal-visibility.db,
	// except in a data file made before it had its own.
	DataFile string
	// Namespace is created at startup. Default DefaultNamespace.
	Namespace string
	// Logger receives Cordon's own messages and, only at debug level, the
	// Temporal server's (which are very chatty). Default: discard.
	Logger *slog.Logger
	// SearchAttributes are the custom search attributes the namespace is
	// created with (and, on an existing database, given when missing).
	// The worker hands in workflows.SearchAttributes(); default none.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Postgres, when set, keeps Temporal's data in PostgreSQL instead of
	// SQLite (DataFile must then be empty); see Postgres. Default nil.
	Postgres *Postgres
	// CodecEndpoint is the remote codec the Web UI decodes payloads with
	// (worker --dev serves one at http://HTTP-ADDR/codec that resolves
	// stored payloads). Default "": the UI shows payloads as stored.
	CodecEndpoint string
	// StandaloneActivities leaves Temporal's standalone activities on
	// (activity.enableStandalone), as a cluster whose operator did not
	// turn them off: only the end-to-end tests that prove Cordon's
	// activities refuse such calls themselves set it. Default false: off.
	StandaloneActivities bool
}

// Server is a running embedded Temporal server. Stop it to release its
// ports (see Stop about the database file).
type Server struct {
	frontendAddr string
	uiAddr       string
	namespace    string
	searchAttrs  map[string]enumspb.IndexedValueType
	logger       *slog.Logger
	serverLog    serverLogger
	temporal     temporal.Server
	ui           *uiserver.Server
	uiDone       chan struct{}
	stopOnce     sync.Once
	stopErr      error
}

// Start starts the server and returns once the frontend accepts requests.
// A port already in use is reported as a *PortInUseError before anything starts.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	host, port, err := splitHostPort(opts.FrontendAddr)
	if err != nil {
		return nil, err
	}
	if opts.Postgres != nil {
		if opts.DataFile != "" {
			return nil, errors.New("a data file and PostgreSQL cannot be used together: leave DataFile empty with Postgres")
		}
		if err := opts.Postgres.validate(); err != nil {
			return nil, err
		}
	}
	ports, err := reservePorts(host, port, opts.UIPort)
	if err != nil {
		return nil, err
	}
	s := &Server{
		frontendAddr: net.JoinHostPort(host, strconv.Itoa(ports.frontend)),
		namespace:    opts.Namespace,
		searchAttrs:  opts.SearchAttributes,
		logger:       opts.Logger,
		serverLog:    newServerLogger(opts.Logger),
	}
	var fresh bool
	var sqlConf, visibility *config.SQL
	if pg := opts.Postgres; pg != nil {
		begin := time.Now()
		if sqlConf, visibility, err = preparePostgres(*pg, s.serverLog); err != nil {
			return nil, err
		}
		s.logger.Info("Temporal schema ready on PostgreSQL", "addr", pg.Addr,
			"databases", []string{pg.Database, pg.VisibilityDatabase}, "took", time.Since(begin).Round(time.Millisecond))
	} else if fresh, sqlConf, visibility, err = prepareDatabase(opts.DataFile, opts.Namespace, opts.SearchAttributes); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		conf := buildConfig(host, ports, sqlConf, visibility)
		s.temporal, err = newTemporal(serverOptions(conf, s.serverLog, opts.StandaloneActivities)...)
		var bind *bindError
		if !errors.As(err, &bind) || attempt == maxBindAttempts {
			break
		}
		// Another program bound a port between its check and the
		// server's bind: pick the internal ports (and a picked frontend
		// port) again.
		s.logger.Warn("embedded Temporal server could not bind its ports; picking others", "error", err, "attempt", attempt)
		if ports, err = reservePorts(host, port, opts.UIPort); err != nil {
			return nil, err
		}
		s.frontendAddr = net.JoinHostPort(host, strconv.Itoa(ports.frontend))
	}
	if err != nil {
		return nil, fmt.Errorf("configuring Temporal server: %w", err)
	}
	if err := s.temporal.Start(); err != nil {
		return nil, fmt.Errorf("starting Temporal server: %w", err)
	}
	if !fresh {
		// A SQLite database made by an older Cordon may lack attributes
		// added since; PostgreSQL gets the namespace and all of them here.
		if err := s.register(ctx, opts.Postgres != nil); err != nil {
			_ = s.temporal.Stop()
			return nil, err
		}
	}
	if opts.UIPort != 0 {
		s.startUI(host, opts.UIPort, opts.CodecEndpoint)
	}
	return s, nil
}

// maxBindAttempts bounds Start's attempts with new ports.
const maxBindAttempts = 3

// bindError is a Temporal server that failed to build because a listener
// could not bind: the server logs a failed listen as fatal, which the
// embedded server's logger only logs (log.go), and then dereferences the
// missing listener (server v1.32.1 common/rpc/rpc.go createGRPCListener,
// service/frontend/http_api_server.go NewHTTPAPIServer).
type bindError struct{ cause any }

func (e *bindError) Error() string {
	return fmt.Sprintf("the Temporal server panicked while it was being built (%v), most likely on a port taken between its check and the bind", e.cause)
}

// newTemporal is temporal.NewServer with its panic on a listener that
// could not bind turned into a *bindError.
func newTemporal(opts ...temporal.ServerOption) (srv temporal.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			srv, err = nil, &bindError{cause: r}
		}
	}()
	return temporal.NewServer(opts...)
}

// register adds what the database lacks through the frontend: with
// PostgreSQL the namespace too, and then it waits until both are usable.
func (s *Server) register(ctx context.Context, postgres bool) error {
	// The services pick up a new namespace and attributes within seconds
	// (their cache refreshes every 2 s); a minute means something is wrong.
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	c, err := s.NewClient(ctx, client.Options{})
	if err != nil {
		return fmt.Errorf("connecting to embedded server: %w", err)
	}
	defer c.Close()
	if postgres {
		if err := s.ensureNamespace(ctx, c); err != nil {
			return err
		}
	}
	if err := s.ensureSearchAttributes(ctx, c); err != nil {
		return err
	}
	if postgres {
		return s.waitUsable(ctx, c)
	}
	return nil
}

const registerTimeout = time.Minute

func (o Options) withDefaults() Options {
	if o.FrontendAddr == "" {
		o.FrontendAddr = DefaultFrontendAddr
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Postgres != nil {
		pg := o.Postgres.withDefaults()
		o.Postgres = &pg
	}
	return o
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("frontend address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("frontend address %q: bad port", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host, port, nil
}

// FrontendAddr is the host:port SDK clients dial.
func (s *Server) FrontendAddr() string { return s.frontendAddr }

// UIAddr is the Web UI's base URL ("http://host:port"), or "" when disabled.
func (s *Server) UIAddr() string { return s.uiAddr }

// Namespace is the namespace the server created.
func (s *Server) Namespace() string { return s.namespace }

// NewClient dials the server with ClientOptions(opts).
func (s *Server) NewClient(ctx context.Context, opts client.Options) (client.Client, error) {
	return client.DialContext(ctx, s.ClientOptions(opts))
}

// ClientOptions completes opts for a client of this server: the one place
// that decides how the binary (cordon-worker --dev) and the tests and
// benchmarks (NewClient) talk to the embedded server, so the benchmarks
// measure what ships. Options in opts (Identity, Logger, interceptors,
// data converter...) are kept; HostPort and Namespace are set here, and
// gRPC compression is off unless opts asks for it. Without a Logger the
// SDK's messages go to the server's logger.
func (s *Server) ClientOptions(opts client.Options) client.Options {
	opts.HostPort = s.frontendAddr
	opts.Namespace = s.namespace
	if opts.ConnectionOptions.GrpcCompression == nil {
		// The server is in this process, over loopback: gzip (the SDK's
		// default) would only spend CPU on both ends of every call.
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if opts.Logger == nil && s.logger != nil {
		opts.Logger = sdklog.NewStructuredLogger(s.logger)
	}
	return opts
}

// Stop shuts down the UI and all Temporal services and releases their
// ports. It is safe to call more than once.
//
// The SQLite handle is the exception: the server's SQLite plugin keeps one
// connection per database in a process-wide pool that it never closes
// (sqlplugin/sqlite/conn_pool.go), so the file stays open until the process
// exits. A later Start on the same file in the same process reuses that
// connection, which TestFileRestartReusesPortsAndData checks.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		s.serverLog.stopping.Store(true)
		if err := s.temporal.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping Temporal server: %w", err))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}
