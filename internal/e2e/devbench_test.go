package e2e

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cordonsec/cordon/internal/oktasim"
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
// per step), run alternately: idle, and under a steady stream of other
// runs (8 3-step playbook runs kept in flight).
//
//	go test -run '^$' -bench DevStepLatency -benchtime 20x ./internal/e2e/
func BenchmarkDevStepLatency(b *testing.B) {
	for _, load := range []struct {
		name     string
		inFlight int
	}{{"idle", 0}, {"steady", 8}} {
		b.Run(load.name, func(b *testing.B) {
			s := newDevStack(b)
			pb, bg := stepsPlaybook(b, s, 10), stepsPlaybook(b, s, 3)
			var stop atomic.Bool
			var wg sync.WaitGroup
			var background atomic.Int64
			for range load.inFlight {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						s.runInterpreted(b, bg)
						background.Add(1)
					}
				}()
			}
			dsl, hand := s.alternate(b, pb, 10)
			b.StopTimer()
			stop.Store(true)
			wg.Wait()
			steps := float64(10 * b.N)
			b.ReportMetric(float64(dsl.Microseconds())/1000/steps, "ms/playbook-step")
			b.ReportMetric(float64(hand.Microseconds())/1000/steps, "ms/handwritten-step")
			b.ReportMetric(float64(dsl)/float64(hand), "ratio")
			if load.inFlight > 0 {
				b.ReportMetric(float64(background.Load())/(dsl+hand).Seconds(), "background-runs/s")
			}
		})
	}
}

// BenchmarkDevThroughput starts 200 runs of a 3-step playbook at once, then
// 200 hand-written equivalents, and reports runs per second of each.
//
//	go test -run '^$' -bench DevThroughput -benchtime 3x ./internal/e2e/
func BenchmarkDevThroughput(b *testing.B) {
	s := newDevStack(b)
	pb := stepsPlaybook(b, s, 3)
	const runsN = 200
	burst := func(one func()) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for range runsN {
			wg.Add(1)
			go func() { defer wg.Done(); one() }()
		}
		wg.Wait()
		return time.Since(start)
	}
	s.runInterpreted(b, pb)
	var dsl, hand time.Duration
	b.ResetTimer()
	for range b.N {
		dsl += burst(func() { s.runInterpreted(b, pb) })
		hand += burst(func() { s.runHandWritten(b, 3) })
	}
	b.ReportMetric(float64(runsN*b.N)/dsl.Seconds(), "playbook-runs/s")
	b.ReportMetric(float64(runsN*b.N)/hand.Seconds(), "handwritten-runs/s")
	b.ReportMetric(hand.Seconds()/dsl.Seconds(), "ratio")
}
