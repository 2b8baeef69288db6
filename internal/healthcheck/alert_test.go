package healthcheck

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// recorder is a trigger.Starter that records what it is asked to start:
// the test isolates what the activity asks for, not Temporal.
type recorder struct {
	reqs []runs.Request
	err  error
}

func (r *recorder) Start(_ context.Context, req runs.Request) (runs.Started, error) {
	r.reqs = append(r.reqs, req)
	if r.err != nil {
		return runs.Started{}, r.err
	}
	return runs.Started{WorkflowID: req.ID, RunID: "run-1"}, nil
}

func alerter(st *recorder) *Alerter {
	return &Alerter{Starter: st, Library: runs.Library{Dir: filepath.Join("..", "..", "playbooks"), Registry: action.Okta()}}
}

func TestAlertStartsThePlaybookOncePerStreak(t *testing.T) {
	t.Parallel()
	st := &recorder{}
	since := time.Date(2026, 6, 1, 9, 20, 0, 0, time.UTC)
	in := workflows.HealthAlert{Playbook: "health-check", Failures: 3, FailingSince: since, Error: "Test Connection failed."}
	id, err := alerter(st).Alert(context.Background(), in)
	require.NoError(t, err)
	again, err := alerter(st).Alert(context.Background(), in)
	require.NoError(t, err)

	assert.Equal(t, "health-check-okta-health-1780305600", id, "the run ID holds the streak's start")
	assert.Equal(t, id, again, "a retried activity asks for the same run")
	require.Len(t, st.reqs, 2)
	req := st.reqs[0]
	assert.Equal(t, "health-check", req.Playbook.Name)
	assert.Equal(t, StartedBy, req.StartedBy)
	assert.Equal(t, map[string]any{"id": "okta-health-1780305600", "type": "okta_connection_unhealthy", "failures": 3,
		"failing_since": "2026-06-01T09:20:00Z", "error": "Test Connection failed.", "connection": "default"}, req.Alert)
}

func TestAlertErrors(t *testing.T) {
	t.Parallel()
	_, err := alerter(&recorder{}).Alert(context.Background(), workflows.HealthAlert{Playbook: "no-such-playbook"})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.True(t, appErr.NonRetryable(), "an unknown playbook does not fix itself")
	assert.Equal(t, action.ErrInvalidInput, appErr.Type())
	assert.Contains(t, appErr.Error(), "health alert playbook: ")

	// Refused inputs do not retry; a Temporal error does.
	_, err = alerter(&recorder{err: &runs.InputError{Err: errors.New("input x is required")}}).Alert(context.Background(), workflows.HealthAlert{Playbook: "health-check"})
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.True(t, appErr.NonRetryable())
	down := errors.New("temporal unavailable")
	_, err = alerter(&recorder{err: down}).Alert(context.Background(), workflows.HealthAlert{Playbook: "health-check"})
	assert.Equal(t, down, err)
}
