package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/engine"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/testutil"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// workerEnv, when "1", makes this test binary act as one Cordon worker
// process (workerMain): the multi-worker tests start it several times
// against one Temporal server and one simulated org, so each worker has
// its own Okta client and pacer, as separate deployments do, without
// linking a second binary.
const workerEnv = "CORDON_E2E_AS_WORKER"

// workerMain is a worker process: engine.Register on task queue cordon,
// the Okta client from the OKTA_* environment, the Temporal frontend from
// TEMPORAL_ADDRESS. It prints "worker ready" once polling and stops on
// SIGTERM or when stdin closes (the parent test process went away).
func workerMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: os.Getenv("TEMPORAL_ADDRESS"),
		Namespace: "default", Logger: sdklog.NewStructuredLogger(logger)})
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	cfg, err := okta.ConfigFromEnv(os.Getenv)
	if err != nil {
		return fail(err)
	}
	oc, err := okta.NewClient(cfg)
	if err != nil {
		return fail(err)
	}
	e, err := engine.New(engine.Config{Okta: oc, Logger: logger})
	if err != nil {
		return fail(err)
	}
	if err := applyHeartbeatEnv(e.Registry); err != nil {
		return fail(err)
	}
	w := worker.New(c, workflows.TaskQueue, worker.Options{WorkerStopTimeout: 10 * time.Second})
	e.Register(w)
	if err := w.Start(); err != nil {
		return fail(err)
	}
	fmt.Println("worker ready")
	<-ctx.Done()
	w.Stop()
	return 0
}

// startWorkers starts n worker processes against s (whose in-process
// worker the caller has stopped) and returns a func that stops them.
func (s *stack) startWorkers(t testing.TB, n int) func() {
	t.Helper()
	var procs []*workerProc
	stop := func() {
		for i, p := range procs {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			if err := p.cmd.Wait(); err != nil {
				t.Errorf("worker %d: %v; stderr:\n%s", i, err, p.stderr.String())
			}
		}
	}
	for range n {
		p, err := s.spawnWorker(s.sim.URL())
		if err != nil {
			stop()
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	return stop
}

// workerProc is one worker process started by spawnWorker.
type workerProc struct {
	cmd    *exec.Cmd
	stderr *testutil.SyncBuffer
}

// spawnWorker starts one worker process talking to the Okta org at
// orgURL (the simulator, or a proxy in front of it) and waits until it
// polls.
func (s *stack) spawnWorker(orgURL string) (*workerProc, error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), workerEnv+"=1", "TEMPORAL_ADDRESS="+s.srv.FrontendAddr(),
		"OKTA_ORG_URL="+orgURL, "OKTA_API_TOKEN="+simToken)
	cmd.Env = append(cmd.Env, s.spawnEnv...)
	if _, err := cmd.StdinPipe(); err != nil { // closed when this process exits, which stops the worker
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &workerProc{cmd: cmd, stderr: &testutil.SyncBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "worker ready" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("worker did not start (%q, %v); stderr:\n%s", line, err, p.stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return p, nil
}

// Lifecycle limit of the multi-worker settings: a low limit on the bucket
// user deactivation counts against (the simulator's /api/v1 bucket).
const (
	workersLimit  = 50
	workersWindow = 2 * time.Second
)

// newWorkersStack is a stack of its own around an org of users users
// (user%06d@bench.acme.com) with the lifecycle bucket limited, and its
// in-process worker stopped: the workers are the subprocesses.
func newWorkersStack(t testing.TB, users int) (*stack, func()) {
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: users,
		Window: workersWindow, Limits: map[string]int{oktasim.BucketOther: workersLimit}})
	s.worker.Stop()
	return s, stop
}

// benchIDs returns the ids of users [from, to) of the bench org.
func (s *stack) benchIDs(t testing.TB, from, to int) []any {
	ids := make([]any, 0, to-from)
	for i := from; i < to; i++ {
		u, ok := s.sim.Sim().User(fmt.Sprintf("user%06d@bench.acme.com", i))
		require.True(t, ok)
		ids = append(ids, u.ID)
	}
	return ids
}

// deactivateAtOnce starts one run per ID list at the same time and waits
// for them all.
func (s *stack) deactivateAtOnce(t testing.TB, lists [][]any) []*workflows.RunStatus {
	pb, err := playbook.LoadFile(filepath.Join("testdata", "deactivate-bench-users.yaml"), playbook.Options{Registry: s.reg})
	require.NoError(t, err)
	ids := make([]string, len(lists))
	for i, l := range lists {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: s.lib,
			Inputs: map[string]any{"user_ids": l}, StartedBy: "e2e"})
		cancel()
		require.NoError(t, err)
		ids[i] = started.WorkflowID
	}
	out := make([]*workflows.RunStatus, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			st, err := runs.Wait(ctx, s.client, id, nil)
			if err == nil {
				out[i] = st
			}
		}()
	}
	wg.Wait()
	for i, st := range out {
		require.NotNil(t, st, "run %s did not finish", ids[i])
	}
	return out
}

