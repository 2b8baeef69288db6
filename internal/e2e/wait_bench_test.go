package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// waitLanes is how many `cordon status --wait` processes run at once.
const waitLanes = 4

// BenchmarkWaitLag measures how late `cordon status ID --wait` (a fresh
// process of the real binary each time, as a person runs it) returns
// after its run closed. Each iteration starts a run that stops at an
// approval, starts the waiter, lets it reach its wait (it prints the
// pending approval on stderr), approves, and takes the time from the
// run's close (the server's CloseTime, same machine clock) to the
// process's exit. Issue 27 saw 1 wait in 360 return 20 s late (the
// server's long-poll expiry, see internal/runs/await.go). Run it with:
//
//	go test ./internal/e2e/ -run '^$' -bench WaitLag -benchtime 1000x
//
// Metrics: max-lag-ms (the goal: under 1,000), p50 and p99, waits, and
// how many waits returned more than 1 s and 5 s late.
func BenchmarkWaitLag(b *testing.B) {
	s := getStack(b)
	cli := cordonCLI(b)
	pb, err := playbook.Load("wait.yaml", []byte(`name: e2e-wait-lag
version: 1
steps:
  - id: approve
    approval: {approvers: [`+lead+`], message: "go?", timeout: 10m}
  - id: check
    action: okta.test_connection
`), playbook.Options{Registry: s.reg})
	require.NoError(b, err)
	lags := make([]time.Duration, 0, b.N)
	var mu sync.Mutex
	work := make(chan struct{})
	var wg sync.WaitGroup
	for range waitLanes {
		wg.Go(func() {
			for range work {
				lag := s.waitOnce(b, cli, pb)
				mu.Lock()
				lags = append(lags, lag)
				mu.Unlock()
			}
		})
	}
	b.ResetTimer()
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	b.StopTimer()
	slices.Sort(lags)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lags[len(lags)-1]), "max-lag-ms")
	b.ReportMetric(ms(lags[len(lags)/2]), "p50-lag-ms")
	b.ReportMetric(ms(lags[len(lags)*99/100]), "p99-lag-ms")
	b.ReportMetric(float64(len(lags)), "waits")
	over := func(d time.Duration) float64 {
		i, _ := slices.BinarySearch(lags, d)
		return float64(len(lags) - i)
	}
	b.ReportMetric(over(time.Second), "over-1s")
	b.ReportMetric(over(5*time.Second), "over-5s")
}

// waitOnce runs one approval-gated run with a fresh waiter process and
// returns the time from the run's close to the waiter's exit.
func (s *stack) waitOnce(b *testing.B, cli string, pb *playbook.Playbook) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: s.lib, StartedBy: "bench"})
	require.NoError(b, err)
	id := started.WorkflowID
	cmd := exec.CommandContext(ctx, cli, "status", id, "--wait", "--output", "json")
	cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+s.srv.FrontendAddr(), "TEMPORAL_NAMESPACE=default")
	stderr, err := cmd.StderrPipe()
	require.NoError(b, err)
	require.NoError(b, cmd.Start())
	// The waiter shows the pending approval once it is waiting.
	waiting, eof := make(chan struct{}), make(chan struct{})
	var errOut strings.Builder
	go func() {
		defer close(eof)
		sc := bufio.NewScanner(stderr)
		once := sync.OnceFunc(func() { close(waiting) })
		for sc.Scan() {
			errOut.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "approval needed") {
				once()
			}
		}
		once()
	}()
	<-waiting
	_, err = runs.Approve(ctx, s.client, id, workflows.Decision{Approver: lead})
	require.NoError(b, err)
	<-eof // the pipe is read to its end before Wait closes it
	err = cmd.Wait()
	exited := time.Now()
	require.NoError(b, err, "cordon status --wait: %s", errOut.String())
	d, err := s.client.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(b, err)
	closed := d.GetWorkflowExecutionInfo().GetCloseTime().AsTime()
	require.False(b, closed.IsZero(), fmt.Sprintf("run %s has no close time", id))
	return exited.Sub(closed)
}
