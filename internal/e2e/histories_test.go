package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

var updateHistories = flag.Bool("update-histories", false, "record the replay histories in testdata/histories (make histories)")

// TestRecordHistories records representative runs for the replay test in
// package workflows (workflows/replay_test.go), which runs on every make
// test: an interpreter change that alters the command sequence of these
// runs fails there unless it is gated with workflow.GetVersion. It records
// only on purpose, with -update-histories.
func TestRecordHistories(t *testing.T) {
	if !*updateHistories {
		t.Skip("records only with -update-histories (make histories)")
	}
	s := getStackAlone(t)
	users := s.takeUsers(t, 3)
	record := func(name string, req runs.Request, approve bool) {
		id := s.start(t, req)
		s.recordHistory(t, name, id, approve, true)
	}
	record("deactivate", runs.Request{Playbook: s.load(t, "deactivate.yaml"), Inputs: map[string]any{"login": users[0].Login}, StartedBy: "alice"}, false)
	record("approval", runs.Request{Playbook: s.load(t, "approval.yaml"), Inputs: map[string]any{"login": users[1].Login}, StartedBy: "alice"}, true)
	record("dry-run", runs.Request{Playbook: s.load(t, "deactivate.yaml"), Inputs: map[string]any{"login": users[2].Login}, DryRun: true}, false)
	record("foreach", runs.Request{Playbook: s.load(t, "foreach.yaml"), Inputs: map[string]any{"n": float64(12), "user": oktasim.DemoActiveUserID}}, false)
	record("block", runs.Request{Playbook: s.load(t, "block.yaml"), Inputs: map[string]any{"ips": []any{"192.0.2.200", "10.9.9.9"}, "zone": oktasim.DemoBlockedIPZoneID}}, false)
	record("blast-radius", runs.Request{Playbook: s.load(t, "everyone.yaml")}, false)

	// The health check, one scheduled run.
	ctx := context.Background()
	hc, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: workflows.TaskQueue},
		workflows.HealthCheckWorkflowName, workflows.HealthInput{})
	require.NoError(t, err)
	require.NoError(t, hc.Get(ctx, nil))
	s.recordHistory(t, "health-check", hc.GetID(), false, false)

	// The System Log intake, up to its first wait: it runs for ever.
	_, err = intake.Start(ctx, s.client, intake.StartOptions{Interval: time.Hour})
	require.NoError(t, err)
	s.intakeStatus(t, "the first poll", func(st workflows.IntakeStatus) bool { return st.Polls >= 1 })
	s.recordHistory(t, "intake", workflows.IntakeWorkflowID, false, false)
	s.stopIntake(t)

	s.recordApprovalHistories(t)
}

// TestRecordApprovalHistories records only the runs of visible waiting
// (CordonState, described targets, notifications) and signed decisions,
// leaving the older histories as they are, so the replay test keeps
// covering both sides of versionVisibleWaiting.
func TestRecordApprovalHistories(t *testing.T) {
	if !*updateHistories {
		t.Skip("records only with -update-histories")
	}
	getStackAlone(t).recordApprovalHistories(t)
}

func (s *stack) recordApprovalHistories(t *testing.T) {
	users := s.takeUsers(t, 4)
	s.socLead(t, users[0].ID)
	id := s.start(t, runs.Request{Playbook: s.load(t, "approval-soc.yaml"), Inputs: map[string]any{"login": users[1].Login}, StartedBy: "alice"})
	d := workflows.SignDecision(e2eSigner, id, s.awaitApproval(t, id),
		workflows.Decision{Approver: users[0].Login, Groups: []string{"SOC Leads"}, Comment: "recorded"}, time.Now())
	_, err := runs.Approve(context.Background(), s.client, id, d)
	require.NoError(t, err)
	s.recordHistory(t, "approval-signed", id, false, true)

	id = s.start(t, runs.Request{Playbook: s.load(t, "limit-approval.yaml"), Inputs: map[string]any{"a": users[2].Login, "b": users[3].Login}})
	s.recordHistory(t, "limit-approval", id, true, true)
}

// TestRecordClaimHistory records a run whose history holds claims (the
// payload store's references) together with the stored payloads, in
// testdata/histories/payloads, which the replay test reads them from.
func TestRecordClaimHistory(t *testing.T) {
	if !*updateHistories {
		t.Skip("records only with -update-histories (make histories)")
	}
	s := getStackAlone(t)
	ids := make([]any, 20000)
	for i := range ids {
		ids[i] = fmt.Sprintf("00uclaim%012d", i)
	}
	id := s.start(t, runs.Request{Playbook: s.load(t, "claim.yaml"), Inputs: map[string]any{"ids": ids}})
	s.recordHistory(t, "claim", id, false, true)

	src := payloadstore.NewFileDriver(s.store.Dir)
	dst := payloadstore.NewFileDriver(filepath.Join("..", "..", "testdata", "histories", "payloads"))
	claims := 0
	it := s.client.GetWorkflowHistory(context.Background(), id, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		require.NoError(t, visitPayloads(e, func(p *commonpb.Payload) {
			if _, c, ok := payloadstore.ClaimOf(p); ok {
				got, err := src.Retrieve(converter.StorageDriverRetrieveContext{Context: t.Context()}, []converter.StorageDriverClaim{c})
				require.NoError(t, err)
				_, err = dst.Store(converter.StorageDriverStoreContext{Context: t.Context()}, got)
				require.NoError(t, err)
				claims++
			}
		}))
	}
	require.Positive(t, claims, "the recorded history holds claims")
	t.Logf("copied %d stored payloads", claims)
}

// recordHistory writes run id's history to testdata/histories/<name>.json,
// after approving it (approve) and waiting for it to finish (wait).
func (s *stack) recordHistory(t *testing.T, name, id string, approve, wait bool) {
	t.Helper()
	if approve {
		s.awaitApproval(t, id)
		_, err := runs.Approve(context.Background(), s.client, id, workflows.Decision{Approver: "bob", Comment: "recorded"})
		require.NoError(t, err)
	}
	if wait {
		s.wait(t, id)
	}
	var events []*historypb.HistoryEvent
	it := s.client.GetWorkflowHistory(context.Background(), id, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		events = append(events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	require.NoError(t, err)
	path := filepath.Join("..", "..", "testdata", "histories", name+".json")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	t.Logf("recorded %s (%d events)", path, len(events))
}

// TestRecordHistoriesCanonical records a run whose targets are resolved
// (cordon.resolve) before the guard: a login in two cases, the token's
// owner as me, and a login that names nobody. make histories runs it with
// TestRecordHistories.
func TestRecordHistoriesCanonical(t *testing.T) {
	if !*updateHistories {
		t.Skip("records only with -update-histories (make histories)")
	}
	s := getStackAlone(t)
	u := s.takeUsers(t, 1)[0]
	id := s.start(t, runs.Request{Playbook: s.load(t, "canonical.yaml"), Inputs: map[string]any{
		"users": []any{u.Login, strings.ToUpper(u.Login), "me", "nobody@" + oktasim.DemoDomain}}})
	s.recordHistory(t, "canonical-targets", id, false, true)
}