// lifecycleUse reads the simulator's log of deactivations: how many went
// through, how many were answered 429, and the achieved rate as a fraction
// of the allowed one.
func (s *stack) lifecycleUse() (ok, limited int, fraction float64) {
	var first, last time.Time
	for _, r := range s.sim.Sim().Requests() {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/lifecycle/deactivate") {
			continue
		}
		if r.Status == http.StatusTooManyRequests {
			limited++
			continue
		}
		ok++
		if first.IsZero() || r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
	}
	if ok > 1 {
		fraction = float64(ok-1) / last.Sub(first).Seconds() / (float64(workersLimit) / workersWindow.Seconds())
	}
	return ok, limited, fraction
}

// Three worker processes, each with its own Okta client and pacer, run
// three deactivation runs at once against one org whose lifecycle bucket
// allows 50 requests per 2 s: every user ends deactivated and every item's
// outcome is ok, whatever the 429s on the way.
func TestThreeWorkersShareOneOrgLimit(t *testing.T) {
	parallelLong(t) // its own stack and worker processes: nothing shared with the other tests
	if testing.Short() {
		t.Skip("runs three worker processes for about half a minute")
	}
	const perRun = 200
	s, stop := newWorkersStack(t, 3*perRun)
	t.Cleanup(stop)
	stopWorkers := s.startWorkers(t, 3)
	lists := [][]any{s.benchIDs(t, 0, perRun), s.benchIDs(t, perRun, 2*perRun), s.benchIDs(t, 2*perRun, 3*perRun)}
	s.sim.Sim().ResetRequests()
	sts := s.deactivateAtOnce(t, lists)
	stopWorkers()

	for i, st := range sts {
		require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
		assert.EqualValues(t, perRun, st.Outputs["deactivated"], "run %d", i)
		assert.EqualValues(t, 0, st.Outputs["failed"], "run %d", i)
		assert.Equal(t, "succeeded", runs.StatusLine(st))
		results := decode[action.BulkResult](t, st.Steps[0].Output).Results
		require.Len(t, results, perRun, "run %d", i)
		for _, r := range results {
			assert.True(t, r.OK, "run %d: %+v", i, r)
		}
	}
	for _, l := range lists {
		for _, id := range l {
			u, ok := s.sim.Sim().User(id.(string))
			require.True(t, ok)
			assert.Equal(t, "DEPROVISIONED", u.Status, id)
		}
	}
	ok, limited, fraction := s.lifecycleUse()
	assert.Equal(t, 3*perRun, ok, "each user deactivated exactly once")
	t.Logf("3 workers: %d deactivations, %d answered 429, %.2f of the allowed rate", ok, limited, fraction)
}

// BenchmarkWorkers deactivates 3 x 1,000 users in three runs started at
// once, served by one worker process and then by three, against one org
// whose lifecycle bucket allows 50 requests per 2 s. Goals: with three
// workers >= 0.9 of the allowed rate, <= 1% 429s, no item failed.
//
//	go test -run '^$' -bench Workers -benchtime 1x ./internal/e2e/
func BenchmarkWorkers(b *testing.B) {
	const perRun = 1000
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s, stop := newWorkersStack(b, 3*perRun)
				stopWorkers := s.startWorkers(b, n)
				lists := [][]any{s.benchIDs(b, 0, perRun), s.benchIDs(b, perRun, 2*perRun), s.benchIDs(b, 2*perRun, 3*perRun)}
				s.sim.Sim().ResetRequests()
				b.StartTimer()
				sts := s.deactivateAtOnce(b, lists)
				b.StopTimer()
				stopWorkers()
				failed, active := 0, 0
				for _, st := range sts {
					failed += runs.FailedItems(st)
				}
				for _, l := range lists {
					for _, id := range l {
						if u, _ := s.sim.Sim().User(id.(string)); u.Status != "DEPROVISIONED" {
							active++
						}
					}
				}
				ok, limited, fraction := s.lifecycleUse()
				stop()
				b.ReportMetric(fraction, "rate_fraction")
				b.ReportMetric(float64(limited)/float64(ok+limited), "share_429")
				b.ReportMetric(float64(failed), "failed_items")
				b.ReportMetric(float64(active), "users_left_active")
			}
		})
	}
}
