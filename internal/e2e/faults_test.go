package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// The fault harness: what a run reports after a lost reply or a killed
// worker must be exactly what it did, undo_after must reverse exactly the
// run's changes, and no user may get a second password-reset email.

// lossyProxy forwards every request to the simulated org and, for writes
// that lose(r) picks, lets the write happen but drops its reply: the
// connection closes before a byte of the answer, as when a load balancer
// or the network fails after Okta acted.
type lossyProxy struct {
	*httptest.Server
	dropped atomic.Int64
}

func newLossyProxy(t *testing.T, target string, lose func(r *http.Request) bool) *lossyProxy {
	t.Helper()
	up, err := url.Parse(target)
	require.NoError(t, err)
	p := &lossyProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out, err := http.NewRequestWithContext(r.Context(), r.Method, up.Scheme+"://"+up.Host+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if lose(r) {
			p.dropped.Add(1)
			t.Logf("reply lost: %s %s", r.Method, r.URL.Path)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
	}))
	t.Cleanup(p.Close)
	return p
}

// nth loses the requests matching method and path suffix whose count is
// one of at (1-based): a few lost replies, as in real traffic.
func nth(method, suffix string, at ...int) func(*http.Request) bool {
	var mu sync.Mutex
	count := 0
	return func(r *http.Request) bool {
		if r.Method != method || !strings.Contains(r.URL.Path, suffix) {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		count++
		return slices.Contains(at, count)
	}
}

// newFaultStack is a stack of its own around an org of n bench users,
// with its in-process worker stopped: the tests run worker processes.
func newFaultStack(t *testing.T, n int, limits map[string]int, window time.Duration) *stack {
	t.Helper()
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: n, Window: window, Limits: limits})
	t.Cleanup(stop)
	s.worker.Stop()
	return s
}

func (s *stack) startFault(t *testing.T, file string, inputs map[string]any) string {
	t.Helper()
	pb, err := playbook.LoadFile(filepath.Join("testdata", file), playbook.Options{Registry: s.reg})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: s.lib, Inputs: inputs, StartedBy: "e2e"})
	require.NoError(t, err)
	return started.WorkflowID
}

// waitLong waits for a run that may sit out a heartbeat timeout.
func (s *stack) waitLong(t *testing.T, id string) *workflows.RunStatus {
	t.Helper()
	return s.waitWithin(t, id, 5*time.Minute)
}

// outcomes counts a bulk step's item outcomes.
func outcomes(t *testing.T, st *workflows.RunStatus, step string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, s := range st.Steps {
		if s.ID != step {
			continue
		}
		for _, r := range decode[action.BulkResult](t, s.Output).Results {
			out[r.Outcome]++
		}
	}
	return out
}

// eventsPerUser counts the System Log events of eventType per target user.
func (s *stack) eventsPerUser(eventType string) map[string]int {
	out := map[string]int{}
	for _, ev := range s.sim.Sim().Events(eventType) {
		for _, tg := range asList(ev["target"]) {
			if m, ok := tg.(map[string]any); ok && m["type"] == "User" {
				out[m["id"].(string)]++
			}
		}
	}
	return out
}

func strs(ids []any) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.(string)
	}
	return out
}

