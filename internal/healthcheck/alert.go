package healthcheck

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/workflows"
)

// StartedBy is the started_by of the runs the health check starts.
const StartedBy = "okta-health"

// Alerter is the cordon.health_alert activity and its dependencies.
type Alerter struct {
	// Starter starts runs (trigger.ClientStarter on the worker's client).
	Starter trigger.Starter
	// Library is the playbook directory the worker was given (--playbooks).
	Library runs.Library
	// Connection is the connection this alerter's health check watches;
	// its alert names it (alert.connection) and its run id holds it.
	Connection string
}

// Alert is the cordon.health_alert activity: it starts the playbook
// configured for a failing connection, once per streak of failures (the
// run ID holds the streak's start, so a retried activity starts it once).
// The run's alert describes the failure; the playbook gets no inputs, so
// its inputs need defaults.
func (p *Alerter) Alert(ctx context.Context, a workflows.HealthAlert) (string, error) {
	pb, err := p.Library.Resolve(a.Playbook)
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError("health alert playbook: "+err.Error(), action.ErrInvalidInput, nil)
	}
	conn := p.Connection
	if conn == "" {
		conn = connections.Default
	}
	key := "okta-health-" + strconv.FormatInt(a.FailingSince.Unix(), 10)
	if conn != connections.Default {
		// Two connections failing since the same second are two alerts.
		key = "okta-health-" + conn + "-" + strconv.FormatInt(a.FailingSince.Unix(), 10)
	}
	alert := map[string]any{"id": key, "type": "okta_connection_unhealthy", "failures": a.Failures,
		"failing_since": a.FailingSince.UTC().Format(time.RFC3339), "error": a.Error, "connection": conn}
	started, err := p.Starter.Start(ctx, runs.Request{Playbook: pb, Library: p.Library, Alert: alert,
		ID: trigger.RunID(pb.Name, key), StartedBy: StartedBy})
	var inErr *runs.InputError
	if errors.As(err, &inErr) {
		return "", temporal.NewNonRetryableApplicationError("health alert playbook: "+err.Error(), action.ErrInvalidInput, nil)
	}
	if err != nil {
		return "", err
	}
	return started.WorkflowID, nil
}
