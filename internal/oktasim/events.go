package oktasim

import (
	"sort"
	"time"
)

// logEvent is one System Log entry. raw is the LogEvent JSON object as it is
// served; persisted is when the org stored it, which is what polling
// requests order and bound by (published may be older for injected events).
type logEvent struct {
	seq       int64
	published time.Time
	persisted time.Time
	raw       map[string]any
}

func (o *org) addEvent(raw map[string]any, persisted time.Time) {
	pub := persisted
	if p, ok := raw["published"].(string); ok {
		if t, err := parseISO(p); err == nil {
			pub = t.UTC()
		}
	}
	raw["published"] = pub.Format(timeLayout)
	if _, ok := raw["uuid"].(string); !ok {
		raw["uuid"] = o.ids.uuid()
	}
	if _, ok := raw["version"]; !ok {
		raw["version"] = "0"
	}
	if _, ok := raw["severity"]; !ok {
		raw["severity"] = "INFO"
	}
	o.eventSeq++
	o.events = append(o.events, &logEvent{seq: o.eventSeq, published: pub, persisted: persisted, raw: raw})
}

// sortSeedEvents orders seeded history by time so that persistence order
// matches publication order, as for a real org's past.
func (o *org) sortSeedEvents() {
	sort.SliceStable(o.events, func(i, j int) bool { return o.events[i].published.Before(o.events[j].published) })
	for i, e := range o.events {
		e.seq = int64(i + 1)
		e.persisted = e.published
	}
	o.eventSeq = int64(len(o.events))
}

// AppendEvent appends a raw LogEvent JSON object to the System Log, filling
// uuid, published (the sim clock), version and severity when missing. Tests
// of log intake use it to inject events such as user.account.lock.
func (s *Sim) AppendEvent(ev map[string]any) {
	raw := jsonClone(ev)
	if raw == nil {
		raw = map[string]any{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.org.addEvent(raw, s.clock())
}

// audit records an admin action performed through the API, attributed to
// the token owner, like the events Okta writes for Management API calls.
func (o *org) audit(at time.Time, eventType, display string, targets ...map[string]any) {
	actor := map[string]any{"id": o.meID, "type": "User", "alternateId": "", "displayName": "", "detailEntry": nil}
	if me := o.users[o.meID]; me != nil {
		actor["alternateId"] = me.login()
		actor["displayName"] = displayName(me)
	}
	tg := make([]any, 0, len(targets))
	for _, t := range targets {
		tg = append(tg, t)
	}
	client, txID := adminClient(), o.ids.token(27)
	var debug map[string]any
	if c := o.caller; c != nil {
		// Served for an API request: Okta records the request's
		// User-Agent and its X-Okta-Request-Id (as the transaction id and
		// debugData.requestId).
		client["userAgent"] = map[string]any{"rawUserAgent": c["rawUserAgent"], "os": "Linux", "browser": "UNKNOWN"}
		txID, _ = c["requestId"].(string)
		debug = map[string]any{"requestId": txID, "requestUri": c["requestUri"], "url": c["requestUri"]}
	}
	ev := baseEvent(eventType, display, "SUCCESS", nil, actor, client, tg)
	ev["transaction"] = map[string]any{"type": "WEB", "id": txID, "detail": map[string]any{"requestApiTokenId": "00Tsim0api0token00x7"}}
	if debug != nil {
		ev["debugContext"] = map[string]any{"debugData": debug}
	}
	o.addEvent(ev, at)
}

func displayName(u *user) string {
	f, _ := u.profile["firstName"].(string)
	l, _ := u.profile["lastName"].(string)
	return f + " " + l
}

func userTarget(u *user) map[string]any {
	return map[string]any{"id": u.id, "type": "User", "alternateId": u.login(), "displayName": displayName(u), "detailEntry": nil}
}

func groupTarget(g *group) map[string]any {
	return map[string]any{"id": g.id, "type": "UserGroup", "alternateId": "unknown", "displayName": g.name, "detailEntry": nil}
}

func zoneTarget(z *zone) map[string]any {
	return map[string]any{"id": z.id, "type": "NetworkZone", "alternateId": "unknown", "displayName": z.name, "detailEntry": nil}
}

// baseEvent builds the common LogEvent skeleton.
func baseEvent(eventType, display, result string, reason any, actor, client map[string]any, target []any) map[string]any {
	ip, _ := client["ipAddress"].(string)
	geo := client["geographicalContext"]
	return map[string]any{
		"actor":                 actor,
		"client":                client,
		"device":                nil,
		"authenticationContext": map[string]any{"authenticationProvider": nil, "credentialProvider": nil, "credentialType": nil, "issuer": nil, "interface": nil, "authenticationStep": 0, "rootSessionId": nil, "externalSessionId": nil},
		"displayMessage":        display,
		"eventType":             eventType,
		"outcome":               map[string]any{"result": result, "reason": reason},
		"severity":              severityFor(result),
		"securityContext":       map[string]any{"asNumber": nil, "asOrg": nil, "isp": nil, "domain": nil, "isProxy": nil},
		"debugContext":          map[string]any{"debugData": map[string]any{}},
		"legacyEventType":       nil,
		"transaction":           map[string]any{"type": "WEB", "id": nil, "detail": map[string]any{}},
		"version":               "0",
		"request":               map[string]any{"ipChain": []any{map[string]any{"ip": ip, "geographicalContext": geo, "version": "V4", "source": nil}}},
		"target":                target,
	}
}

func severityFor(result string) string {
	if result == "FAILURE" || result == "DENY" {
		return "WARN"
	}
	return "INFO"
}

func adminClient() map[string]any {
	return map[string]any{
		"userAgent": map[string]any{"rawUserAgent": "okta-sdk-golang/2.20.0 golang/go1.26 linux/amd64", "os": "Linux", "browser": "UNKNOWN"},
		"zone":      "null", "device": "Unknown", "id": nil, "ipAddress": "10.20.0.15",
		"geographicalContext": geoContext("San Francisco", "California", "United States", "94105", 37.7897, -122.3942),
	}
}

func geoContext(city, state, country, postal string, lat, lon float64) map[string]any {
	return map[string]any{"city": city, "state": state, "country": country, "postalCode": postal,
		"geolocation": map[string]any{"lat": lat, "lon": lon}}
}
