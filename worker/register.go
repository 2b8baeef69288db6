package main

import (
	"log/slog"

	"go.temporal.io/sdk/worker"
)

// deps are the long-lived dependencies that workflows and activities are
// registered with. They live on a struct, not in globals, so tests build
// their own. Later issues add the Okta client here.
type deps struct {
	Logger *slog.Logger
}

// register is the one place that lists what this worker executes.
//
// Later issues add, here and nowhere else:
//   - the playbook interpreter workflow (workflows.PlaybookWorkflow), with
//     w.RegisterWorkflowWithOptions and an explicit name;
//   - each Okta action as an activity registered by its explicit name from
//     the action registry (`okta.deactivate_users`, ...), one
//     w.RegisterActivityWithOptions per method of the activities struct
//     built from deps.
//
// Until then the worker registers nothing and simply polls the `cordon`
// task queue, which is enough for the dev stack and its health check.
func register(w worker.Worker, d *deps) {}
