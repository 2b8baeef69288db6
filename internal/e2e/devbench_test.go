package e2e

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cordonsec/cordon/internal/devserver"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/pgtest"
)

// The benchmarks in this file run on the --dev configuration: the
// embedded server's SQLite database in a file (worker --dev keeps it in
// .cordon/temporal.db), not in memory. The simulated org's limits are
// generous, as in the other tests: at Okta's default (users/me: 2,000 a
// minute) the steady and throughput figures would measure that limit
// (33 steps/s), not the server.

func newDevStack(b *testing.B) *stack {
	s, stop := newStackOn(b, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo},
		filepath.Join(b.TempDir(), "temporal.db"))
	b.Cleanup(stop)
	return s
}

// BenchmarkDevStepLatency reports the cost of one step of a 10-step
// playbook and of the hand-written 10-step workflow (one cheap Okta read
// per step), run alternately under three loads: idle; steady, a stream
// of 3-step playbook runs started at a fixed rate (open loop, as alerts
// arrive: about a fifth of what the stack can finish); and saturated, 8
// such runs kept in flight (closed loop: the CPU is the limit, so a step
// costs about the CPU of every step in flight, see docs/benchmarks.md).
//
//	go test -run '^$' -bench DevStepLatency -benchtime 20x ./internal/e2e/
func BenchmarkDevStepLatency(b *testing.B) {
	for _, load := range []struct {
		name     string
		perSec   int // open loop: background runs started per second
		inFlight int // closed loop: background runs kept in flight
	}{{"idle", 0, 0}, {"steady", steadyRunsPerSec, 0}, {"saturated", 0, 8}} {
		b.Run(load.name, func(b *testing.B) {
			s := newDevStack(b)
			pb, bg := stepsPlaybook(b, s, 10), stepsPlaybook(b, s, 3)
			var stop atomic.Bool
			var wg sync.WaitGroup
			var background atomic.Int64
			one := func() {
				s.runInterpreted(b, bg)
				background.Add(1)
			}
			for range load.inFlight {
				wg.Go(func() {
					for !stop.Load() {
						one()
					}
				})
			}
			if load.perSec > 0 {
				wg.Go(func() {
					tick := time.NewTicker(time.Second / time.Duration(load.perSec))
					defer tick.Stop()
					for range tick.C {
						if stop.Load() {
							return
						}
						wg.Go(one)
					}
				})
			}
			dsl, hand := s.alternate(b, pb, 10)
			b.StopTimer()
			stop.Store(true)
			wg.Wait()
			steps := float64(10 * b.N)
			b.ReportMetric(float64(dsl.Microseconds())/1000/steps, "ms/playbook-step")
			b.ReportMetric(float64(hand.Microseconds())/1000/steps, "ms/handwritten-step")
			b.ReportMetric(float64(dsl)/float64(hand), "ratio")
			if load.perSec > 0 || load.inFlight > 0 {
				b.ReportMetric(float64(background.Load())/(dsl+hand).Seconds(), "background-runs/s")
			}
		})
	}
}

// steadyRunsPerSec is the steady load's arrival rate: 3-step runs a
// second, about a fifth of the 200-run throughput on the dev machine.
const steadyRunsPerSec = 8

// BenchmarkDevThroughput starts 200 runs of a 3-step playbook at once, then
// 200 hand-written equivalents, and reports runs per second of each, and
// the CPU time the whole process (server, worker, simulated org) spent per
// run: a figure that other work on a shared machine barely moves.
//
//	go test -run '^$' -bench DevThroughput -benchtime 2x ./internal/e2e/
func BenchmarkDevThroughput(b *testing.B) { throughput(b, newDevStack(b)) }

// BenchmarkDevAlertStorm is an alert storm on the stack exactly as worker
// --dev runs it, the simulated org at Okta's default limits (users/me:
// 2,000 a minute): 200 3-step playbook runs start at once, on a fresh
// stack each time so that every storm meets a fresh minute's budget. It
// measures what an analyst sees, the Okta client's pacing included.
//
//	go test -run '^$' -bench DevAlertStorm -benchtime 3x ./internal/e2e/
func BenchmarkDevAlertStorm(b *testing.B) {
	const runsN = 200
	var wall time.Duration
	for range b.N {
		b.StopTimer()
		s, stop := newStackOn(b, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo, Limits: oktasim.DefaultLimits()},
			filepath.Join(b.TempDir(), "temporal.db"))
		pb := stepsPlaybook(b, s, 3)
		b.StartTimer()
		start := time.Now()
		atOnce(runsN, func() { s.runInterpreted(b, pb) })
		wall += time.Since(start)
		b.StopTimer()
		stop()
	}
	b.ReportMetric(float64(runsN*b.N)/wall.Seconds(), "playbook-runs/s")
}

// BenchmarkPostgresThroughput is BenchmarkDevThroughput with the embedded
// server on a throwaway PostgreSQL (worker --dev --dev-postgres) instead of
// SQLite. The CPU figures leave out PostgreSQL's own processes.
//
//	go test -run '^$' -bench PostgresThroughput -benchtime 2x ./internal/e2e/
func BenchmarkPostgresThroughput(b *testing.B) {
	pg := pgtest.StartForTest(b, "BenchmarkPostgresThroughput")
	s, stop := newStackWith(b, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo},
		stackOptions{postgres: &devserver.Postgres{Addr: pg.Addr, User: pgtest.Superuser, Password: pgtest.Password}})
	b.Cleanup(stop)
	throughput(b, s)
}

func throughput(b *testing.B, s *stack) {
	pb := stepsPlaybook(b, s, 3)
	const runsN = 200
	burst := func(one func()) (time.Duration, time.Duration) {
		start, cpu := time.Now(), cpuTime(b)
		atOnce(runsN, one)
		return time.Since(start), cpuTime(b) - cpu
	}
	s.runInterpreted(b, pb)
	var dsl, hand, dslCPU, handCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		// A burst leaves visibility writes behind that the next one
		// pays for: take turns at going first.
		playbooks := func() {
			wall, cpu := burst(func() { s.runInterpreted(b, pb) })
			dsl, dslCPU = dsl+wall, dslCPU+cpu
		}
		handWritten := func() {
			wall, cpu := burst(func() { s.runHandWritten(b, 3) })
			hand, handCPU = hand+wall, handCPU+cpu
		}
		if i%2 == 0 {
			playbooks()
			handWritten()
		} else {
			handWritten()
			playbooks()
		}
	}
	runs := float64(runsN * b.N)
	b.ReportMetric(runs/dsl.Seconds(), "playbook-runs/s")
	b.ReportMetric(runs/hand.Seconds(), "handwritten-runs/s")
	b.ReportMetric(hand.Seconds()/dsl.Seconds(), "ratio")
	b.ReportMetric(float64(dslCPU.Microseconds())/1000/runs, "cpu-ms/playbook-run")
	b.ReportMetric(float64(handCPU.Microseconds())/1000/runs, "cpu-ms/handwritten-run")
}

// atOnce calls one n times concurrently and returns when every call has.
func atOnce(n int, one func()) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(one)
	}
	wg.Wait()
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
