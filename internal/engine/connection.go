package engine

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/workflows"
)

// One engine per connection. A worker serving several Okta connections
// builds one Engine per connection (Config.Connection, with that
// connection's Okta client and guardrails) and runs each on a Temporal
// worker of its own, polling workflows.ActivityQueue(connection): the
// default connection's queue is "cordon" itself, where every workflow
// runs; another connection's queue ("cordon-okta-NAME") carries only
// tasks that need its credentials:
//
//   - the Okta activities of playbook steps acting through it (the
//     playbook workflow on "cordon" schedules them there);
//   - its System Log intake and its health check: those two workflows are
//     started on the connection's queue (intake.Start, healthcheck.Enable
//     with Options.Connection), so their activities, which default to the
//     workflow's own queue, read the right org with no change to the
//     workflows' code and no new history.
//
// The activities' origin check (activities.Callers) accepts exactly the
// connection's own queue: an engine registered on a worker of another
// connection's queue refuses every task, so a misconfigured worker cannot
// act on one org with another org's activity input.

// isDefault says whether name is the default connection ("" included).
func isDefault(name string) bool { return name == "" || name == connections.Default }

// connectionName is name with "" spelled as the default connection.
func connectionName(name string) string {
	if name == "" {
		return connections.Default
	}
	return name
}

// Connection is the name of the connection the engine acts through.
func (e *Engine) Connection() string { return e.connection }

// Queue is the task queue the engine's worker polls:
// workflows.ActivityQueue of its connection.
func (e *Engine) Queue() string { return workflows.ActivityQueue(e.connection) }

// NewWorker returns a Temporal worker on the engine's queue (Queue) with
// the engine registered, not yet started.
func (e *Engine) NewWorker(c client.Client) worker.Worker {
	w := worker.New(c, e.Queue(), WorkerOptions())
	e.Register(w)
	return w
}

// registerConnectionWorkflows registers what runs on a non-default
// connection's queue besides its activities: its intake and health check.
func registerConnectionWorkflows(r workflows.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.Intake, workflow.RegisterOptions{Name: workflows.IntakeWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.HealthCheck, workflow.RegisterOptions{Name: workflows.HealthCheckWorkflowName})
}

// discard is a registry that registers nothing: Register lists the names
// of Cordon's workflows through it on a non-default connection's worker.
type discard struct{}

func (discard) RegisterWorkflowWithOptions(any, workflow.RegisterOptions) {}
