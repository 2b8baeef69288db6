package workflows

import "go.temporal.io/sdk/workflow"

// WorkflowRegistry is what workflows are registered with: a worker, the
// replayer or a test environment.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register adds every Cordon workflow to r under its registered name. The
// worker (internal/engine), the replay test and the unit tests all call
// it, so the list of names is kept once.
func Register(r WorkflowRegistry, in *Interpreter) {
	r.RegisterWorkflowWithOptions(in.Run, workflow.RegisterOptions{Name: PlaybookWorkflowName})
	r.RegisterWorkflowWithOptions(in.Undo, workflow.RegisterOptions{Name: UndoWorkflowName})
	r.RegisterWorkflowWithOptions(in.ZoneWrite, workflow.RegisterOptions{Name: ZoneWriteWorkflowName})
	r.RegisterWorkflowWithOptions(Intake, workflow.RegisterOptions{Name: IntakeWorkflowName})
	r.RegisterWorkflowWithOptions(HealthCheck, workflow.RegisterOptions{Name: HealthCheckWorkflowName})
}
