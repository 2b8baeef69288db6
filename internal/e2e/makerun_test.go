package e2e

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/testutil"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// TestMakeRunCtrlC: Ctrl-C on make run (SIGINT to the terminal's process
// group: make, the shell, the worker) ends it cleanly, without make's
// "Error 1" (go run used to exit 1 when interrupted).
func TestMakeRunCtrlC(t *testing.T) {
	parallelLong(t) // its own dev stack (make run) on free ports and a temp data dir
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	portOf := func(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }
	flags := fmt.Sprintf("--temporal-port %s --ui-port 0 --sim-addr %s --http-addr %s --data-dir %s",
		portOf(freeAddr(t)), freeAddr(t), freeAddr(t), filepath.Join(t.TempDir(), "cordon"))
	cmd := exec.Command("make", "run", "RUNFLAGS="+flags)
	cmd.Dir = filepath.Join("..", "..")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a terminal's foreground group
	var out testutil.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(10 * time.Minute) // the first build links the Temporal server
	for !strings.Contains(out.String(), "approval needed:") {
		select {
		case err := <-exited:
			t.Fatalf("make run ended early (%v):\n%s", err, out.String())
		case <-deadline:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("make run did not reach the demo's approval:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			st := ee.Sys().(syscall.WaitStatus)
			assert.True(t, st.Signaled() && st.Signal() == syscall.SIGINT, "make ends by the interrupt, not with an error: %v", err)
		}
	case <-time.After(time.Minute):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatal("make run did not stop within a minute of Ctrl-C")
	}
	assert.NotContains(t, out.String(), "Error 1")
	assert.Contains(t, out.String(), "embedded Temporal server stopped")
}
