package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// envelope marks req to ask for action.Attempted, when this run is new
// enough to read it.
func envelope(ctx workflow.Context, req action.Request) action.Request {
	req.Envelope = gated(ctx, versionAttempts)
	return req
}

// opened unwraps an activity's result: the output and the attempt that
// produced it (1 when the request asked for no envelope).
func opened(req action.Request, raw any) (any, int) {
	if !req.Envelope {
		return raw, 1
	}
	// A worker that predates the envelope answers with the bare output.
	m, ok := raw.(map[string]any)
	n, isNum := m["attempt"].(float64)
	if _, hasOut := m["output"]; !ok || !isNum || !hasOut || len(m) != 2 {
		return raw, 1
	}
	return m["output"], max(int(n), 1)
}

// nonRetryable are the activity error types no retry can fix.
var nonRetryable = action.NonRetryable

// chunkSize bounds the IDs one bulk activity handles. A 10,000-user
// deactivation becomes 40 activities, each heartbeating its progress, so
// neither a payload nor the history grows with the list.
const chunkSize = 250

// chunkWindow is how many chunk activities run at once; the Okta client
// paces the requests they make.
const chunkWindow = 4

func (r *run) runAction(ctx workflow.Context, s *playbook.Step, loop *loopVars) (*outcome, error) {
	a, ok := r.reg.Lookup(s.Action)
	if !ok {
		return nil, fmt.Errorf("step %s: unknown action %s", s.ID, s.Action)
	}
	params, err := r.evalParams(s.With, loop)
	if err != nil {
		return nil, fmt.Errorf("step %s: %w", s.ID, err)
	}
	var out *outcome
	if a.Destructive {
		out, err = r.runDestructive(ctx, s, a, params, loop)
	} else {
		out, err = r.callAction(ctx, s, a, params, loop)
	}
	if err != nil {
		return nil, err
	}
	out.seal()
	return out, nil
}

func (r *run) evalParams(with map[string]*playbook.Value, loop *loopVars) (map[string]any, error) {
	params := make(map[string]any, len(with))
	env := r.env(loop)
	for _, k := range sortedKeys(with) {
		v, err := with[k].Eval(env)
		if err != nil {
			return nil, fmt.Errorf("with.%s: %w", k, err)
		}
		params[k] = v
	}
	return params, nil
}

// callAction runs the action's activity, in chunks when a bulk action's ID
// list is long.
func (r *run) callAction(ctx workflow.Context, s *playbook.Step, a *action.Action, params map[string]any, loop *loopVars) (*outcome, error) {
	if chunks := splitTargets(a, params); len(chunks) > 1 {
		return r.callChunks(ctx, s, a, params, chunks, loop)
	}
	opts := activityOptions(a, s, activityID(s.ID, loop, -1))
	conn := r.route(&opts, s)
	out, attempts, err := execute(ctx, opts, conn, a, action.Request{Params: params, Step: s.ID, Playbook: r.pb.Name, PlaybookVersion: r.pb.Version})
	if err = r.answered(conn, err); err != nil {
		return nil, withMaxAttempts(err, opts.RetryPolicy.MaximumAttempts)
	}
	return actionOutcome(out, attempts), nil
}

// actionOutcome wraps an action's output. A bulk result is read into its
// type, which the guardrails and undo extend before seal records it.
func actionOutcome(out any, attempts int) *outcome {
	if b, ok := action.DecodeBulk(out); ok {
		return &outcome{bulk: b, attempts: attempts}
	}
	return &outcome{output: out, attempts: attempts}
}

// seal turns a bulk result into the step's output, in the generic form
// expressions read, and a partially successful one into the step status.
func (o *outcome) seal() {
	if o.bulk == nil {
		return
	}
	o.output = o.bulk.Plain()
	if o.status == "" {
		o.status = bulkStatus(o.bulk)
	}
}

