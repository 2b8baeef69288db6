package workflows

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"log/slog"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// fakeOkta stands in for the Okta activities in interpreter unit tests: it
// records every call by action name and answers from per-action functions.
type fakeOkta struct {
	mu    sync.Mutex
	calls map[string][]map[string]any
	// workflows records, per action, the workflow type each call ran in.
	workflows map[string][]string
	answers   map[string]func(map[string]any) (any, error)
	guard     func(action.GuardRequest) action.GuardResult
	// resolve answers cordon.resolve; nil resolves every spelling to
	// itself, trimmed.
	resolve  func(action.ResolveRequest) action.ResolveResult
	resolves []action.ResolveRequest
	notices  []ApprovalNotice
	// queues records the task queue of every activity call, by name
	// (actions and the engine's cordon.* ones), in call order.
	queues map[string][]string
	// workflowIDs records the id of the workflow each call ran in.
	workflowIDs map[string][]string
}

func newFakeOkta() *fakeOkta {
	return &fakeOkta{calls: map[string][]map[string]any{}, workflows: map[string][]string{}, queues: map[string][]string{}, workflowIDs: map[string][]string{}, answers: map[string]func(map[string]any) (any, error){}}
}

func (f *fakeOkta) on(action string, fn func(map[string]any) (any, error)) { f.answers[action] = fn }

func (f *fakeOkta) callsTo(action string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

// userIDsOf lists the user_ids of every call to action, in call order,
// a repeated id as often as it was sent.
func (f *fakeOkta) userIDsOf(name string) []any {
	var ids []any
	for _, c := range f.callsTo(name) {
		ids = append(ids, c[action.ParamUserIDs].([]any)...)
	}
	return ids
}

func (f *fakeOkta) workflowsOf(action string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.workflows[action]
}

// bulkOK answers a bulk action with every id done.
func bulkOK(params map[string]any) (any, error) {
	var key string
	for _, k := range []string{action.ParamUserIDs, action.ParamIPAddresses, action.ParamZoneIDs} {
		if _, ok := params[k]; ok {
			key = k
		}
	}
	ids, _ := action.ParseList(params[key])
	res := action.NewBulkResult()
	for _, id := range ids {
		res.Results = append(res.Results, action.ItemResult{ID: id, OK: true, Outcome: action.OutcomeDone})
	}
	res.Succeeded = append(res.Succeeded, ids...)
	return res, nil
}

func (f *fakeOkta) register(env *testsuite.TestWorkflowEnvironment, reg *action.Registry) {
	for _, a := range reg.All() {
		name := a.Name
		env.RegisterActivityWithOptions(func(ctx context.Context, req action.Request) (any, error) {
			f.mu.Lock()
			f.calls[name] = append(f.calls[name], req.Params)
			f.workflows[name] = append(f.workflows[name], activity.GetInfo(ctx).WorkflowType.Name)
			f.queues[name] = append(f.queues[name], activity.GetInfo(ctx).TaskQueue)
			f.workflowIDs[name] = append(f.workflowIDs[name], activity.GetInfo(ctx).WorkflowExecution.ID)
			fn := f.answers[name]
			f.mu.Unlock()
			var out any
			var err error
			switch {
			case fn != nil:
				out, err = fn(req.Params)
			case a.Destructive && a.Targets != nil:
				out, err = bulkOK(req.Params)
			default:
				out = []any{}
			}
			if err != nil || !req.Envelope {
				return out, err
			}
			return action.Attempted{Output: out, Attempt: int(activity.GetInfo(ctx).Attempt)}, nil
		}, activity.RegisterOptions{Name: name})
	}
	env.RegisterActivityWithOptions(func(ctx context.Context, req action.GuardRequest) (action.GuardResult, error) {
		f.noteQueue(ctx, action.GuardActivity)
		if f.guard != nil {
			return f.guard(req), nil
		}
		return action.GuardResult{Allowed: req.Targets, DefaultMaxTargets: 25}, nil
	}, activity.RegisterOptions{Name: action.GuardActivity})
	env.RegisterActivityWithOptions(func(ctx context.Context, req action.ResolveRequest) (action.ResolveResult, error) {
		f.noteQueue(ctx, action.ResolveActivity)
		f.mu.Lock()
		f.resolves = append(f.resolves, req)
		f.mu.Unlock()
		if f.resolve != nil {
			return f.resolve(req), nil
		}
		res := action.ResolveResult{}
		for _, t := range req.Targets {
			res.Resolved = append(res.Resolved, action.Resolved{Given: t, ID: strings.TrimSpace(t)})
		}
		return res, nil
	}, activity.RegisterOptions{Name: action.ResolveActivity})
	env.RegisterActivityWithOptions(func(ctx context.Context, req action.DescribeRequest) ([]action.TargetInfo, error) {
		f.noteQueue(ctx, action.DescribeActivity)
		out := []action.TargetInfo{}
		for _, id := range req.Targets {
			out = append(out, action.TargetInfo{ID: id, Login: id + "@example.com", Status: "ACTIVE"})
		}
		return out, nil
	}, activity.RegisterOptions{Name: action.DescribeActivity})
	env.RegisterActivityWithOptions(func(ctx context.Context, req StartCheck) (StartVerdict, error) {
		return StartVerdict{Verified: "unsigned (taken on trust)"}, nil
	}, activity.RegisterOptions{Name: VerifyStartActivity})
	env.RegisterActivityWithOptions(func(ctx context.Context, n ApprovalNotice) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.notices = append(f.notices, n)
		return nil
	}, activity.RegisterOptions{Name: NotifyActivity})
}

// noteQueue records the task queue an engine activity ran from; a local
// activity reports the workflow's.
func (f *fakeOkta) noteQueue(ctx context.Context, name string) {
	q := activity.GetInfo(ctx).TaskQueue
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queues[name] = append(f.queues[name], q)
}

func (f *fakeOkta) queuesOf(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queues[name]
}

type harness struct {
	t    *testing.T
	env  *testsuite.TestWorkflowEnvironment
	okta *fakeOkta
	reg  *action.Registry
	in   *Interpreter
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, action.Okta()) }

// newHarnessWith is newHarness over a registry of the test's making.
func newHarnessWith(t *testing.T, reg *action.Registry) *harness {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	in := New(reg)
	Register(env, in)
	f := newFakeOkta()
	f.register(env, reg)
	return &harness{t: t, env: env, okta: f, reg: reg, in: in}
}

func pin(name, src string) Pinned {
	sum := sha256.Sum256([]byte(src))
	return Pinned{Name: name, Version: 1, SHA256: hex.EncodeToString(sum[:]), File: name + ".yaml", Source: src}
}

// run executes a playbook and returns its final status and error.
func (h *harness) run(src string, in RunInput) (*RunStatus, error) {
	h.t.Helper()
	in.Playbook = pin("test", src)
	if pb, err := playbook.Load("test.yaml", []byte(src), playbook.Options{Registry: h.reg}); err == nil {
		in.Playbook.Name, in.Playbook.Version = pb.Name, pb.Version
	}
	if in.Options.StartedBy == "" {
		in.Options.StartedBy = "tester"
	}
	h.env.ExecuteWorkflow(PlaybookWorkflowName, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	err := h.env.GetWorkflowError()
	if err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.HasDetails() {
			var st RunStatus
			require.NoError(h.t, app.Details(&st))
			return &st, err
		}
		return nil, err
	}
	var st RunStatus
	require.NoError(h.t, h.env.GetWorkflowResult(&st))
	return &st, nil
}

func stepOf(st *RunStatus, id string) *StepStatus {
	for _, s := range st.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}
