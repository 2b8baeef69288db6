package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	_, err := findBinDir(filepath.Join(t.TempDir(), "*", "bin"))
	require.True(t, errors.Is(err, ErrNotInstalled), "got %v", err)
	require.EqualError(t, err, "PostgreSQL is not installed: no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin (install Debian's postgresql package; .ci/run does)")
}

func TestFindBinDirPrefersNewestVersion(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	for _, v := range []string{"9", "15", "16"} {
		dir := filepath.Join(root, v, "bin")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		if v == "16" {
			continue // incomplete: no binaries
		}
		for _, name := range []string{"initdb", "postgres"} {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755))
		}
	}
	dir, err := findBinDir(filepath.Join(root, "*", "bin"))
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, "15", "bin"), dir)
}

// TestMain lets TestServerStopsWhenTestBinaryDies run this binary as the
// process that dies.
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		s, err := Start(context.Background())
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(s.cmd.Process.Pid, s.dir)
		select {} // until killed
	}
	os.Exit(m.Run())
}

const helperEnv = "CORDON_PGTEST_HELPER"

// A test binary killed without its cleanup must not leave PostgreSQL
// running.
func TestServerStopsWhenTestBinaryDies(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Skipf("pgtest SKIPPED: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var pid int
	var dir string
	_, err = fmt.Fscan(out, &pid, &dir)
	require.NoError(t, err, "the helper prints the postgres pid and its directory")
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.True(t, alive(pid), "postgres runs")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		require.False(t, time.Now().After(deadline), "postgres %d still runs 30 s after the test binary died", pid)
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesized command name.
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}
