package devserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	pgplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql/driver"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql/session"
	"go.temporal.io/server/common/resolver"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Defaults of Postgres fields, the names docker-compose.yml uses.
const (
	DefaultPostgresUser               = "temporal"
	DefaultPostgresDatabase           = "temporal"
	DefaultPostgresVisibilityDatabase = "temporal_visibility"
)

// Postgres points the server at a PostgreSQL server (version 12 or later)
// instead of SQLite: executions in Database, SQL visibility (what `cordon
// list` and the UI query) in VisibilityDatabase. Start creates both
// databases when missing and creates or upgrades Temporal's schema in them
// with the server's own SQL tooling (what temporal-sql-tool runs); then it
// registers the namespace and the search attributes through the frontend,
// as docker-compose.yml's setup jobs do. A second Start on the same
// databases changes nothing.
type Postgres struct {
	// Addr is the server's host:port. Required.
	Addr string
	// User and Password log in; User defaults to DefaultPostgresUser. The
	// user needs CREATEDB only when a database is missing.
	User, Password string
	// Database defaults to DefaultPostgresDatabase; VisibilityDatabase to
	// DefaultPostgresVisibilityDatabase.
	Database, VisibilityDatabase string
	// ConnectAttributes are added to the connection URL, e.g.
	// {"sslmode": "verify-full"}. Default: sslmode=disable.
	ConnectAttributes map[string]string
}

// ParsePostgresURL reads worker --dev-postgres:
// postgres://USER[:PASSWORD]@HOST:PORT[/DATABASE][?sslmode=...]. The
// visibility database is DATABASE_visibility (temporal, temporal_visibility
// by default, as in docker-compose.yml); query parameters become
// ConnectAttributes. A password missing from the URL is taken from
// PGPASSWORD (getenv), libpq's variable, so it need not show in `ps`.
func ParsePostgresURL(raw string, getenv func(string) string) (Postgres, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error repeats the URL, password included.
		return Postgres{}, errors.New("postgres URL: not a URL (want postgres://USER[:PASSWORD]@HOST:PORT[/DATABASE])")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return Postgres{}, fmt.Errorf("postgres URL: scheme %q, want postgres://USER[:PASSWORD]@HOST:PORT[/DATABASE]", u.Scheme)
	}
	if u.Port() == "" {
		return Postgres{}, fmt.Errorf("postgres URL: host %q needs a port (PostgreSQL's is 5432)", u.Hostname())
	}
	p := Postgres{Addr: u.Host, User: u.User.Username(), Database: strings.TrimPrefix(u.Path, "/")}
	if pw, ok := u.User.Password(); ok {
		p.Password = pw
	} else {
		p.Password = getenv("PGPASSWORD")
	}
	if strings.Contains(p.Database, "/") {
		return Postgres{}, fmt.Errorf("postgres URL: database %q", p.Database)
	}
	if p.Database != "" {
		p.VisibilityDatabase = p.Database + "_visibility"
	}
	for k, v := range u.Query() {
		if p.ConnectAttributes == nil {
			p.ConnectAttributes = map[string]string{}
		}
		p.ConnectAttributes[k] = v[len(v)-1]
	}
	return p.withDefaults(), nil
}

// String names the server and databases, never the password.
func (p Postgres) String() string {
	return fmt.Sprintf("PostgreSQL %s@%s, databases %s and %s", p.User, p.Addr, p.Database, p.VisibilityDatabase)
}

func (p Postgres) withDefaults() Postgres {
	if p.User == "" {
		p.User = DefaultPostgresUser
	}
	if p.Database == "" {
		p.Database = DefaultPostgresDatabase
	}
	if p.VisibilityDatabase == "" {
		p.VisibilityDatabase = DefaultPostgresVisibilityDatabase
	}
	return p
}

var pgName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

func (p Postgres) validate() error {
	if _, _, err := net.SplitHostPort(p.Addr); err != nil || p.Addr == "" {
		return fmt.Errorf("postgres address %q: want host:port", p.Addr)
	}
	for _, db := range []string{p.Database, p.VisibilityDatabase} {
		// Temporal's tool puts the name into CREATE DATABASE as it is.
		if !pgName.MatchString(db) {
			return fmt.Errorf("postgres database name %q: use letters, digits and underscores", db)
		}
	}
	if p.Database == p.VisibilityDatabase {
		return fmt.Errorf("postgres: the visibility database must differ from the main one (both %q)", p.Database)
	}
	return nil
}

// sqlConfig is the plugin's configuration for one database, with at most
// maxConns connections per service (the main store gets 20, the default of
// Temporal's docker image; visibility 10).
func (p Postgres) sqlConfig(database string, maxConns int) *config.SQL {
	return &config.SQL{
		PluginName:        pgplugin.PluginName,
		ConnectAddr:       p.Addr,
		User:              p.User,
		Password:          p.Password,
		DatabaseName:      database,
		ConnectAttributes: maps.Clone(p.ConnectAttributes),
		MaxConns:          maxConns,
		MaxIdleConns:      maxConns,
		MaxConnLifetime:   time.Hour,
	}
}

