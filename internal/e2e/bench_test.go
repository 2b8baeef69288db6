package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// handWrittenName is the baseline of the interpreter benchmarks: a plain
// Temporal workflow calling the same activities in the same order with the
// same options, as an engineer would write it without Cordon.
const handWrittenName = "BenchHandWritten"

type benchRequest struct {
	Params map[string]any `json:"params"`
	Step   string         `json:"step"`
}

func handWritten(ctx workflow.Context, steps int) error {
	a, _ := action.Okta().Lookup(action.TestConnection)
	for i := range steps {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			ActivityID:          fmt.Sprintf("s%d", i),
			StartToCloseTimeout: a.StartToCloseTimeout,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: int32(a.Retry.MaximumAttempts)},
		})
		var out any
		if err := workflow.ExecuteActivity(actx, action.TestConnection, benchRequest{Step: fmt.Sprintf("s%d", i)}).Get(ctx, &out); err != nil {
			return err
		}
	}
	return nil
}

// stepsPlaybook is a playbook of n cheap read steps (okta.test_connection).
func stepsPlaybook(t testing.TB, s *stack, n int) *playbook.Playbook {
	var b strings.Builder
	fmt.Fprintf(&b, "name: bench-%d-steps\nversion: 1\nsteps:\n", n)
	for i := range n {
		fmt.Fprintf(&b, "  - id: s%d\n    action: okta.test_connection\n", i)
	}
	pb, err := playbook.Load("bench.yaml", []byte(b.String()), playbook.Options{Registry: s.reg})
	require.NoError(t, err)
	return pb
}

// alternate warms both paths, then runs pb and the hand-written workflow
// of the same number of steps alternately b.N times, so both see the same
// load, and returns the total time of each.
func (s *stack) alternate(b *testing.B, pb *playbook.Playbook, steps int) (dsl, hand time.Duration) {
	s.runInterpreted(b, pb)
	s.runHandWritten(b, steps)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		s.runInterpreted(b, pb)
		t1 := time.Now()
		s.runHandWritten(b, steps)
		dsl += t1.Sub(t0)
		hand += time.Since(t1)
	}
	return dsl, hand
}

func (s *stack) runInterpreted(b testing.TB, pb *playbook.Playbook) {
	ctx := context.Background()
	started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: s.lib, StartedBy: "bench"})
	require.NoError(b, err)
	var st workflows.RunStatus
	require.NoError(b, s.client.GetWorkflow(ctx, started.WorkflowID, "").Get(ctx, &st))
}

func (s *stack) runHandWritten(b testing.TB, steps int) {
	ctx := context.Background()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: workflows.TaskQueue}, handWrittenName, steps)
	require.NoError(b, err)
	require.NoError(b, run.Get(ctx, nil))
}

// BenchmarkInterpreterOverhead runs a 10-step playbook and the hand-written
// equivalent alternately on the embedded server, so both see the same
// machine load, and reports each one's mean wall time and their ratio.
func BenchmarkInterpreterOverhead(b *testing.B) {
	s := getStack(b)
	pb := stepsPlaybook(b, s, 10)
	dsl, hand := s.alternate(b, pb, 10)
	b.ReportMetric(float64(dsl.Milliseconds())/float64(b.N), "ms/playbook-run")
	b.ReportMetric(float64(hand.Milliseconds())/float64(b.N), "ms/handwritten-run")
	b.ReportMetric(float64(dsl)/float64(hand), "ratio")
}

// BenchmarkThroughput is BenchmarkDevThroughput on the shared in-memory
// stack: 200 runs of a 3-step playbook at once, then 200 hand-written
// equivalents, and runs per second of each.
func BenchmarkThroughput(b *testing.B) { throughput(b, getStack(b)) }

// BenchmarkForeach100k runs a foreach over 100,000 items whose outputs
// nothing reads (okta.list_zones each) and reports the items per second,
// how many executions the run continued as new through, and the last
// execution's history length. Run it alone, it takes minutes:
//
//	go test -run '^$' -bench Foreach100k -benchtime 1x ./internal/e2e/
func BenchmarkForeach100k(b *testing.B) {
	s := getStack(b)
	pb, err := playbook.LoadFile("testdata/foreach-many.yaml", playbook.Options{Registry: s.reg})
	require.NoError(b, err)
	const n = 100000
	for b.Loop() {
		ctx := context.Background()
		t0 := time.Now()
		started, err := runs.Start(ctx, s.client, runs.Request{Playbook: pb, Library: s.lib,
			Inputs: map[string]any{"n": n}, StartedBy: "bench"})
		require.NoError(b, err)
		wctx, cancel := context.WithTimeout(ctx, 2*time.Hour)
		st, err := runs.Wait(wctx, s.client, started.WorkflowID, nil)
		cancel()
		require.NoError(b, err)
		require.Equal(b, workflows.RunSucceeded, st.Status, st.Error)
		wall := time.Since(t0)
		execs := 0
		var token []byte
		for {
			resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: fmt.Sprintf("WorkflowId = '%s'", started.WorkflowID), NextPageToken: token})
			require.NoError(b, err)
			execs += len(resp.Executions)
			if token = resp.NextPageToken; len(token) == 0 {
				break
			}
		}
		d, err := s.client.DescribeWorkflowExecution(ctx, started.WorkflowID, "")
		require.NoError(b, err)
		b.ReportMetric(float64(n)/wall.Seconds(), "items/s")
		b.ReportMetric(wall.Seconds(), "s/run")
		b.ReportMetric(float64(execs), "executions")
		b.ReportMetric(float64(d.GetWorkflowExecutionInfo().GetHistoryLength()), "last-history-events")
	}
}
