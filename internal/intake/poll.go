// Package intake starts playbooks from Okta's System Log: the
// cordon.intake_poll activity behind workflows.Intake, and the client side
// of `cordon intake`. (The connection health check is package healthcheck.)
//
// Its activity starts workflows: an intake has to turn events into runs,
// and it does so through package trigger exactly as the webhook does,
// idempotently by workflow ID. It reads Okta through the Okta client
// alone; its errors are classified by activities.Classify like every
// action's.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/internal/trigger"
	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// StartedBy prefixes the started_by of the runs the intake starts:
// okta-event:<the event's uuid>.
const StartedBy = "okta-event"

// Poller is the cordon.intake_poll activity and its dependencies.
type Poller struct {
	// Okta reads the System Log (the worker's shared client and pacing).
	Okta *okta.Client
	// Starter starts runs (trigger.ClientStarter on the worker's client).
	Starter trigger.Starter
	// Library is the playbook directory the worker was given (--playbooks).
	Library runs.Library
	// PageSize is the limit of each System Log request. Default 1000
	// (Okta's maximum).
	PageSize int
	// MaxPages bounds the pages one poll reads per filter, so a backlog is
	// worked off in bounded activities. Default 10.
	MaxPages int
	// Connection is the connection whose System Log this poller reads
	// (Okta is its client). A run started from an event of a connection
	// other than the default runs on that connection (runs.Request) and
	// finds its name in alert.connection.
	Connection string
}

// Poll reads what the System Log holds beyond each cursor, starts the runs
// of matching okta_event triggers and returns the new cursors.
//
// Filters are applied by Okta (server-side): each distinct `filter` among
// the library's okta_event triggers is its own polling query with its own
// cursor, and triggers without a filter share the unfiltered one. A
// trigger's if: is then evaluated here. A cursor only advances when
// every run of the events before it was started (or found to exist), so
// an error retries the whole poll from the same cursors, and the
// duplicate starts that causes are refused by Temporal.
func (p *Poller) Poll(ctx context.Context, req workflows.PollRequest) (workflows.PollResult, error) {
	pbs, loadErrs := trigger.LoadLibrary(p.Library.Dir, p.Library.Registry)
	res := workflows.PollResult{Cursors: map[string]string{}}
	for _, e := range loadErrs {
		res.Problems = append(res.Problems, "playbook skipped: "+e.Error())
	}
	for _, filter := range eventFilters(pbs) {
		page, err := p.read(ctx, req.Cursors[filter], filter, req.Since)
		if err != nil {
			if !activities.Retryable(err) {
				// A filter Okta refuses must not stop the others: report
				// it, keep its cursor, go on.
				res.Problems = append(res.Problems, fmt.Sprintf("filter %q: %v", filter, err))
				if c, ok := req.Cursors[filter]; ok {
					res.Cursors[filter] = c
				}
				continue
			}
			return workflows.PollResult{}, err
		}
		if err := p.startRuns(ctx, pbs, filter, page.Events, &res); err != nil {
			return workflows.PollResult{}, err
		}
		res.Cursors[filter] = page.Next
		res.More = res.More || page.More
	}
	if len(res.Problems) > maxProblems {
		res.Problems = append(res.Problems[:maxProblems], fmt.Sprintf("... and %d more", len(res.Problems)-maxProblems))
	}
	return res, nil
}

// pollTitle names System Log polling in error messages, in the integration
// spec's form ("Poll System Log failed. Okta Code: ...").
const pollTitle = "Poll System Log"

// polled is one filter's poll: its events mapped like okta.fetch_event's.
type polled struct {
	Events []action.FetchedEvent
	Next   string
	More   bool
}

