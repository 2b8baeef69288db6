package activities

import (
	"context"
	"fmt"
	"strconv"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// zoneShape is the content of a zone given to Create or Update Zone: the
// IP lists of an IP zone, or the proxy type, locations and ASNs of a
// DYNAMIC zone. given records which parameters the step set.
type zoneShape struct {
	gateways, proxies []action.IPEntry
	proxyType         string
	locations         []map[string]any
	asns              []string
	given             map[string]bool
}

func parseZoneShape(act *action.Action, p *Params) (zoneShape, error) {
	s := zoneShape{given: map[string]bool{}}
	for _, name := range []string{action.ParamGateways, action.ParamProxies, action.ParamProxyType, action.ParamLocations, action.ParamASNs} {
		s.given[name] = p.Has(name)
	}
	var err error
	if s.gateways, err = zoneIPEntries(p.List(action.ParamGateways)); err != nil {
		return s, &InputError{Action: act.Name, Param: action.ParamGateways, Msg: err.Error()}
	}
	if s.proxies, err = zoneIPEntries(p.List(action.ParamProxies)); err != nil {
		return s, &InputError{Action: act.Name, Param: action.ParamProxies, Msg: err.Error()}
	}
	s.proxyType = p.Str(action.ParamProxyType)
	// Locations and ASNs were checked with the parameters (action.Param
	// Items and Min); here they take Okta's form.
	for _, loc := range p.Objects(action.ParamLocations) {
		country, region, _ := action.ZoneLocation(loc)
		l := map[string]any{"country": country}
		if region != "" {
			l["region"] = region
		}
		s.locations = append(s.locations, l)
	}
	for _, n := range p.Ints(action.ParamASNs) {
		s.asns = append(s.asns, strconv.Itoa(n)) // Okta stores ASNs as strings
	}
	return s, nil
}

// apply writes the shape into zone for a zone of type typ. With overwrite
// a given list replaces the zone's; without, its new entries are appended.
// Fields of the other zone type are ignored, as the integration spec says.
func (s zoneShape) apply(ctx context.Context, zone okta.Zone, typ string, overwrite bool) {
	var ignored []string
	ipFields := []string{action.ParamGateways, action.ParamProxies}
	dynFields := []string{action.ParamProxyType, action.ParamLocations, action.ParamASNs}
	switch typ {
	case zoneIP:
		ignored = s.givenOf(dynFields)
		if s.given[action.ParamGateways] {
			zone["gateways"] = mergeIPs(zone["gateways"], s.gateways, overwrite)
		}
		if s.given[action.ParamProxies] {
			zone["proxies"] = mergeIPs(zone["proxies"], s.proxies, overwrite)
		}
	default:
		ignored = s.givenOf(ipFields)
		if s.given[action.ParamProxyType] {
			if s.proxyType == "None" {
				zone["proxyType"] = nil
			} else {
				zone["proxyType"] = s.proxyType
			}
		}
		if s.given[action.ParamLocations] {
			zone["locations"] = mergeBy(zone["locations"], s.locations, overwrite, func(v any) string {
				m, _ := v.(map[string]any)
				c, _ := m["country"].(string)
				r, _ := m["region"].(string)
				return c + "/" + r
			})
		}
		if s.given[action.ParamASNs] {
			asns := make([]any, len(s.asns))
			for i, a := range s.asns {
				asns[i] = a
			}
			zone["asns"] = mergeBy(zone["asns"], asns, overwrite, func(v any) string { return fmt.Sprint(v) })
		}
	}
	if len(ignored) > 0 {
		activity.GetLogger(ctx).Warn("parameters ignored for this zone type", "type", typ, "ignored", ignored)
	}
}

func (s zoneShape) givenOf(names []string) []string {
	var out []string
	for _, n := range names {
		if s.given[n] {
			out = append(out, n)
		}
	}
	return out
}

func mergeIPs(existing any, add []action.IPEntry, overwrite bool) []any {
	items := make([]any, len(add))
	for i, e := range add {
		items[i] = e.Okta()
	}
	return mergeBy(existing, items, overwrite, func(v any) string {
		m, _ := v.(map[string]any)
		val, _ := m["value"].(string)
		if e, err := action.ParseIPEntry(val); err == nil {
			return e.String()
		}
		return val
	})
}

// mergeBy appends items not already present (by key) to the existing list,
// or returns items alone when overwriting.
func mergeBy[T any](existing any, items []T, overwrite bool, key func(any) string) []any {
	var out []any
	if !overwrite {
		out, _ = existing.([]any)
	}
	seen := map[string]bool{}
	for _, v := range out {
		seen[key(v)] = true
	}
	for _, v := range items {
		if k := key(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	if out == nil {
		out = []any{}
	}
	return out
}
