package activities

import (
	"context"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
)

// GetLogs lists System Log events as Okta's JSON array. Without start_time
// Okta's own default applies (7 days before the end).
func (a *Activities) GetLogs(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.GetLogs, req)
	if err != nil {
		return nil, err
	}
	limit := p.Int(spec.ParamLimit) // at least 1: the parameter's Min
	q := a.logQuery(p, spec.ParamFilter)
	q.Max = limit
	events, err := a.Okta.ListLogs(ctx, q)
	return list(act, events, err)
}

// FetchEvent fetches the events of a time range and maps each with the
// integration spec's field mapping, beside the raw event.
func (a *Activities) FetchEvent(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.FetchEvent, req)
	if err != nil {
		return nil, err
	}
	q := a.logQuery(p, spec.ParamSearchCondition)
	q.Max = max(p.Int(spec.ParamMaxEvents), 0) // 0 or less: every event in the range
	events, err := a.Okta.ListLogs(ctx, q)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	out := make([]spec.FetchedEvent, 0, len(events))
	for _, raw := range events {
		out = append(out, spec.MapEvent(raw))
	}
	return out, nil
}

// logQuery builds a bounded query: an end time is always sent (default
// now) so Okta treats it as bounded, with finite pages in published order,
// rather than as an endless polling query.
func (a *Activities) logQuery(p *Params, filterParam string) okta.LogQuery {
	q := okta.LogQuery{Filter: p.Str(filterParam), Since: p.Time(spec.ParamStartTime), Until: p.Time(spec.ParamEndTime)}
	if q.Until.IsZero() {
		q.Until = a.now().UTC()
	}
	// start_time before end_time is the action's rule (spec.Action.Rules),
	// checked before the step starts.
	return q
}
