// Package engine wires Cordon's parts onto a Temporal worker: the playbook
// interpreter and its helper workflows, the Okta activities, and the
// guardrail activity. The worker binary and the end-to-end tests call the
// same Register, so the tests exercise exactly what ships.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"github.com/cordonsec/cordon/activities"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/audit"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/healthcheck"
	"github.com/cordonsec/cordon/internal/intake"
	"github.com/cordonsec/cordon/internal/notify"
	"github.com/cordonsec/cordon/workflows"
)

// Deps are what the registered workflows and activities need.
type Deps struct {
	Registry   *spec.Registry
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
	// Approvals says which approval decisions the workers' runs accept.
	Approvals workflows.ApprovalPolicy
	// Notifier posts approval notices; nil posts nothing (the activity
	// is still registered, so runs never wait for a worker that has it).
	Notifier *notify.Notifier
	// Audit is the audit trail of the workflows' own events (refusals,
	// approvals); nil records nothing (the activity is still registered).
	// Okta writes reach it through the Okta client's observer.
	Audit *audit.Recorder
	// UndoRetryFor is how long an undo step keeps retrying 5xx and
	// connection errors (worker: CORDON_UNDO_RETRY_FOR); 0 means
	// workflows.DefaultUndoRetryFor.
	UndoRetryFor time.Duration
}

// guardCheck is the guardrails' activity: the guard's check with its
// errors classified like every other activity's (a transient Okta error
// retries; a guardrails file naming a group Okta lacks does not).
func guardCheck(g *guard.Guard) func(context.Context, spec.GuardRequest) (spec.GuardResult, error) {
	return func(ctx context.Context, req spec.GuardRequest) (spec.GuardResult, error) {
		res, err := g.Check(ctx, req)
		return res, activities.Classify("Guardrails", err)
	}
}

// Register adds every Cordon workflow and activity to r.
func Register(r worker.Registry, d Deps) {
	in := workflows.New(d.Registry)
	in.UndoRetryFor = d.UndoRetryFor
	in.ApprovalsURL, in.Approvals = d.ApprovalsURL, d.Approvals
	workflows.Register(r, in)
	d.Activities.Register(r)
	r.RegisterActivityWithOptions(guardCheck(d.Guard), activity.RegisterOptions{Name: spec.GuardActivity})
	r.RegisterActivityWithOptions(Describer{Okta: d.Activities.Okta}.Describe, activity.RegisterOptions{Name: spec.DescribeActivity})
	r.RegisterActivityWithOptions(d.Notifier.Approval, activity.RegisterOptions{Name: workflows.NotifyActivity})
	r.RegisterActivityWithOptions(AuditRuns{Recorder: d.Audit}.Record, activity.RegisterOptions{Name: workflows.AuditActivity})
	if d.Intake != nil {
		r.RegisterActivityWithOptions(d.Intake.Poll, activity.RegisterOptions{Name: workflows.IntakePollActivity})
	}
	if d.Health != nil {
		r.RegisterActivityWithOptions(d.Health.Alert, activity.RegisterOptions{Name: workflows.HealthAlertActivity})
	}
}

// Directory adapts the Okta client to what the guard needs.
type Directory struct{ Okta *okta.Client }

// GroupMembers returns the ids and logins of a group's members.
func (d Directory) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	raw, err := d.Okta.ListGroupMembers(ctx, groupID, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range raw {
		var u okta.User
		if json.Unmarshal(r, &u) == nil {
			out = append(out, u.ID, u.Profile.Login)
		}
	}
	return out, nil
}

// Me returns the id and login of the API token's owner.
func (d Directory) Me(ctx context.Context) (string, string, error) {
	u, err := d.Okta.Me(ctx)
	if err != nil {
		return "", "", err
	}
	return u.ID, u.Profile.Login, nil
}

// UserID returns the ID of the user with this ID or login; "" when none.
func (d Directory) UserID(ctx context.Context, idOrLogin string) (string, error) {
	_, u, err := d.Okta.GetUser(ctx, idOrLogin)
	if errors.Is(err, okta.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// GroupID returns the ID of the group with this ID or exact name; "" when
// none. A name several groups share is an error: the guardrails file must
// then name the group by ID.
func (d Directory) GroupID(ctx context.Context, idOrName string) (string, error) {
	if _, err := d.Okta.GetGroup(ctx, idOrName); err == nil {
		return idOrName, nil
	} else if !errors.Is(err, okta.ErrNotFound) {
		return "", err
	}
	ids, err := d.Okta.GroupIDsByName(ctx, idOrName)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d groups are named %q; name the group by ID", len(ids), idOrName)
}