// Schema directories inside go.temporal.io/server/schema, the same the
// admin-tools image has under /etc/temporal/schema.
const (
	pgSchemaMain       = "postgresql/v12/temporal"
	pgSchemaVisibility = "postgresql/v12/visibility"
)

// preparePostgres creates the databases and brings their schema to the
// version this server build expects. It returns the main and visibility
// store configurations.
func preparePostgres(p Postgres, logger log.Logger) (store, visibility *config.SQL, err error) {
	store = p.sqlConfig(p.Database, 20)
	visibility = p.sqlConfig(p.VisibilityDatabase, 10)
	for _, db := range []struct {
		conf   *config.SQL
		schema string
	}{{store, pgSchemaMain}, {visibility, pgSchemaVisibility}} {
		if err := setupPostgresDB(db.conf, db.schema, logger); err != nil {
			return nil, nil, fmt.Errorf("preparing PostgreSQL database %s on %s: %w", db.conf.DatabaseName, p.Addr, err)
		}
	}
	return store, visibility, nil
}

// setupPostgresDB does what deploy/temporal/setup-schema.sh does with
// temporal-sql-tool: create (when missing), setup-schema -v 0.0 (the
// version tables), update-schema (every versioned step not yet applied).
func setupPostgresDB(conf *config.SQL, schemaName string, logger log.Logger) error {
	if err := createDatabase(conf, logger); err != nil {
		return err
	}
	conn, err := sqltool.NewConnection(conf, logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger).Run(); err != nil {
		return fmt.Errorf("creating the schema version tables: %w", err)
	}
	if err := schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{SchemaName: schemaName}, logger).Run(); err != nil {
		return fmt.Errorf("updating the schema (%s): %w", schemaName, err)
	}
	return nil
}

// createDatabase creates conf's database when it is missing. Connecting
// first gives the driver's own error (refused, wrong password) rather than
// the pool's "no usable database connection", and lets a user without
// CREATEDB use databases an administrator made.
func createDatabase(conf *config.SQL, logger log.Logger) error {
	sess, err := session.NewSession(conf, &driver.PQDriver{}, resolver.NewNoopResolver())
	if err == nil {
		sess.Close()
		return nil
	}
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != pgInvalidCatalogName {
		return fmt.Errorf("connecting: %w", err)
	}
	admin := *conf
	// The tool connects to the server's "postgres" database to create it.
	if err := sqltool.DoCreateDatabase(&admin, "postgres", logger); err != nil {
		return fmt.Errorf("creating the database: %w", err)
	}
	return nil
}

// pgInvalidCatalogName is PostgreSQL's error code for a missing database.
const pgInvalidCatalogName = "3D000"

// ensureNamespace registers the namespace with Retention unless it exists,
// as `temporal operator namespace create --retention 7d` in compose, and
// waits until the frontend knows it.
func (s *Server) ensureNamespace(ctx context.Context, c client.Client) error {
	_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.namespace})
	var notFound *serviceerror.NamespaceNotFound
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &notFound):
		return fmt.Errorf("describing namespace %s: %w", s.namespace, err)
	}
	_, err = c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        s.namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(Retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("registering namespace %s: %w", s.namespace, err)
	}
	s.logger.Info("registered namespace", "namespace", s.namespace, "retention", Retention)
	// The namespace is in the database now, and in each service's
	// namespace cache after its next refresh (every 2 s by default).
	return retryUntil(ctx, "namespace "+s.namespace+" to be usable", func() error {
		_, err := c.OperatorService().ListSearchAttributes(ctx,
			&operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
		return err
	})
}

// waitUsable returns once a visibility query over every search attribute
// is accepted: attributes added through the frontend, like the namespace,
// reach the services on their cache's next refresh.
func (s *Server) waitUsable(ctx context.Context, c client.Client) error {
	query := usableQuery(s.searchAttrs)
	return retryUntil(ctx, "search attributes to be usable", func() error {
		_, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: s.namespace, Query: query, PageSize: 1})
		return err
	})
}

// retryUntil calls f every 100 ms until it succeeds or ctx ends.
func retryUntil(ctx context.Context, what string, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for %s: %w", what, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// usableQuery names every attribute with a value of its type.
func usableQuery(attrs map[string]enumspb.IndexedValueType) string {
	var terms []string
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		switch attrs[name] {
		case enumspb.INDEXED_VALUE_TYPE_BOOL:
			terms = append(terms, name+" = true")
		case enumspb.INDEXED_VALUE_TYPE_INT:
			terms = append(terms, name+" = 0")
		case enumspb.INDEXED_VALUE_TYPE_DOUBLE:
			terms = append(terms, name+" = 0.5")
		case enumspb.INDEXED_VALUE_TYPE_DATETIME:
			terms = append(terms, name+" = '2000-01-01T00:00:00Z'")
		default:
			terms = append(terms, name+" = 'x'")
		}
	}
	if len(terms) == 0 {
		return ""
	}
	return strings.Join(terms, " AND ")
}