func TestLostRepliesLeaveTrueReports(t *testing.T) {
	parallel(t) // its own stack and worker processes: nothing shared with the other tests
	s := newFaultStack(t, 300, nil, 0)
	lose := []func(*http.Request) bool{
		nth(http.MethodPost, "/lifecycle/deactivate", 10, 60, 110),
		nth(http.MethodPost, "/lifecycle/activate", 20, 90),
		nth(http.MethodPost, "/lifecycle/reset_password", 5, 50, 100),
		nth(http.MethodPut, "/zones/", 1, 2), // the block's first write, the unblock's first write
	}
	proxy := newLossyProxy(t, s.sim.URL(), func(r *http.Request) bool {
		for _, l := range lose {
			if l(r) {
				return true
			}
		}
		return false
	})
	w, err := s.spawnWorker(proxy.URL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.cmd.Process.Signal(syscall.SIGTERM); _ = w.cmd.Wait() })

	oc, err := okta.NewClient(okta.Config{OrgURL: s.sim.URL(), Token: simToken})
	require.NoError(t, err)
	zone, err := oc.CreateZone(context.Background(), okta.Zone{"type": "IP", "name": "faults-blocklist", "usage": "BLOCKLIST",
		"gateways": []any{map[string]any{"type": "CIDR", "value": "192.0.2.0/28"}}})
	require.NoError(t, err)
	zoneID := zone.Str("id")

	deact := s.benchIDs(t, 0, 150)
	reset := s.benchIDs(t, 150, 300)
	ips := []any{"203.0.113.10", "203.0.113.11", "203.0.113.12", "192.0.2.200"}
	idD := s.startFault(t, "faults-deactivate.yaml", map[string]any{"user_ids": deact})
	idR := s.startFault(t, "faults-reset.yaml", map[string]any{"user_ids": reset})
	idB := s.startFault(t, "faults-block.yaml", map[string]any{"ips": ips, "zone": zoneID})

	stD, stR, stB := s.waitLong(t, idD), s.waitLong(t, idR), s.waitLong(t, idB)
	require.Equal(t, workflows.RunSucceeded, stD.Status, stD.Error)
	require.Equal(t, workflows.RunSucceeded, stR.Status, stR.Error)
	require.Equal(t, workflows.RunSucceeded, stB.Status, stB.Error)

	assert.Equal(t, map[string]int{"done": 150}, outcomes(t, stD, "deactivate"), "every deactivation is this run's")
	assert.Equal(t, map[string]int{"done": 150}, outcomes(t, stR, "reset"))
	assert.Equal(t, map[string]int{"done": 4}, outcomes(t, stB, "block"), "every block is this run's")
	resets := s.eventsPerUser("user.account.reset_password")
	for _, id := range strs(reset) {
		assert.Equal(t, 1, resets[id], "exactly one reset (one email) for %s", id)
		assert.Equal(t, "RECOVERY", s.user(t, id).Status)
	}
	deactivations := s.eventsPerUser("user.lifecycle.deactivate")
	for _, id := range strs(deact) {
		assert.Equal(t, 1, deactivations[id], "one deactivation of %s", id)
	}

	// undo_after reverses exactly what the runs changed: every user and
	// every address, while the zone's own entry stays.
	require.Eventually(t, func() bool {
		for _, id := range strs(deact) {
			if u, _ := s.sim.Sim().User(id); u.Status != "ACTIVE" {
				return false
			}
		}
		return true
	}, time.Minute, 50*time.Millisecond, "the undo to reactivate every user")
	require.Eventually(t, func() bool {
		z, _ := s.sim.Sim().Zone(zoneID)
		return len(z.Gateways) == 1
	}, time.Minute, 50*time.Millisecond, "the undo to unblock every address")
	z, _ := s.sim.Sim().Zone(zoneID)
	assert.Equal(t, []string{"192.0.2.0/28"}, z.Gateways)
	// The proxy counts a lost reply just after Okta acted, so the count
	// may trail what the org shows by a moment.
	require.Eventually(t, func() bool { return proxy.dropped.Load() == 10 }, 10*time.Second, 50*time.Millisecond, "every planned reply to be lost (10)")
	for id, want := range map[string]map[string]int{idD + "/undo-deactivate": {"done": 150}, idB + "/undo-block": {"done": 4}} {
		require.Eventually(t, func() bool {
			st, err := runs.Status(context.Background(), s.client, id)
			return err == nil && st.Status == workflows.RunSucceeded
		}, 30*time.Second, 50*time.Millisecond, id+" to finish")
		st, err := runs.Status(context.Background(), s.client, id)
		require.NoError(t, err)
		assert.Equal(t, want, outcomes(t, st, st.Steps[0].ID), "%s reversed exactly the run's changes, each once", id)
	}
}

func TestKilledWorkerLeavesTrueReports(t *testing.T) {
	parallelLong(t) // its own stack and worker processes: nothing shared with the other tests
	// The lifecycle bucket allows 100 requests a second, so the runs take
	// seconds and each kill lands in the middle of them.
	s := newFaultStack(t, 900, map[string]int{oktasim.BucketOther: 100}, time.Second)
	s.spawnEnv = quickHeartbeat() // each kill costs one heartbeat timeout
	w, err := s.spawnWorker(s.sim.URL())
	require.NoError(t, err)

	deact := s.benchIDs(t, 0, 600)
	reset := s.benchIDs(t, 600, 900)
	idD := s.startFault(t, "faults-deactivate.yaml", map[string]any{"user_ids": deact})
	idR := s.startFault(t, "faults-reset.yaml", map[string]any{"user_ids": reset})

	// kill -9 at three points of the deactivation: early, in the middle
	// and near the end, each time starting a fresh worker process, which
	// picks the activities up once their heartbeat times out.
	for _, at := range []int{60, 250, 450} {
		require.Eventually(t, func() bool {
			return len(s.eventsPerUser("user.lifecycle.deactivate")) >= at
		}, 2*time.Minute, 50*time.Millisecond, fmt.Sprintf("%d deactivations", at))
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGKILL))
		_ = w.cmd.Wait()
		require.Less(t, len(s.eventsPerUser("user.lifecycle.deactivate")), 600, "the kill came before the end")
		w, err = s.spawnWorker(s.sim.URL())
		require.NoError(t, err)
	}
	last := w
	t.Cleanup(func() { _ = last.cmd.Process.Signal(syscall.SIGTERM); _ = last.cmd.Wait() })

	stD, stR := s.waitLong(t, idD), s.waitLong(t, idR)
	require.Equal(t, workflows.RunSucceeded, stD.Status, stD.Error)
	require.Equal(t, workflows.RunSucceeded, stR.Status, stR.Error)
	assert.Equal(t, map[string]int{"done": 600}, outcomes(t, stD, "deactivate"), "every deactivation is this run's, before and after the kills")
	for _, step := range stD.Steps {
		assert.GreaterOrEqual(t, step.Attempts, 2, "the step reports its activities' own attempts: each kill cost one")
	}
	assert.Equal(t, map[string]int{"done": 300}, outcomes(t, stR, "reset"))
	resets := s.eventsPerUser("user.account.reset_password")
	for _, id := range strs(reset) {
		assert.Equal(t, 1, resets[id], "exactly one reset (one email) for %s", id)
	}
	deactivations := s.eventsPerUser("user.lifecycle.deactivate")
	for _, id := range strs(deact) {
		assert.Equal(t, 1, deactivations[id], "one deactivation of %s", id)
	}
	require.Eventually(t, func() bool {
		for _, id := range strs(deact) {
			if u, _ := s.sim.Sim().User(id); u.Status != "ACTIVE" {
				return false
			}
		}
		return true
	}, 2*time.Minute, 50*time.Millisecond, "the undo to reactivate all 600 users")
}
