package activities

import (
	"context"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// GetLogs lists System Log events as Okta's JSON array. Without start_time
// Okta's own default applies (7 days before the end).
func (a *Activities) GetLogs(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.GetLogs, req)
	if err != nil {
		return nil, err
	}
	limit := p.Int(action.ParamLimit) // at least 1: the parameter's Min
	q := a.logQuery(p, action.ParamFilter)
	q.Max = limit
	events, err := a.Okta.ListLogs(ctx, q)
	return list(act, events, err)
}

// FetchEvent fetches the events of a time range and maps each with the
// integration spec's field mapping, beside the raw event.
func (a *Activities) FetchEvent(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.FetchEvent, req)
	if err != nil {
		return nil, err
	}
	q := a.logQuery(p, action.ParamSearchCondition)
	q.Max = max(p.Int(action.ParamMaxEvents), 0) // 0 or less: every event in the range
	events, err := a.Okta.ListLogs(ctx, q)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	out := make([]action.FetchedEvent, 0, len(events))
	for _, raw := range events {
		out = append(out, action.MapEvent(raw))
	}
	return out, nil
}

// logQuery builds a bounded query: an end time is always sent (default
// now) so Okta treats it as bounded, with finite pages in published order,
// rather than as an endless polling query.
func (a *Activities) logQuery(p *Params, filterParam string) okta.LogQuery {
	q := okta.LogQuery{Filter: p.Str(filterParam), Since: p.Time(action.ParamStartTime), Until: p.Time(action.ParamEndTime)}
	if q.Until.IsZero() {
		q.Until = a.now().UTC()
	}
	// start_time before end_time is the action's rule (action.Action.Rules),
	// checked before the step starts.
	return q
}
