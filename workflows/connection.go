package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/playbook"
)

// Routing by connection. Every activity that acts on Okta for a step runs
// on the task queue of the step's connection (ActivityQueue): the action,
// the resolve of spellings into ids, the guardrails' check, the approval's
// description of targets, the zone write and the undo. Only workers that
// hold that connection's credentials poll its queue, so credentials and
// guardrails are per connection by construction. The engine's own
// activities that do not touch Okta (audit, notify, verify_start) stay on
// the workflow's queue. Which connection a step acts on is decided by
// playbook.ConnectionOf and playbook.RunConnection (precedence there).
//
// The default connection's activities keep the queue they always had (the
// workflow's own, TaskQueue), and the guardrails' check and the
// description of targets stay local activities there.

// versionConnections gates routing by connection: the CordonConnection
// upsert, the task queue of a step on another connection, the
// connection-scoped zone workflow id. Histories recorded before it name
// no connection and replay unchanged (DefaultVersion).
const versionConnections = "connections-1"

// ConnectionStartTimeout is how long the first activity of a run on a
// connection's queue may wait for a worker to pick it up. No worker polls
// the queue of a connection none of them holds, and an activity there
// would wait forever; past this bound the step fails, naming the
// connection. Later activities on a connection that answered once wait as
// long as they need (a busy worker is not a missing one).
const ConnectionStartTimeout = time.Minute

// ErrConnectionNotServed is the error type of a step whose connection no
// worker serves.
const ErrConnectionNotServed = action.ErrConnectionNotServed

// checkConnections is the run contract's part on connections: names must
// be connection names, and parent_connection comes from a parent only. No
// recorded history has these fields, so no gate is needed.
func checkConnections(ctx workflow.Context, input RunInput) error {
	if input.Connection != "" && !connections.ValidName(input.Connection) {
		return fmt.Errorf("connection %q is not a connection name: lower-case letters, digits and dashes, starting with a letter, at most 40 characters", input.Connection)
	}
	if input.ParentConnection == "" {
		return nil
	}
	if workflow.GetInfo(ctx).ParentWorkflowExecution == nil {
		return fmt.Errorf("parent_connection is set by a parent run for its children; a run started on its own must leave it out (use connection)")
	}
	if !connections.ValidName(input.ParentConnection) {
		return fmt.Errorf("parent_connection %q is not a connection name", input.ParentConnection)
	}
	return nil
}

// initRouting decides the run's connection and whether the run routes by
// connection at all (versionConnections).
func (r *run) initRouting(ctx workflow.Context) {
	r.conn = playbook.RunConnection(r.pb, r.input.Connection, r.input.ParentConnection)
	r.routed = since(ctx, versionConnections)
	r.served = map[string]bool{}
	if !r.routed {
		return
	}
	r.status.Connection = r.conn
	var walk func([]*playbook.Step)
	walk = func(steps []*playbook.Step) {
		for _, s := range steps {
			if st := r.byID[s.ID]; st != nil && s.Connection != "" && s.Connection != r.conn {
				st.Connection = s.Connection
			}
			walk(s.Parallel)
		}
	}
	walk(r.pb.Steps)
}

// connectionOf is the connection step s acts on.
func (r *run) connectionOf(s *playbook.Step) string {
	if !r.routed {
		return connections.Default
	}
	return playbook.ConnectionOf(s, r.conn)
}

// onOtherConnection reports whether s acts on a connection other than the
// default, whose activities leave the workflow's queue.
func (r *run) onOtherConnection(s *playbook.Step) bool {
	return r.connectionOf(s) != connections.Default
}

// route puts opts on the task queue of s's connection and returns the
// connection; the default connection's options are left as they are.
func (r *run) route(opts *workflow.ActivityOptions, s *playbook.Step) string {
	c := r.connectionOf(s)
	routeTo(opts, c, r.served[c])
	return c
}

// routeTo puts opts on connection c's queue; served says a worker already
// picked up an activity there in this run.
func routeTo(opts *workflow.ActivityOptions, c string, served bool) {
	if c == "" || c == connections.Default {
		return
	}
	opts.TaskQueue = ActivityQueue(c)
	if !served {
		opts.ScheduleToStartTimeout = ConnectionStartTimeout
	}
}

// answered notes the outcome of an activity on connection c: an answer
// from a worker (a result or the activity's own failure) shows the
// connection served; a schedule-to-start timeout becomes the clear error
// that nothing serves it.
func (r *run) answered(c string, err error) error {
	if c == "" || c == connections.Default {
		return err
	}
	if err == nil || isActivityAnswer(err) {
		r.served[c] = true
		return err
	}
	return notServed(c, err)
}

// notServed turns an activity's schedule-to-start timeout on connection
// c's queue into a failure naming the connection.
func notServed(c string, err error) error {
	var te *temporal.TimeoutError
	if !errors.As(err, &te) || te.TimeoutType() != enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START {
		return err
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("connection %q is not served by any worker (check the worker's connections file): no worker picked up its activity within %s",
			c, ShortDuration(ConnectionStartTimeout)), ErrConnectionNotServed, nil)
}

// isActivityAnswer says whether err came from a worker that ran the
// activity (its own failure, or a start-to-close timeout).
func isActivityAnswer(err error) bool {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return true
	}
	var te *temporal.TimeoutError
	return errors.As(err, &te) && te.TimeoutType() != enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START
}

// zoneWorkflowID is the id of the workflow that serialises writes to a
// network zone: zones of different orgs are different zones.
func zoneWorkflowID(zoneID, conn string) string {
	if conn == "" || conn == connections.Default {
		return "cordon-zone-" + zoneID
	}
	return "cordon-zone-" + conn + "-" + zoneID
}

// undoConnection is what an undo of step s records as its connection:
// "" on the default connection, as undos always did.
func (r *run) undoConnection(s *playbook.Step) string {
	if c := r.connectionOf(s); c != connections.Default {
		return c
	}
	return ""
}

// remoteOptions are the options of a local activity (the guardrails'
// check, the description of targets) run instead as an activity on
// another connection's queue: the local one runs in the workflow's
// worker, which may not hold that connection. The SDK numbers their
// activity ids: a foreach step checks each item's targets, at once.
func remoteOptions(local workflow.LocalActivityOptions, summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: local.StartToCloseTimeout,
		RetryPolicy:         local.RetryPolicy,
		Summary:             summary,
	}
}

// ConnectionsLine says which connection (Okta org) the steps an approval
// governs act on, for every place an approval is shown: "acts on
// connection globex" when all share one, "acts on connections: acme
// (step find), globex (step block)" otherwise; "" for an approval that
// names no connection (runs from before connections).
func ConnectionsLine(p PendingApproval) string {
	if len(p.Connections) == 0 {
		return ""
	}
	steps := make([]string, 0, len(p.Connections))
	distinct := map[string]bool{}
	for step, c := range p.Connections {
		steps = append(steps, step)
		distinct[c] = true
	}
	slices.Sort(steps)
	if len(distinct) == 1 {
		return "acts on connection " + p.Connections[steps[0]]
	}
	parts := make([]string, len(steps))
	for i, step := range steps {
		parts[i] = fmt.Sprintf("%s (step %s)", p.Connections[step], step)
	}
	return "acts on connections: " + strings.Join(parts, ", ")
}