// read polls one filter's query from its cursor, heartbeating between
// pages. Its errors are classified (a cursor that is no polling link is
// invalid input; a 429 carries its retry delay).
func (p *Poller) read(ctx context.Context, cursor, filter string, since time.Time) (polled, error) {
	q := okta.LogPoll{Cursor: cursor, Filter: filter, Since: since, PageSize: p.pageSize(), MaxPages: p.maxPages()}
	if activity.IsActivity(ctx) {
		q.Progress = func(pages int) { activity.RecordHeartbeat(ctx, pages) }
	}
	page, err := p.Okta.PollLogs(ctx, q)
	if errors.Is(err, okta.ErrBadCursor) {
		err = &activities.InputError{Action: pollTitle, Param: "cursor", Msg: err.Error()}
	}
	if err != nil {
		return polled{}, activities.Classify(pollTitle, err)
	}
	out := polled{Events: make([]action.FetchedEvent, 0, len(page.Events)), Next: page.Next, More: page.More}
	for _, raw := range page.Events {
		out.Events = append(out.Events, action.MapEvent(raw))
	}
	return out, nil
}

// maxProblems bounds the problems a poll reports into workflow history.
const maxProblems = 20

func (p *Poller) startRuns(ctx context.Context, pbs []*playbook.Playbook, filter string, events []action.FetchedEvent, res *workflows.PollResult) error {
	keep := func(t *playbook.Trigger) bool { return t.Filter == filter }
	for _, fe := range events {
		res.Events++
		if t, err := time.Parse(time.RFC3339Nano, fe.Event.StartTime); err == nil && t.After(res.Newest) {
			res.Newest = t
		}
		alert := EventAlert(fe)
		key := fe.Event.UniqueEventKey
		if key == "" {
			key = trigger.Key(alert)
		}
		src := trigger.Source{Library: p.Library, StartedBy: StartedBy + ":" + key}
		if p.Connection != "" && p.Connection != connections.Default {
			// The run acts on the org whose System Log told of the event.
			alert["connection"], src.Connection = p.Connection, p.Connection
		}
		matches, errs := trigger.Matching(pbs, playbook.TriggerOktaEvent, alert, keep)
		for _, e := range errs {
			res.Problems = append(res.Problems, fmt.Sprintf("event %s: %v", key, e))
		}
		started, err := trigger.StartAll(ctx, p.Starter, src, alert, key, matches)
		if err != nil {
			return err
		}
		for _, r := range started {
			switch {
			case r.Error != "":
				res.Refused++
				res.Problems = append(res.Problems, fmt.Sprintf("event %s: %s: %s", key, r.Playbook, r.Error))
			case r.Duplicate:
				res.Duplicates++
			default:
				res.RunsStarted++
				if activity.IsActivity(ctx) {
					activity.GetLogger(ctx).Info("run started from System Log event", "event", key, "workflow_id", r.WorkflowID)
				}
			}
		}
	}
	return nil
}

// EventAlert is what an okta_event trigger and its run see as `event` and
// `alert`: the raw LogEvent (uuid, eventType, actor, client, outcome, ...)
// with the integration spec's normalised fields added beside it
// (device_ip_address, unique_event_key, event_type, http_user_agent,
// start_time, description, log_username, severity) and id set to the
// uuid, so the run's CordonAlertID names the event.
func EventAlert(fe action.FetchedEvent) map[string]any {
	alert := map[string]any{}
	_ = json.Unmarshal(fe.Raw, &alert)
	if alert == nil {
		alert = map[string]any{}
	}
	var fields map[string]any
	b, _ := json.Marshal(fe.Event)
	_ = json.Unmarshal(b, &fields)
	for k, v := range fields {
		alert[k] = v
	}
	if fe.Event.UniqueEventKey != "" {
		alert["id"] = fe.Event.UniqueEventKey
	}
	return alert
}

// eventFilters lists the distinct filters of the library's okta_event
// triggers, sorted ("" for triggers without one).
func eventFilters(pbs []*playbook.Playbook) []string {
	seen := map[string]bool{}
	var out []string
	for _, pb := range pbs {
		for _, t := range pb.On {
			if t.Kind == playbook.TriggerOktaEvent && !seen[t.Filter] {
				seen[t.Filter] = true
				out = append(out, t.Filter)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (p *Poller) pageSize() int {
	if p.PageSize > 0 {
		return p.PageSize
	}
	return 1000
}

func (p *Poller) maxPages() int {
	if p.MaxPages > 0 {
		return p.MaxPages
	}
	return 10
}
