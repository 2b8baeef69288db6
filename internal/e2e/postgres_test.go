package e2e

// The PostgreSQL tier: the Temporal server on the postgres12 plugin with
// SQL visibility, on a throwaway PostgreSQL (Debian's package), with
// everything else as in the SQLite tests: the real worker wiring, the
// simulated org over HTTP, the cordon binary.

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pgschema "go.temporal.io/server/schema/postgresql/v12"

	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/pgtest"
	"github.com/cordonsec/cordon/workflows"
)

// TestPostgresTier runs the library's end-to-end tests and `cordon list`
// by every search attribute on PostgreSQL-backed Temporal. It skips, with
// "PostgreSQL tier SKIPPED" in the output, only when PostgreSQL is not
// installed (.ci/run installs Debian's postgresql package).
func TestPostgresTier(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL tier SKIPPED: -short")
	}
	pg := pgtest.StartForTest(t, "PostgreSQL tier")
	opts := devserver.Postgres{Addr: pg.Addr, User: pgtest.Superuser, Password: pgtest.Password}
	prepareTemporalOnPostgres(t, pg, opts)

	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo}, stackOptions{postgres: &opts})
	t.Cleanup(stop)

	t.Run("playbooks", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			run  func(*testing.T, *stack)
		}{
			{"ContainCompromisedUser", testPlaybookContainCompromisedUser},
			{"SessionHijackResponse", testPlaybookSessionHijackResponse},
			{"BlockMaliciousIPs", testPlaybookBlockMaliciousIPs},
			{"BruteForceResponse", testPlaybookBruteForceResponse},
			{"InvestigateUser", testPlaybookInvestigateUser},
			{"OnboardUser", testPlaybookOnboardUser},
			{"OffboardUser", testPlaybookOffboardUser},
			{"ZoneHygiene", testPlaybookZoneHygiene},
			{"HealthCheck", testPlaybookHealthCheck},
		} {
			t.Run(tc.name, func(t *testing.T) { tc.run(t, s) })
		}
	})
}

// prepareTemporalOnPostgres starts Temporal once on the empty server (it
// creates the databases, the schema, the namespace and the search
// attributes) and stops it, so the stack's Start is the second one: it
// must find everything in place and change nothing.
func prepareTemporalOnPostgres(t *testing.T, pg *pgtest.Server, opts devserver.Postgres) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	begin := time.Now()
	srv, err := devserver.Start(ctx, devserver.Options{FrontendAddr: "127.0.0.1:0", Postgres: &opts,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	require.NoError(t, err)
	t.Logf("first start on an empty PostgreSQL (databases, schema, namespace, search attributes): %s", time.Since(begin).Round(time.Millisecond))
	require.NoError(t, srv.Stop())

	for db, want := range map[string]string{
		devserver.DefaultPostgresDatabase:           pgschema.Version,
		devserver.DefaultPostgresVisibilityDatabase: pgschema.VisibilityVersion,
	} {
		conn, err := pg.Connect(ctx, db)
		require.NoError(t, err)
		var version string
		require.NoError(t, conn.QueryRow(ctx, "SELECT curr_version FROM schema_version WHERE db_name = $1", db).Scan(&version))
		require.NoError(t, conn.Close(ctx))
		require.Equal(t, want, version, "schema of %s is at the server's version", db)
	}
}
