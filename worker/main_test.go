package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/pgtest"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/workflows"
)

// mainEnv, when set, makes the test binary act as the worker binary: the
// subprocess test re-executes itself instead of running `go build ./worker`,
// which would link a second ~200 MB binary (about a minute on 2 cores).
const mainEnv = "CORDON_WORKER_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestDevSubprocess runs `worker --dev` as a separate process on free ports,
// waits for /healthz, checks the UI and the frontend answer, then sends
// SIGTERM and expects a clean exit that frees the ports.
func TestDevSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the worker as a subprocess")
	}
	dir := t.TempDir()
	bin, err := os.Executable()
	require.NoError(t, err)

	temporalPort, uiPort, httpPort, pagesPort := testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t)
	httpAddr := "127.0.0.1:" + strconv.Itoa(httpPort)
	var stdout, stderr testutil.SyncBuffer
	cmd := exec.Command(bin, "--dev",
		"--temporal-port", strconv.Itoa(temporalPort), "--ui-port", strconv.Itoa(uiPort), "--serve-port", strconv.Itoa(pagesPort),
		"--playbooks", filepath.Join("..", "playbooks"),
		"--http-addr", httpAddr, "--data-dir", filepath.Join(dir, "data"), "--sim-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	waitHealthy(t, "http://"+httpAddr+"/healthz", exited)
	t.Logf("worker --dev healthy %s after exec", time.Since(start).Round(time.Millisecond))

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", uiPort))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "Web UI answers")

	// The UI decodes stored payloads through the worker's codec endpoint,
	// which grants the UI's origin CORS.
	resp, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/settings", uiPort))
	require.NoError(t, err)
	var settings struct{ Codec struct{ Endpoint string } }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&settings))
	resp.Body.Close()
	require.Equal(t, "http://"+httpAddr+"/codec", settings.Codec.Endpoint)
	pre, _ := http.NewRequest(http.MethodOptions, settings.Codec.Endpoint+"/decode", nil)
	pre.Header.Set("Origin", fmt.Sprintf("http://127.0.0.1:%d", uiPort))
	pre.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = http.DefaultClient.Do(pre)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, fmt.Sprintf("http://127.0.0.1:%d", uiPort), resp.Header.Get("Access-Control-Allow-Origin"))

	// /metrics serves the SDK's series (the worker polls), Cordon's
	// approvals gauge (a visibility query) and the Go runtime's.
	sc, err := testutil.ScrapeURL("http://" + httpAddr + "/metrics")
	require.NoError(t, err)
	for _, name := range []string{"temporal_long_request", "cordon_approvals_waiting", "go_goroutines"} {
		_, ok := sc.Sum(name, nil)
		assert.True(t, ok, "%s served", name)
	}
	waiting, _ := sc.Sum("cordon_approvals_waiting_scrape_error", nil)
	assert.Zero(t, waiting, "the visibility query answered")

	c, err := client.DialContext(t.Context(), client.Options{HostPort: "127.0.0.1:" + strconv.Itoa(temporalPort)})
	require.NoError(t, err, "SDK clients can connect")
	_, err = c.CheckHealth(t.Context(), nil)
	require.NoError(t, err)
	defer c.Close()
	require.Contains(t, stdout.String(), fmt.Sprintf("Temporal Web UI:   http://127.0.0.1:%d", uiPort))
	require.Regexp(t, `Okta org:          http://127\.0\.0\.1:\d+/orgs/acme \(simulated, demo seed\)`, stdout.String())
	// Two simulated orgs, named in the connections file the worker wrote.
	require.Contains(t, stdout.String(), "Connections:       "+filepath.Join(dir, "data", devConnectionsFile))
	require.Regexp(t, `acme +http://127\.0\.0\.1:\d+/orgs/acme \(simulated, demo seed, SSWS, also the default connection\)`, stdout.String())
	require.Regexp(t, `globex +http://127\.0\.0\.1:\d+/orgs/globex \(simulated, demo seed, OAuth service app 0oacordondevglobex with DPoP\)`, stdout.String())
	require.Contains(t, stderr.String(), "task_queues=\"[cordon cordon-okta-acme cordon-okta-globex]\"")
	require.Contains(t, stdout.String(), "Payload store:     file "+filepath.Join(dir, "data", "payloads"))
	devPagesStartARun(t, fmt.Sprintf("http://127.0.0.1:%d", pagesPort), &stdout, c)
	devRunOnGlobex(t, c)

	terminate(t, cmd, exited, &stderr)
	require.Contains(t, stderr.String(), "embedded Temporal server stopped")
	require.NotContains(t, stderr.String(), "level=ERROR")
	for _, p := range []int{temporalPort, uiPort, httpPort, pagesPort} {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		require.NoError(t, err, "port %d released", p)
		l.Close()
	}
}

