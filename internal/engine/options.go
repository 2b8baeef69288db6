package engine

import (
	"time"

	"go.temporal.io/sdk/worker"
)

// WorkerOptions are the settings every Cordon worker runs with; the worker
// binary and the end-to-end tests share them, so the benchmarks measure
// what ships.
func WorkerOptions() worker.Options {
	// The SDK's default is two pollers per kind of task. A burst of runs
	// (an alert storm, 200 runs at once) then waits in matching for one
	// of them: under steady load most of a step's time was a workflow
	// task waiting for a poller (docs/benchmarks.md). Autoscaling starts
	// with five pollers and follows the server's hints, up to 100, when
	// tasks wait; with nothing to do it shrinks back to one.
	autoscale := worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{})
	return worker.Options{
		// Give running activities time to finish an Okta call on shutdown
		// rather than leaving it to a retry on another worker.
		WorkerStopTimeout:          10 * time.Second,
		WorkflowTaskPollerBehavior: autoscale,
		ActivityTaskPollerBehavior: autoscale,
	}
}
