// Package engine wires Cordon's parts onto a Temporal worker: the playbook
// interpreter and its helper workflows, the Okta activities, and the
// guardrail activity. New builds them once from a Config; the worker
// binary, the end-to-end tests and cordon test all call it, so the tests
// exercise exactly what ships.
package engine

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/internal/notify"
	"github.com/cordonsec/cordon/workflows"
)

// Deps are what the registered workflows and activities need.
type Deps struct {
	Registry   *action.Registry
	Activities *activities.Activities
	Guard      *guard.Guard
	// Intake runs the System Log intake's poll; nil leaves it
	// unregistered, so the intake workflow's activity waits for a worker
	// that has one.
	Intake *intake.Poller
	// Health starts the health check's alert playbook; nil leaves it
	// unregistered, like Intake.
	Health *healthcheck.Alerter
	// ApprovalsURL is the approvals page (cordon serve's /approvals) that
	// waiting runs link to; empty: no link.
	ApprovalsURL string
	// Approvals says which approval decisions and starts the workers'
	// runs accept.
	Approvals workflows.ApprovalPolicy
	// Temporal lets the start check see whether a signed start already
	// started a run (StartVerifier); nil refuses signed starts.
	Temporal client.Client
	// Notifier posts approval notices; nil posts nothing (the activity
	// is still registered, so runs never wait for a worker that has it).
	Notifier *notify.Notifier
	// Audit is the audit trail of the workflows' own events (refusals,
	// approvals); nil records nothing (the activity is still registered).
	// Okta writes reach it through the Okta client's observer.
	Audit *audit.Recorder
	// TrustedWorkflows are workflow types besides Cordon's own that may
	// call the activities: the benchmarks' hand-written baseline. The
	// worker sets none. Default none.
	TrustedWorkflows []string
	// UndoRetryFor is how long an undo step keeps retrying 5xx and
	// connection errors (worker: CORDON_UNDO_RETRY_FOR); 0 means
	// workflows.DefaultUndoRetryFor.
	UndoRetryFor time.Duration
	// Connection is the Okta connection the activities act through; ""
	// or "default" is the default connection (see connection.go).
	Connection string
}

// guardCheck is the guardrails' activity: the guard's check with its
// errors classified like every other activity's (a transient Okta error
// retries; a guardrails file naming a group Okta lacks does not).
func guardCheck(g *guard.Guard) func(context.Context, action.GuardRequest) (action.GuardResult, error) {
	return func(ctx context.Context, req action.GuardRequest) (action.GuardResult, error) {
		res, err := g.Check(ctx, req)
		return res, activities.Classify("Guardrails", err)
	}
}

// Register adds Cordon's workflows and activities to r: for the default
// connection every workflow and activity, for another connection its
// activities and its own intake and health-check workflows (connection.go).
//
// Every activity, the Okta actions and the engine's own cordon.*
// activities alike, runs only when one of Cordon's workflow types calls it
// on the connection's queue, workflows.ActivityQueue(d.Connection)
// (activities.Callers): a standalone activity, a foreign workflow or a
// task of another connection's queue is refused before the activity reads
// its input. The Okta actions also re-check the guardrails (d.Guard) where
// they write.
func Register(r worker.Registry, d Deps) {
	in := workflows.New(d.Registry)
	in.UndoRetryFor = d.UndoRetryFor
	in.ApprovalsURL, in.Approvals = d.ApprovalsURL, d.Approvals
	names := &workflowNames{WorkflowRegistry: r}
	if isDefault(d.Connection) {
		workflows.Register(names, in)
	} else {
		// The names of every Cordon workflow (the callers the
		// activities accept), registering only the connection's own.
		names.WorkflowRegistry = discard{}
		workflows.Register(names, in)
		registerConnectionWorkflows(r)
	}
	callers := activities.Callers{TaskQueue: workflows.ActivityQueue(d.Connection), Workflows: append(names.list, d.TrustedWorkflows...)}
	d.Activities.Callers = callers
	if d.Guard != nil {
		d.Activities.Guard = d.Guard
	}
	d.Activities.Register(r)
	ar := activities.Restrict(r, callers)
	ar.RegisterActivityWithOptions(guardCheck(d.Guard), activity.RegisterOptions{Name: action.GuardActivity})
	ar.RegisterActivityWithOptions(Describer{Okta: d.Activities.Okta}.Describe, activity.RegisterOptions{Name: action.DescribeActivity})
	ar.RegisterActivityWithOptions(d.Notifier.Approval, activity.RegisterOptions{Name: workflows.NotifyActivity})
	ar.RegisterActivityWithOptions(StartVerifier{Policy: d.Approvals, Temporal: d.Temporal}.Verify, activity.RegisterOptions{Name: workflows.VerifyStartActivity})
	ar.RegisterActivityWithOptions(AuditRuns{Recorder: d.Audit}.Record, activity.RegisterOptions{Name: workflows.AuditActivity})
	if d.Intake != nil {
		ar.RegisterActivityWithOptions(d.Intake.Poll, activity.RegisterOptions{Name: workflows.IntakePollActivity})
	}
	if d.Health != nil {
		ar.RegisterActivityWithOptions(d.Health.Alert, activity.RegisterOptions{Name: workflows.HealthAlertActivity})
	}
}

// workflowNames records the names workflows.Register registers, so the
// activities' callers are exactly Cordon's registered workflow types.
type workflowNames struct {
	workflows.WorkflowRegistry
	list []string
}

func (n *workflowNames) RegisterWorkflowWithOptions(w any, o workflow.RegisterOptions) {
	n.list = append(n.list, o.Name)
	n.WorkflowRegistry.RegisterWorkflowWithOptions(w, o)
}

// Directory adapts the Okta client to what the guard needs; it lives
// with the guard (guard.OktaDirectory), which the activities' own tests
// use too.
type Directory = guard.OktaDirectory