func (r *run) callChunks(ctx workflow.Context, s *playbook.Step, a *action.Action, params map[string]any, chunks [][]string, loop *loopVars) (*outcome, error) {
	outs := make([]*action.BulkResult, len(chunks))
	attempts := 1
	err := window(ctx, len(chunks), chunkWindow, func(ctx workflow.Context, i int) error {
		p := make(map[string]any, len(params))
		for k, v := range params {
			p[k] = v
		}
		p[a.Targets.Param] = toAny(chunks[i])
		opts := activityOptions(a, s, activityID(s.ID, loop, i))
		conn := r.route(&opts, s)
		actx := workflow.WithActivityOptions(ctx, opts)
		req := envelope(ctx, action.Request{Params: p, Step: s.ID, Playbook: r.pb.Name, PlaybookVersion: r.pb.Version})
		var raw any
		if err := r.answered(conn, workflow.ExecuteActivity(actx, a.Name, req).Get(ctx, &raw)); err != nil {
			return err
		}
		out, n := opened(req, raw)
		outs[i], _ = action.DecodeBulk(out)
		attempts = max(attempts, n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A chunked step reports the most attempts any of its chunks made.
	return &outcome{bulk: mergeBulk(outs), attempts: attempts}, nil
}

// execute runs one action activity on connection conn (opts is routed
// there already); a write to a whole network zone runs as that zone's
// single ZoneWriteWorkflow (see zone.go).
func execute(ctx workflow.Context, opts workflow.ActivityOptions, conn string, a *action.Action, req action.Request) (any, int, error) {
	req = envelope(ctx, req)
	var raw any
	var err error
	if zone, ok := req.Params[action.ParamZoneID].(string); ok && a.ZoneWrite {
		raw, err = callZoneWrite(ctx, opts, a.Name, req, zoneWorkflowID(zone, conn))
	} else {
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), a.Name, req).Get(ctx, &raw)
	}
	if err != nil {
		return nil, 0, err
	}
	out, attempts := opened(req, raw)
	return out, attempts, nil
}

// activityID names a step's activity: the step id, the foreach item's
// index and the chunk ("deactivate[3]#1").
func activityID(step string, loop *loopVars, chunk int) string {
	id := step
	if loop != nil {
		id += fmt.Sprintf("[%d]", loop.index)
	}
	if chunk >= 0 {
		id += fmt.Sprintf("#%d", chunk)
	}
	return id
}

// activityOptions applies the step's retry and timeout over the action's
// defaults. Every policy is explicit; nothing uses Temporal's unlimited
// default.
func activityOptions(a *action.Action, s *playbook.Step, id string) workflow.ActivityOptions {
	rp := retryPolicy(a.Retry)
	if o := s.Retry; o != nil {
		if o.MaxAttempts > 0 {
			rp.MaximumAttempts = int32(o.MaxAttempts)
		}
		if o.InitialInterval > 0 {
			rp.InitialInterval = o.InitialInterval
		}
		if o.MaxInterval > 0 {
			rp.MaximumInterval = o.MaxInterval
		}
		if o.BackoffCoefficient >= 1 {
			rp.BackoffCoefficient = o.BackoffCoefficient
		}
	}
	timeout := a.StartToCloseTimeout
	if s.Timeout > 0 {
		timeout = s.Timeout
	}
	return workflow.ActivityOptions{
		ActivityID:          id,
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    a.Heartbeat,
		RetryPolicy:         rp,
		Summary:             s.ID + ": " + a.Title,
	}
}

// splitTargets chunks a bulk action's ID list; nil when it fits one call.
func splitTargets(a *action.Action, params map[string]any) [][]string {
	if a.Targets == nil || (a.Targets.Kind != action.TargetUsers && a.Targets.Kind != action.TargetZones) {
		return nil
	}
	ids, err := action.ParseList(params[a.Targets.Param])
	if err != nil || len(ids) <= chunkSize {
		return nil
	}
	var chunks [][]string
	for len(ids) > 0 {
		n := min(chunkSize, len(ids))
		chunks = append(chunks, ids[:n])
		ids = ids[n:]
	}
	return chunks
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// mergeBulk joins the bulk results of several chunks into one.
func mergeBulk(outs []*action.BulkResult) *action.BulkResult {
	m := action.NewBulkResult()
	for _, o := range outs {
		if o == nil {
			continue
		}
		m.Results = append(m.Results, o.Results...)
		m.Succeeded = append(m.Succeeded, o.Succeeded...)
		m.Failed = append(m.Failed, o.Failed...)
	}
	switch {
	case len(m.Failed) > 0 && len(m.Succeeded) == 0:
		m.Status = action.StatusFailed
	case len(m.Failed) > 0:
		m.Status = action.StatusPartiallySuccessful
	}
	return m
}

// bulkStatus maps a bulk result's status to the step status.
func bulkStatus(b *action.BulkResult) playbook.StepState {
	if b != nil && b.Status == action.StatusPartiallySuccessful {
		return playbook.StatusPartiallySucceeded
	}
	return ""
}
