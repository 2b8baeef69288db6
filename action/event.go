package action

import "encoding/json"

// FetchedEvent is one okta.fetch_event item: the mapped fields and the
// raw Okta LogEvent.
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

// MapEvent maps a raw Okta LogEvent with the integration spec's Fetch
// Event mapping: the okta.fetch_event output's items, and what the System
// Log intake adds to an event's alert.
func MapEvent(raw json.RawMessage) FetchedEvent {
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
