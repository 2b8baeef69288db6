package activities

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/action"
)

// Callers says who may run Cordon's activities: a workflow execution of
// one of Cordon's registered workflow types, on Cordon's task queue.
//
// Why: Temporal server 1.32 runs standalone activities (the dynamic config
// key activity.enableStandalone, on by default): any client with access to
// the namespace can start "okta.suspend_users" on task queue "cordon" with
// no workflow around it, so without this check no target resolution,
// guardrail, max_targets or approval would apply. A workflow of another
// type on Cordon's task queue is refused for the same reason.
type Callers struct {
	TaskQueue string
	Workflows []string
}

// CallerError is the refusal of an activity called from outside Cordon's
// workflows.
type CallerError struct {
	Activity string
	Reason   string
}

func (e *CallerError) Error() string {
	return fmt.Sprintf("activity %s refused: not called by a Cordon workflow (%s)", e.Activity, e.Reason)
}

// Check returns a *CallerError unless ctx is the context of an activity
// that one of the workflows in c scheduled on c's task queue.
//
// How a standalone activity looks to the worker (go.temporal.io/sdk
// v1.50.0, internal/activity.go, WithActivityTask): when the task has no
// workflow id, the SDK leaves ActivityInfo.WorkflowExecution empty and
// WorkflowType nil and sets ActivityRunID instead; for a workflow's
// activity it sets WorkflowExecution and WorkflowType from the task. Local
// activities (WithLocalActivityTask) carry the workflow's type, execution
// and task queue. There is no IsStandalone field: an empty workflow id is
// the mark.
func (c Callers) Check(ctx context.Context, name string) error {
	if !activity.IsActivity(ctx) {
		return &CallerError{Activity: name, Reason: "no activity context"}
	}
	info := activity.GetInfo(ctx)
	var wfType string
	if info.WorkflowType != nil {
		wfType = info.WorkflowType.Name
	}
	switch {
	case info.WorkflowExecution.ID == "" || wfType == "":
		return &CallerError{Activity: name, Reason: fmt.Sprintf("a standalone activity execution (activity id %q), not part of any workflow", info.ActivityID)}
	case !slices.Contains(c.Workflows, wfType):
		return &CallerError{Activity: name, Reason: fmt.Sprintf("workflow %s is of type %s; only %s may run it", info.WorkflowExecution.ID, wfType, c.describe())}
	case info.TaskQueue != c.TaskQueue || c.TaskQueue == "":
		return &CallerError{Activity: name, Reason: fmt.Sprintf("it runs on task queue %q, not Cordon's %q", info.TaskQueue, c.TaskQueue)}
	}
	return nil
}

func (c Callers) describe() string {
	if len(c.Workflows) == 0 {
		return "Cordon's workflows (none are configured on this worker)"
	}
	return strings.Join(c.Workflows, ", ")
}

// refusal is the activity's failure for a *CallerError: non-retryable,
// since no retry changes who called.
func refusal(err *CallerError) error {
	return appError(err.Error(), action.ErrNotCordonCaller, temporal.ApplicationErrorOptions{})
}

// Restrict returns r with every activity registered through it wrapped in
// c's Check: the check runs before the activity's own code, so a refused
// caller reaches neither Okta nor the audit trail. It is the one wrapper
// for the Okta actions (Activities.Register) and the engine's cordon.*
// activities (internal/engine), whatever their signature.
func Restrict(r worker.ActivityRegistry, c Callers) worker.ActivityRegistry {
	return restricted{r: r, c: c}
}

type restricted struct {
	r worker.ActivityRegistry
	c Callers
}

// RegisterActivity is refused: Cordon registers activities by explicit
// name only, and the name is what a refusal reports.
func (x restricted) RegisterActivity(any) {
	panic("activities: register Cordon's activities by name (RegisterActivityWithOptions)")
}

func (x restricted) RegisterActivityWithOptions(fn any, o activity.RegisterOptions) {
	x.r.RegisterActivityWithOptions(x.c.wrap(o.Name, fn), o)
}

// RegisterDynamicActivity is refused: a dynamic activity would run any
// name a caller sends.
func (x restricted) RegisterDynamicActivity(any, activity.DynamicRegisterOptions) {
	panic("activities: Cordon registers no dynamic activities")
}

// wrap returns fn with c's Check in front, as a function of fn's own type
// (the SDK decodes arguments by the registered function's signature). fn
// must take a context.Context first and return an error last: every
// Cordon activity does, and registration panics otherwise, a build
// mistake the first test run catches.
func (c Callers) wrap(name string, fn any) any {
	v := reflect.ValueOf(fn)
	t := v.Type()
	ctxType, errType := reflect.TypeFor[context.Context](), reflect.TypeFor[error]()
	if t.Kind() != reflect.Func || t.NumIn() < 1 || t.In(0) != ctxType || t.NumOut() < 1 || t.Out(t.NumOut()-1) != errType {
		panic(fmt.Sprintf("activities: %s must be func(context.Context, ...) (..., error) to be guarded", name))
	}
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		ctx, _ := args[0].Interface().(context.Context)
		err := c.Check(ctx, name)
		if err == nil {
			if t.IsVariadic() {
				return v.CallSlice(args)
			}
			return v.Call(args)
		}
		if activity.IsActivity(ctx) {
			activity.GetLogger(ctx).Warn("refused a caller outside Cordon's workflows", "activity", name, "error", err)
		}
		out := make([]reflect.Value, t.NumOut())
		for i := range out {
			out[i] = reflect.Zero(t.Out(i))
		}
		out[len(out)-1] = reflect.ValueOf(refusal(err.(*CallerError)))
		return out
	}).Interface()
}