func TestUnreachableClusterFailsFast(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:"+strconv.Itoa(testutil.FreePort(t)))
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(t.TempDir(), "none.toml"))
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := realMain([]string{"--http-addr", ""}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "cannot reach Temporal at "+os.Getenv("TEMPORAL_ADDRESS"))
	require.Contains(t, stderr.String(), "set TEMPORAL_ADDRESS")
	t.Logf("failed after %s", time.Since(start).Round(time.Millisecond))
}

func TestPortInUseNamesTheFlag(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"--dev", "--temporal-port", strconv.Itoa(port), "--http-addr", "",
		"--data-dir", t.TempDir()}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(),
		fmt.Sprintf("worker: port %d is in use; pick another with --temporal-port\n", port))
}

func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{{"--nope"}, {"extra"}, {"--log-format", "xml"}} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, realMain(args, &stdout, &stderr), "args %v", args)
		require.NotEmpty(t, stderr.String())
	}
}

func waitHealthy(t *testing.T, url string, exited <-chan error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("worker exited before becoming healthy: %v", err)
		case <-ctx.Done():
			t.Fatalf("%s not healthy within 60s", url)
		case <-tick.C:
		}
	}
}

func TestPlainHTTPOktaURLNeedsTheFlag(t *testing.T) {
	t.Setenv("OKTA_ORG_URL", "http://okta.internal.example:8080")
	t.Setenv("OKTA_API_TOKEN", "tok")

	cfg, err := parseFlags([]string{"--dev"}, &bytes.Buffer{})
	require.NoError(t, err)
	logger := slog.New(slog.DiscardHandler)
	_, err = connectionsToServe(cfg, nil, guard.Config{}, logger)
	require.Error(t, err)
	require.Contains(t, err.Error(), `org URL "http://okta.internal.example:8080" must use https`)

	cfg, err = parseFlags([]string{"--dev", "--insecure-okta-url"}, &bytes.Buffer{})
	require.NoError(t, err)
	conns, err := connectionsToServe(cfg, nil, guard.Config{}, logger)
	require.NoError(t, err)
	require.Len(t, conns, 1)
	assert.Equal(t, "default", conns[0].Name)
	_, err = oktaClient(conns[0].Okta, logger)
	require.NoError(t, err)
}

// TestDevOnPostgres runs `worker --dev --dev-postgres` on a throwaway
// PostgreSQL: it creates Temporal's databases, serves, names where the
// data is without the password, and stops cleanly.
func TestDevOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the worker as a subprocess")
	}
	pg := pgtest.StartForTest(t, "worker --dev-postgres test")
	bin, err := os.Executable()
	require.NoError(t, err)
	httpAddr := "127.0.0.1:" + strconv.Itoa(testutil.FreePort(t))
	url := "postgres://" + pgtest.Superuser + ":" + pgtest.Password + "@" + pg.Addr + "/cordon_dev"
	var stdout, stderr testutil.SyncBuffer
	cmd := exec.Command(bin, "--dev", "--dev-postgres", url, "--temporal-port", strconv.Itoa(testutil.FreePort(t)), "--ui-port", "0",
		"--http-addr", httpAddr, "--data-dir", t.TempDir(), "--sim-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	waitHealthy(t, "http://"+httpAddr+"/healthz", exited)
	require.Contains(t, stdout.String(), "Data:              PostgreSQL "+pgtest.Superuser+"@"+pg.Addr+", databases cordon_dev and cordon_dev_visibility")
	conn, err := pg.Connect(t.Context(), "cordon_dev_visibility")
	require.NoError(t, err, "the visibility database was created")
	require.NoError(t, conn.Close(t.Context()))

	terminate(t, cmd, exited, &stderr)
	require.NotContains(t, stderr.String(), "level=ERROR")
	require.NotContains(t, stdout.String()+stderr.String(), pgtest.Password, "the password is never printed")
}

// terminate sends the worker SIGTERM and waits for a clean exit.
func terminate(t *testing.T, cmd *exec.Cmd, exited <-chan error, stderr *testutil.SyncBuffer) {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "clean exit; stderr:\n%s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("worker did not exit within 30s of SIGTERM; stderr:\n%s", stderr.String())
	}
}

// devRunOnGlobex runs a read-only playbook on the dev stack's second org:
// the worker serves globex's queue, so the run's steps are picked up
// there and it succeeds on connection globex.
func devRunOnGlobex(t *testing.T, c client.Client) {
	t.Helper()
	reg := action.Okta()
	lib := runs.Library{Dir: filepath.Join("..", "playbooks"), Registry: reg}
	pb, err := lib.Resolve("investigate-user")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	started, err := runs.Start(ctx, c, runs.Request{Playbook: pb, Library: lib, StartedBy: "test", Connection: "globex",
		Inputs: map[string]any{"login": oktasim.DemoActiveUserLogin}})
	require.NoError(t, err)
	st, err := runs.Wait(ctx, c, started.WorkflowID, nil)
	require.NoError(t, err)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, "globex", st.Connection)
}
