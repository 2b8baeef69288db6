package pgtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServerRunsQueriesAndCleansUp(t *testing.T) {
	s := StartForTest(t, "pgtest")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.Connect(ctx, "postgres")
	require.NoError(t, err)
	var one int
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
	require.Equal(t, 1, one)
	require.NoError(t, conn.Close(ctx))

	// A wrong password is refused: host connections need the password.
	bad := "postgres://" + Superuser + ":wrong@" + s.Addr + "/postgres?sslmode=disable"
	_, err = connectDSN(ctx, bad)
	require.ErrorContains(t, err, "password authentication failed")

	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "Stop is idempotent")
	_, err = os.Stat(s.dir)
	require.True(t, os.IsNotExist(err), "the data directory is removed")
	_, err = connectDSN(ctx, s.DSN("postgres"))
	require.Error(t, err, "the server is gone")
}

func TestFindBinDirReportsMissingInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir, err := FindBinDir()
	if matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(matches) > 0 {
		require.NoError(t, err)
		require.Equal(t, "/usr/lib/postgresql", filepath.Dir(filepath.Dir(dir)))
		return
	}
	require.True(t, errors.Is(err, ErrNotInstalled), "got %v", err)
	require.ErrorContains(t, err, "install Debian's postgresql package")
}
