// Package pgtest runs a throwaway PostgreSQL server for tests: Debian's
// `postgresql` package (initdb and postgres), a fresh data directory in the
// system's temp dir, a free TCP port on 127.0.0.1 and a socket directory of
// its own. It does not link the Temporal server, so any test may use it.
//
// The server is a child process of the test binary (not daemonized with
// pg_ctl), so Stop can wait for it to exit, and it is tuned for tests:
// fsync and synchronous commit are off, which loses nothing a test keeps.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser names the role initdb creates; Password is its password (host
// connections use scram-sha-256, as a real deployment would).
const (
	Superuser = "cordon"
	Password  = "cordon-test-password"
)

// ErrNotInstalled reports that initdb or postgres could not be found.
var ErrNotInstalled = errors.New("PostgreSQL is not installed")

// Server is a running throwaway PostgreSQL server.
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	// BinDir is where initdb and postgres were found.
	BinDir string

	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer

	stopOnce sync.Once
	stopErr  error
}

// FindBinDir returns the directory holding initdb and postgres: initdb's
// on PATH (symlinks resolved), else the newest /usr/lib/postgresql/*/bin.
// The error wraps ErrNotInstalled.
func FindBinDir() (string, error) { return findBinDir("/usr/lib/postgresql/*/bin") }

func findBinDir(versionsGlob string) (string, error) {
	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
	}
	versions, _ := filepath.Glob(versionsGlob)
	sort.Slice(versions, func(i, j int) bool { return majorOf(versions[i]) > majorOf(versions[j]) })
	candidates = append(candidates, versions...)
	for _, dir := range candidates {
		if isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin (install Debian's postgresql package; .ci/run does)", ErrNotInstalled)
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Start initializes a data directory and starts PostgreSQL on a free port,
// returning once it accepts connections. Stop it to remove everything.
// As root (CI), initdb and postgres refuse to run; they then run as the
// `postgres` system user that Debian's package creates.
func Start(ctx context.Context) (*Server, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempBase(cred), "cordon-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{BinDir: bin, dir: dir, log: &bytes.Buffer{}}
	if err := s.initdb(ctx, cred); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// A port picked free can be taken before postgres binds it; try again
	// on another.
	for attempt := 0; ; attempt++ {
		err = s.run(ctx, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 2 || ctx.Err() != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
}

// credential is nil unless running as root, when it is the postgres user's.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root needs the postgres system user to run PostgreSQL, and it is missing (%v)", ErrNotInstalled, err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// tempBase is the system's temp dir, unless PostgreSQL runs as another
// user who could not reach it (root's TMPDIR may be private); then /tmp.
func tempBase(cred *syscall.Credential) string {
	base := os.TempDir()
	if cred == nil {
		return base
	}
	for dir := base; ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if dir == filepath.Dir(dir) {
			return base
		}
	}
}

func (s *Server) initdb(ctx context.Context, cred *syscall.Credential) error {
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Mkdir(s.dataDir(), 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(s.socketDir(), 0o700); err != nil {
		return err
	}
	if cred != nil {
		for _, p := range []string{s.dir, pwfile, s.dataDir(), s.socketDir()} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return fmt.Errorf("handing %s to the postgres user: %w", p, err)
			}
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(s.BinDir, "initdb"), "--pgdata", s.dataDir(),
		"--username", Superuser, "--pwfile", pwfile, "--auth-local", "trust", "--auth-host", "scram-sha-256",
		"--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func (s *Server) dataDir() string   { return filepath.Join(s.dir, "data") }
func (s *Server) socketDir() string { return filepath.Join(s.dir, "sock") }

// run starts postgres on a fresh free port and waits until it is ready.
func (s *Server) run(ctx context.Context, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.log.Reset()
	cmd := exec.Command(filepath.Join(s.BinDir, "postgres"), "-D", s.dataDir(),
		"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-k", s.socketDir(),
		// A throwaway server: durability buys nothing; Temporal's services
		// each keep their own pools, so allow plenty of connections.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "logging_collector=off")
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		// Its own process group: a Ctrl-C in the terminal reaches the
		// test binary, whose cleanup stops PostgreSQL in order.
		Setpgid: true,
		// If the test binary dies without its cleanup (a -timeout panic,
		// kill -9), PostgreSQL shuts down at once instead of lingering.
		Pdeathsig: syscall.SIGQUIT,
	}
	s.cmd, s.done = cmd, make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// The kernel sends Pdeathsig when the thread that started the
		// child exits, not the process: keep this goroutine, and so its
		// thread, alive until postgres exits.
		runtime.LockOSThread()
		defer close(s.done)
		err := cmd.Start()
		started <- err
		if err == nil {
			_ = cmd.Wait()
		}
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	if err := s.waitReady(ctx); err != nil {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		<-s.done
		return fmt.Errorf("%w\npostgres log:\n%s", err, s.log.String())
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited at startup: %v", s.cmd.ProcessState)
		default:
		}
		conn, err := connectDSN(ctx, s.DSN("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready on %s: %w", s.Addr, err)
		case <-s.done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// DSN is a connection URL for database on this server as the superuser.
func (s *Server) DSN(database string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", Superuser, Password, s.Addr, database)
}

// Connect opens a connection to database, for checking what a test wrote.
func (s *Server) Connect(ctx context.Context, database string) (*pgx.Conn, error) {
	return connectDSN(ctx, s.DSN(database))
}

func connectDSN(ctx context.Context, dsn string) (*pgx.Conn, error) { return pgx.Connect(ctx, dsn) }

// StartForTest starts a server for t and stops it when t ends (also when
// t fails). When PostgreSQL is not installed it skips t with a message
// that says, loudly, what was not tested.
func StartForTest(t testing.TB, what string) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	s, err := Start(ctx)
	if errors.Is(err, ErrNotInstalled) {
		t.Skipf("%s SKIPPED: %v", what, err)
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Logf("pgtest: PostgreSQL from %s ready at %s in %s", s.BinDir, s.Addr, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s
}

// Stop shuts PostgreSQL down (fast shutdown: open sessions are ended) and
// removes its directory. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			s.stopErr = fmt.Errorf("postgres did not stop within 30s; killed")
		}
		if err := os.RemoveAll(s.dir); err != nil && s.stopErr == nil {
			s.stopErr = err
		}
	})
	return s.stopErr
}

// Picked below Linux's ephemeral range (32768-60999), as
// internal/devserver does: a port from that range, free when picked, can
// become the local end of an outgoing connection before postgres binds it.
const pickLow, pickHigh = 20000, 32000

func freePort() (int, error) {
	for range 200 {
		p := pickLow + rand.IntN(pickHigh-pickLow)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			_ = l.Close()
			return p, nil
		}
	}
	return 0, errors.New("no free port for postgres between 20000 and 32000")
}
