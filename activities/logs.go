package activities

import (
	"context"
	"encoding/json"

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
	limit, err := positiveLimit(act, p)
	if err != nil {
		return nil, err
	}
	q, err := a.logQuery(act, p, spec.ParamFilter)
	if err != nil {
		return nil, err
	}
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
	q, err := a.logQuery(act, p, spec.ParamSearchCondition)
	if err != nil {
		return nil, err
	}
	q.Max = max(p.Int(spec.ParamMaxEvents), 0) // 0 or less: every event in the range
	events, err := a.Okta.ListLogs(ctx, q)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	out := make([]FetchedEvent, 0, len(events))
	for _, raw := range events {
		out = append(out, normaliseEvent(raw))
	}
	return out, nil
}

// logQuery builds a bounded query: an end time is always sent (default
// now) so Okta treats it as bounded, with finite pages in published order,
// rather than as an endless polling query.
func (a *Activities) logQuery(act *spec.Action, p *Params, filterParam string) (okta.LogQuery, error) {
	q := okta.LogQuery{Filter: p.Str(filterParam), Since: p.Time(spec.ParamStartTime), Until: p.Time(spec.ParamEndTime)}
	if q.Until.IsZero() {
		q.Until = a.now().UTC()
	}
	if !q.Since.IsZero() && !q.Since.Before(q.Until) {
		return q, classify(act.Title, &InputError{Action: act.Name, Param: spec.ParamStartTime, Msg: "must be before end_time"})
	}
	return q, nil
}

// FetchedEvent is one Fetch Event item: the mapped fields and the raw
// Okta LogEvent.
type FetchedEvent struct {
	Event EventFields     `json:"event"`
	Raw   json.RawMessage `json:"raw"`
}

// EventFields is the integration spec's Fetch Event field mapping.
type EventFields struct {
	DeviceIPAddress string `json:"device_ip_address"` // client.ipAddress
	UniqueEventKey  string `json:"unique_event_key"`  // uuid
	EventType       string `json:"event_type"`        // eventType
	HTTPUserAgent   string `json:"http_user_agent"`   // client.userAgent.rawUserAgent
	StartTime       string `json:"start_time"`        // published
	Description     string `json:"description"`       // displayMessage
	LogUsername     string `json:"log_username"`      // actor.displayName
	Severity        string `json:"severity"`          // severity
}

func normaliseEvent(raw json.RawMessage) FetchedEvent {
	// Every field but uuid, published, eventType and severity may be null
	// in Okta's LogEvent; pointers-free decoding leaves them "".
	var e struct {
		UUID           string `json:"uuid"`
		Published      string `json:"published"`
		EventType      string `json:"eventType"`
		Severity       string `json:"severity"`
		DisplayMessage string `json:"displayMessage"`
		Actor          struct {
			DisplayName string `json:"displayName"`
		} `json:"actor"`
		Client struct {
			IPAddress string `json:"ipAddress"`
			UserAgent struct {
				RawUserAgent string `json:"rawUserAgent"`
			} `json:"userAgent"`
		} `json:"client"`
	}
	_ = json.Unmarshal(raw, &e) // a malformed event still passes through raw
	return FetchedEvent{Raw: raw, Event: EventFields{
		DeviceIPAddress: e.Client.IPAddress, UniqueEventKey: e.UUID, EventType: e.EventType,
		HTTPUserAgent: e.Client.UserAgent.RawUserAgent, StartTime: e.Published,
		Description: e.DisplayMessage, LogUsername: e.Actor.DisplayName, Severity: e.Severity,
	}}
}
