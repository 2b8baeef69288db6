package e2e

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// BenchmarkDeactivateDepartment is the issue-15 scale run as a benchmark:
// an org of 100,000 users, deactivate-department over the 20,000 of
// Finance (Get Users with search, approval, Deactivate Users on $[*].id).
// Each iteration seeds a fresh stack; only the run is timed. It reports
// the run's wall time, its history (events, bytes, claims), the process's
// peak heap while it ran and peak RSS (server, worker and simulator share
// the process), and the share of the simulator's rate limits the run used.
//
//	go test -run '^$' -bench DeactivateDepartment -benchtime 1x ./internal/e2e/
func BenchmarkDeactivateDepartment(b *testing.B) {
	const users, dept = 100000, 20000
	var runTime time.Duration
	var h historyStats
	var heapPeak uint64
	var lifecycle, listing int
	for range b.N {
		b.StopTimer()
		s, stop := newStack(b, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: users, UserDepartments: departmentOrg})
		pb, err := s.lib.Resolve("deactivate-department")
		require.NoError(b, err)
		s.sim.Sim().ResetRequests()
		runtime.GC()
		sampler := startHeapSampler()
		b.StartTimer()

		t0 := time.Now()
		ctx := context.Background()
		started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: s.lib, StartedBy: analyst,
			Inputs: map[string]any{"department": "Finance"}})
		require.NoError(b, err)
		for {
			st, err := runs.Query(ctx, s.client, started.WorkflowID)
			if err == nil && len(st.PendingApprovals) == 1 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		_, err = runs.Approve(ctx, s.client, started.WorkflowID, workflows.Decision{Approver: lead})
		require.NoError(b, err)
		st, err := runs.Wait(ctx, s.client, started.WorkflowID, nil)
		require.NoError(b, err)
		runTime += time.Since(t0)

		b.StopTimer()
		heapPeak = max(heapPeak, sampler.stop())
		require.Equal(b, workflows.RunSucceeded, st.Status, st.Error)
		require.EqualValues(b, dept, st.Outputs["deactivated"])
		h = s.history(b, started.WorkflowID)
		lifecycle, listing = 0, 0
		for _, r := range s.sim.Sim().Requests() {
			switch {
			case strings.HasSuffix(r.Path, "/lifecycle/deactivate"):
				lifecycle++
			case r.Path == "/api/v1/users":
				listing++
			}
		}
		stop()
		b.StartTimer()
	}
	secs := runTime.Seconds() / float64(b.N)
	// newStack sets every bucket to 100,000 requests per 60 s window.
	const perSecond = 100000.0 / 60
	b.ReportMetric(secs, "s/run")
	b.ReportMetric(float64(h.events), "history-events")
	b.ReportMetric(float64(h.bytes), "history-bytes")
	b.ReportMetric(float64(h.largestPayload), "largest-payload-bytes")
	b.ReportMetric(float64(h.claims), "claims")
	b.ReportMetric(float64(heapPeak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakRSS())/(1<<10), "peak-RSS-MiB")
	b.ReportMetric(float64(lifecycle)/secs/perSecond, "lifecycle-limit-share")
	b.ReportMetric(float64(lifecycle)/secs, "deactivations/s")
	b.ReportMetric(float64(listing), "list-requests")
}

// heapSampler records the largest HeapInuse seen every 200 ms.
type heapSampler struct {
	peak atomic.Uint64
	done chan struct{}
	wg   sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > h.peak.Load() {
				h.peak.Store(m.HeapInuse)
			}
			select {
			case <-h.done:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) stop() uint64 {
	close(h.done)
	h.wg.Wait()
	return h.peak.Load()
}

// peakRSS is the process's peak resident set in KiB (Linux VmHWM; 0
// elsewhere).
func peakRSS() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
