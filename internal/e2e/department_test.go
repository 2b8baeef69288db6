package e2e

// Org-scale data between steps (issue 15): the deactivate-department
// playbook lists a department with Get Users' search and deactivates it
// through $[*].id. Lists that large travel through the payload store, so
// the history holds claims, not users.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"google.golang.org/protobuf/proto"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
	"github.com/cordonsec/cordon/internal/payloadstore"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// departmentOrg seeds users in turns over these departments: Finance is
// one user in five.
var departmentOrg = []string{"Finance", "Engineering", "Sales", "Marketing", "Operations"}

// benchLogin is the login of the simulator's i-th generated user.
func benchLogin(i int) string { return fmt.Sprintf("user%06d@bench.%s", i, oktasim.DemoDomain) }

// historyStats summarises a run's history: its events, their encoded
// bytes, the largest payload and how many payloads are claims.
type historyStats struct {
	events, bytes, largestPayload, claims int
	// getUsersClaim: Get Users' result went to the payload store.
	getUsersClaim bool
	// claimEvents names the events holding claims (type and activity).
	claimEvents []string
}

func (s *stack) history(t testing.TB, id string) historyStats {
	t.Helper()
	var st historyStats
	getUsers := map[int64]bool{}
	it := s.client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		st.events++
		st.bytes += proto.Size(e)
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == action.GetUsers {
			getUsers[e.GetEventId()] = true
		}
		if a := e.GetActivityTaskCompletedEventAttributes(); a != nil && getUsers[a.GetScheduledEventId()] {
			for _, p := range a.GetResult().GetPayloads() {
				st.getUsersClaim = st.getUsersClaim || payloadstore.IsClaim(p)
			}
		}
		require.NoError(t, visitPayloads(e, func(p *commonpb.Payload) {
			st.largestPayload = max(st.largestPayload, proto.Size(p))
			if payloadstore.IsClaim(p) {
				st.claims++
				what := e.GetEventType().String()
				if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
					what += " " + a.GetActivityType().GetName()
				}
				st.claimEvents = append(st.claimEvents, fmt.Sprintf("%d %s", e.GetEventId(), what))
			}
		}))
	}
	return st
}

func visitPayloads(e *historypb.HistoryEvent, fn func(*commonpb.Payload)) error {
	return proxy.VisitPayloads(context.Background(), e, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			for _, p := range ps {
				fn(p)
			}
			return ps, nil
		}})
}

// departmentRun runs deactivate-department for the example alert's
// department (Finance), approving when asked, and returns the final status.
func (s *stack) departmentRun(t *testing.T, want int) (string, *workflows.RunStatus) {
	t.Helper()
	id := s.start(t, runs.Request{Playbook: s.library(t, "deactivate-department"),
		Alert: alertFor(t, "deactivate-department", nil), StartedBy: analyst})
	// Listing a big department comes first; on a loaded machine it takes
	// longer than approve's own wait.
	require.Eventually(t, func() bool {
		st, err := runs.Query(context.Background(), s.client, id)
		return err == nil && len(st.PendingApprovals) == 1
	}, 5*time.Minute, 50*time.Millisecond, "the approval of "+id)
	s.approve(t, id, false, func(p workflows.PendingApproval) {
		assert.Equal(t, fmt.Sprintf("Deactivate all %d users of Finance? For example: %s, %s, %s, %s, %s", want,
			benchLogin(0), benchLogin(5), benchLogin(10), benchLogin(15), benchLogin(20)), p.Message)
		assert.Equal(t, "deactivate", p.ForStep)
		assert.Len(t, p.Targets, want, "the approval binds the exact user set")
	})
	return id, s.wait(t, id)
}

// checkDepartment asserts the simulated org: every Finance user is
// DEPROVISIONED, every other user still ACTIVE.
func (s *stack) checkDepartment(t *testing.T, users int) {
	t.Helper()
	wrong := 0
	for i := range users {
		u := s.user(t, benchLogin(i))
		want := "ACTIVE"
		if u.Profile["department"] == "Finance" {
			want = "DEPROVISIONED"
		}
		if u.Status != want {
			wrong++
		}
	}
	assert.Zero(t, wrong, "users in the wrong status")
}

// TestPlaybookDeactivateDepartment runs the library playbook with its
// alert on an org of its own (1,000 users, 200 in Finance): the approval
// lists the count and a sample, and the CLI reads the stored result.
func TestPlaybookDeactivateDepartment(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	s, stop := newStack(t, departmentOrgOptions())
	t.Cleanup(stop)
	testPlaybookDeactivateDepartment(t, s)
}

// departmentOrgOptions is the org of TestPlaybookDeactivateDepartment.
func departmentOrgOptions() oktasim.Options {
	return oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: 1000, UserDepartments: departmentOrg}
}

