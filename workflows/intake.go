package workflows

import (
	"reflect"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The Okta System Log intake: one long-running workflow per org polls the
// log through the cordon.intake_poll activity (package intake) and keeps
// the polling cursors in its state, so a restarted worker resumes exactly
// where the last completed poll ended. Runs it starts are named
// <playbook>-<event uuid>, so polling the same page twice starts nothing
// twice.
const (
	IntakeWorkflowName = "IntakeWorkflow"
	// IntakeWorkflowID is the one intake of the org the worker talks to.
	IntakeWorkflowID   = "cordon-intake"
	IntakePollActivity = "cordon.intake_poll"
	// IntakeStatusQuery returns an IntakeStatus.
	IntakeStatusQuery = "status"
	// DefaultIntakeInterval is the wait between polls that found nothing
	// more to read.
	DefaultIntakeInterval = time.Minute
	// DefaultPollsPerRun bounds the polls before continue-as-new, keeping
	// the history to a few hundred events.
	DefaultPollsPerRun = 100
)

// IntakeInput starts (or continues) the intake.
type IntakeInput struct {
	// Interval between polls; default DefaultIntakeInterval.
	Interval time.Duration `json:"interval,omitempty"`
	// Since is where new polling streams start on the first poll; default
	// the time the intake started (events before it are not replayed).
	Since time.Time `json:"since,omitzero"`
	// PollsPerRun; default DefaultPollsPerRun.
	PollsPerRun int `json:"polls_per_run,omitempty"`
	// State is carried over continue-as-new.
	State IntakeState `json:"state"`
}

// IntakeState is what the intake remembers between polls.
type IntakeState struct {
	// Cursors maps each System Log filter of the library's okta_event
	// triggers ("" for unfiltered) to the next link to poll.
	Cursors   map[string]string `json:"cursors,omitempty"`
	StartedAt time.Time         `json:"started_at"`
	// Counters since the intake started (across continue-as-new).
	Polls       int64 `json:"polls"`
	EventsSeen  int64 `json:"events_seen"`
	RunsStarted int64 `json:"runs_started"`
	Duplicates  int64 `json:"duplicates"`
	Refused     int64 `json:"refused"`
	// LastPollAt is when the last successful poll ended: every event
	// persisted before it was read.
	LastPollAt time.Time `json:"last_poll_at,omitzero"`
	// NewestEvent is the published time of the newest event read.
	NewestEvent time.Time `json:"newest_event,omitzero"`
	// Failures counts polls failed in a row; LastError is the latest.
	Failures    int       `json:"failures,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Problems of the last poll that did not stop it: invalid playbook
	// files, triggers that could not be evaluated, refused inputs.
	Problems []string `json:"problems,omitempty"`
}

// IntakeStatus answers IntakeStatusQuery.
type IntakeStatus struct {
	IntakeState
	Interval time.Duration `json:"interval"`
}

// PollRequest is the input of the cordon.intake_poll activity.
type PollRequest struct {
	Cursors map[string]string `json:"cursors,omitempty"`
	// Since is where a filter without a cursor starts.
	Since time.Time `json:"since"`
}

// PollResult is what one poll did.
type PollResult struct {
	Cursors     map[string]string `json:"cursors,omitempty"`
	Events      int               `json:"events"`
	RunsStarted int               `json:"runs_started"`
	Duplicates  int               `json:"duplicates"`
	Refused     int               `json:"refused"`
	Newest      time.Time         `json:"newest,omitzero"`
	// More: a stream stopped at the page bound; poll again at once.
	More     bool     `json:"more,omitempty"`
	Problems []string `json:"problems,omitempty"`
}

// Intake is the System Log intake workflow.
func Intake(ctx workflow.Context, in IntakeInput) error {
	if !reflect.ValueOf(in.State).IsZero() && workflow.GetInfo(ctx).ContinuedExecutionRunID == "" {
		// Cursors handed in by a caller could skip events.
		return temporal.NewNonRetryableApplicationError(
			"state is only accepted from continue-as-new, and this intake was started fresh: start it without state", ErrInvalidRunInput, nil)
	}
	if info := workflow.GetInfo(ctx); !reflect.ValueOf(in.State).IsZero() && (info.CronSchedule != "" || retries(info)) &&
		since(ctx, versionIntakeOrigin) {
		// A cron or retry run is continued by the server too, with the
		// state its first run was handed (contract_origin.go).
		return temporal.NewNonRetryableApplicationError(
			"state is only accepted from the intake's own continue-as-new, not from a cron schedule or retry policy: start it without them", ErrInvalidRunInput, nil)
	}
	if in.Interval <= 0 {
		in.Interval = DefaultIntakeInterval
	}
	if in.PollsPerRun <= 0 {
		in.PollsPerRun = DefaultPollsPerRun
	}
	st := in.State
	if st.StartedAt.IsZero() {
		st.StartedAt = workflow.Now(ctx)
	}
	if in.Since.IsZero() {
		in.Since = st.StartedAt
	}
	if err := workflow.SetQueryHandler(ctx, IntakeStatusQuery, func() (IntakeStatus, error) {
		return IntakeStatus{IntakeState: st, Interval: in.Interval}, nil
	}); err != nil {
		return err
	}
	logger := workflow.GetLogger(ctx)
	actx := workflow.WithActivityOptions(ctx, intakePollOptions)
	for i := 0; i < in.PollsPerRun; i++ {
		req := PollRequest{Cursors: st.Cursors, Since: workflow.Now(ctx)}
		if st.Polls == 0 {
			req.Since = in.Since
		}
		var res PollResult
		err := workflow.ExecuteActivity(actx, IntakePollActivity, req).Get(ctx, &res)
		if temporal.IsCanceledError(err) {
			return err
		}
		now := workflow.Now(ctx)
		if err != nil {
			st.Failures++
			st.LastError, st.LastErrorAt = err.Error(), now
			logger.Error("System Log poll failed; the cursor is kept and the next poll retries", "failures", st.Failures, "error", err)
		} else {
			st.apply(res, now)
		}
		if err == nil && res.More {
			continue
		}
		if err := workflow.Sleep(ctx, in.Interval); err != nil {
			return err
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			break
		}
	}
	return workflow.NewContinueAsNewError(ctx, IntakeWorkflowName,
		IntakeInput{Interval: in.Interval, Since: in.Since, PollsPerRun: in.PollsPerRun, State: st})
}

func (st *IntakeState) apply(res PollResult, now time.Time) {
	st.Cursors = res.Cursors
	st.Polls++
	st.EventsSeen += int64(res.Events)
	st.RunsStarted += int64(res.RunsStarted)
	st.Duplicates += int64(res.Duplicates)
	st.Refused += int64(res.Refused)
	st.LastPollAt = now
	if res.Newest.After(st.NewestEvent) {
		st.NewestEvent = res.Newest
	}
	st.Failures = 0
	st.Problems = res.Problems
}