func testPlaybookDeactivateDepartment(t *testing.T, s *stack) {
	id, st := s.departmentRun(t, 200)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.Equal(t, "Finance", st.Outputs["department"])
	assert.EqualValues(t, 200, st.Outputs["found"])
	assert.EqualValues(t, 200, st.Outputs["deactivated"])
	assert.Empty(t, st.Outputs["failed"])
	s.checkDepartment(t, 1000)

	// A second run finds nobody left and changes nothing.
	again := s.start(t, runs.Request{Playbook: s.library(t, "deactivate-department"),
		Inputs: map[string]any{"department": "Finance"}, StartedBy: analyst, ID: id + "-again"})
	st = s.wait(t, again)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 0, st.Outputs["found"])
	assert.Equal(t, "nothing to do", st.Outputs["status"])

	stdout, stderr, code := s.cli(t, "status", id, "--output", "json")
	require.Equal(t, 0, code, stderr)
	var out struct {
		Outputs map[string]any `json:"outputs"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	assert.EqualValues(t, 200, out.Outputs["deactivated"])
}

// TestDeactivateDepartmentOfHundredThousand is the scale run: an
// org of 100,000 users, Get Users with search over the 20,000 of Finance,
// Deactivate Users on $[*].id. The lists go to the payload store: no
// payload in history reaches 2 MiB and the result is exact.
func TestDeactivateDepartmentOfHundredThousand(t *testing.T) {
	parallelLong(t) // its own stack: nothing shared with the other tests
	if testing.Short() {
		t.Skip("scale test")
	}
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: 100000, UserDepartments: departmentOrg})
	t.Cleanup(stop)
	id, st := s.departmentRun(t, 20000)
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 20000, st.Outputs["found"])
	assert.EqualValues(t, 20000, st.Outputs["deactivated"])
	assert.Empty(t, st.Outputs["failed"])
	s.checkDepartment(t, 100000)

	h := s.history(t, id)
	t.Logf("history: %d events, %d bytes, largest payload %d bytes, %d claims: %v", h.events, h.bytes, h.largestPayload, h.claims, h.claimEvents)
	assert.True(t, h.getUsersClaim, "Get Users' 20,000 users went to the payload store")
	assert.Less(t, h.largestPayload, 2<<20, "every payload in history is under 2 MiB")
	assert.Less(t, h.largestPayload, payloadstore.DefaultThreshold+4096, "nothing above the store's threshold stayed inline")
	assert.Less(t, h.bytes, 10<<20, "the history stays far below Temporal's 50 MiB limit")
	assert.Less(t, h.events, 10000, "and far below its 51,200 events")
}

// TestCLILongInputs starts runs whose inputs are too long for a command
// line or for one Temporal payload: 100,000 ids read with --input K=@FILE
// and --inputs FILE.json travel through the payload store. Without a
// store, the CLI refuses them before starting, saying why.
func TestCLILongInputs(t *testing.T) {
	s := getStackAlone(t)
	dir := t.TempDir()
	ids := make([]string, 100000)
	for i := range ids {
		ids[i] = fmt.Sprintf("00ulong%013d", i)
	}
	lines := filepath.Join(dir, "ids.txt")
	require.NoError(t, os.WriteFile(lines, []byte(strings.Join(ids, "\n")+"\n"), 0o600))
	obj := filepath.Join(dir, "inputs.json")
	b, err := json.Marshal(map[string]any{"ids": ids})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(obj, b, 0o600))

	for name, args := range map[string][]string{"@FILE": {"--input", "ids=@" + lines}, "--inputs": {"--inputs", obj}} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := s.cli(t, append([]string{"run", filepath.Join("testdata", "claim.yaml"), "--wait", "--output", "json"}, args...)...)
			require.Equal(t, 0, code, stderr)
			var out workflows.RunStatus
			require.NoError(t, json.Unmarshal([]byte(stdout), &out))
			assert.EqualValues(t, 100000, out.Outputs["ids"])
			h := s.history(t, out.WorkflowID)
			require.NotEmpty(t, h.claimEvents)
			assert.Contains(t, h.claimEvents[0], "1 WorkflowExecutionStarted", "the input is a claim")
		})
	}

	_, stderr, code := s.cliEnv(t, []string{payloadstore.EnvStore + "=off"}, "run", filepath.Join("testdata", "claim.yaml"), "--input", "ids=@"+lines)
	assert.Equal(t, 2, code, "nothing started")
	assert.Contains(t, stderr, "over Temporal's payload limit of 2097152 bytes; enable the payload store")
}

// TestOversizedOutputWithoutStoreFailsAtOnce: with no payload store, a
// Get Users result over Temporal's 2 MiB limit fails the step at once,
// without retries (one pass over Okta's pages), naming the size, the
// limit and the fixes; with fields the same listing fits.
func TestOversizedOutputWithoutStoreFailsAtOnce(t *testing.T) {
	parallel(t) // its own stack: nothing shared with the other tests
	s, stop := newStackWith(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedEmpty, Users: 6000}, stackOptions{noStore: true})
	t.Cleanup(stop)
	s.sim.Sim().ResetRequests()
	st := s.wait(t, s.start(t, runs.Request{Playbook: s.load(t, "list-all.yaml")}))
	require.Equal(t, workflows.RunFailed, st.Status)
	assert.Regexp(t, "Get Users output is [0-9.]+ MiB \\(\\d+ bytes\\), over Temporal's payload limit of 2\\.0 MiB \\(2097152 bytes\\): "+
		"keep fewer fields per item with `fields:`", st.Error)
	assert.Equal(t, 1, st.Steps[0].Attempts, "not retried")
	assert.Len(t, s.sim.Sim().Requests(), 31, "one pass over the 6,001 users' 31 pages")

	st = s.wait(t, s.start(t, runs.Request{Playbook: s.load(t, "list-all.yaml"), Inputs: map[string]any{"fields": []any{"id", "profile.login"}}}))
	require.Equal(t, workflows.RunSucceeded, st.Status, st.Error)
	assert.EqualValues(t, 6001, st.Outputs["users"])
}
