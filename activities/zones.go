package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// Zone names longer than Okta's limit are truncated, as the integration
// spec says, rather than refused.
const maxZoneName = 128

const (
	zoneIP      = "IP"
	zoneDynamic = "DYNAMIC"
	usageBlock  = "BLOCKLIST"
)

// CreateZone creates a network zone with the integration spec's rules: an
// IP BLOCKLIST zone needs gateways, an IP zone needs gateways or proxies, a
// DYNAMIC zone one of proxy_type, locations or asns; fields of the other
// zone type are ignored (and logged). A retry that finds its own zone
// (same name and type) returns it instead of failing on the duplicate name.
func (a *Activities) CreateZone(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.CreateZone, req)
	if err != nil {
		return nil, err
	}
	typ, usage := p.Str(action.ParamType), p.Str(action.ParamUsage)
	shape, err := parseZoneShape(act, p)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	// What each zone type needs is the action's rules (action.Action.Rules),
	// checked before the step starts.
	name := truncateName(ctx, p.Str(action.ParamName))
	zone := okta.Zone{"type": typ, "name": name, "status": "ACTIVE", "usage": usage}
	shape.apply(ctx, zone, typ, true)
	if err := a.checkZoneResult(ctx, act, "", nil, zone); err != nil {
		return nil, err
	}
	created, err := a.Okta.CreateZone(ctx, zone)
	if err == nil {
		return created, nil
	}
	if okta.IsCode(err, okta.CodeValidation) || lostReply(err) { // read back by name (action.ReadCreated)
		if z := a.zoneNamed(ctx, name, typ); z != nil {
			activity.GetLogger(ctx).Info("zone with this name and type exists; reusing it", "zone", z.Str("id"))
			return z, nil
		}
	}
	return nil, classify(act.Title, err)
}

func (a *Activities) zoneNamed(ctx context.Context, name, typ string) okta.Zone {
	zones, err := a.Okta.ListZones(ctx, "", "", 0)
	if err != nil {
		return nil
	}
	for _, raw := range zones {
		var z okta.Zone
		if json.Unmarshal(raw, &z) == nil && z.Str("name") == name && z.Str("type") == typ {
			return z
		}
	}
	return nil
}

// UpdateZone reads the zone, applies the given fields (overwrite false
// appends to the zone's lists, true replaces them) and writes it back.
// The zone type never changes; fields of the other type are ignored.
func (a *Activities) UpdateZone(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.UpdateZone, req)
	if err != nil {
		return nil, err
	}
	shape, err := parseZoneShape(act, p)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	id := p.Str(action.ParamZoneID)
	defer a.lockZone(id)()
	zone, err := a.Okta.GetZone(ctx, id)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	before := blockedEntries(zone)
	if p.Has(action.ParamName) {
		zone["name"] = truncateName(ctx, p.Str(action.ParamName))
	}
	if p.Has(action.ParamUsage) {
		zone["usage"] = p.Str(action.ParamUsage)
	}
	shape.apply(ctx, zone, zone.Str("type"), p.Bool(action.ParamOverwrite))
	if zone.Str("type") == zoneIP && zone.Str("usage") == usageBlock {
		if _, gws := zoneEntries(zone["gateways"]); len(gws) > action.MaxBlocklistEntries {
			return nil, classify(act.Title, &InputError{Action: act.Name, Param: action.ParamGateways, Msg: fmt.Sprintf(
				"the zone would hold %d entries, over Okta's limit of %d per blocklist zone", len(gws), action.MaxBlocklistEntries)})
		}
	}
	if err := a.checkZoneResult(ctx, act, id, before, zone); err != nil {
		return nil, err
	}
	updated, err := a.Okta.ReplaceZone(ctx, id, zone)
	if lostReply(err) { // read back (action.ReadZone): the write may have landed
		if got, gerr := a.Okta.GetZone(ctx, id); gerr == nil && sameZone(got, zone) {
			return got, nil
		}
	}
	if err != nil {
		return nil, classify(act.Title, err)
	}
	return updated, nil
}

// DeleteZones deletes each zone, deactivating an ACTIVE zone first (Okta
// refuses to delete active zones). System zones are refused; a zone already
// gone is already_deleted.
func (a *Activities) DeleteZones(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.DeleteZones, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(action.ParamZoneIDs), func(ctx context.Context, id string) (action.ItemResult, error) {
		defer a.lockZone(id)()
		zone, err := a.Okta.GetZone(ctx, id)
		if errors.Is(err, okta.ErrNotFound) {
			return done(id, action.OutcomeAlreadyDeleted)
		}
		if err != nil {
			return failed(ctx, id, err)
		}
		if zone.System() {
			return action.ItemResult{ID: id, Outcome: action.OutcomeFailed,
				Message: fmt.Sprintf("%s is a system zone; Okta's system zones cannot be deleted", zone.Str("name"))}, nil
		}
		if zone.Str("status") == "ACTIVE" {
			if _, err := a.Okta.DeactivateZone(ctx, id); err != nil && !errors.Is(err, okta.ErrNotFound) {
				return failed(ctx, id, err)
			}
		}
		err = a.Okta.DeleteZone(ctx, id)
		if lostReply(err) { // read back (action.ReadZone): gone means this delete landed
			if _, gerr := a.Okta.GetZone(ctx, id); errors.Is(gerr, okta.ErrNotFound) {
				return done(id, action.OutcomeDone)
			}
		}
		switch {
		case errors.Is(err, okta.ErrNotFound):
			return done(id, action.OutcomeAlreadyDeleted)
		case err != nil:
			return failed(ctx, id, err)
		}
		return done(id, action.OutcomeDone)
	})
}

// ListZones lists zones as Okta's JSON array, filtered by IDs and usage.
// A limit of 0 or less means 20, as the integration spec says.
func (a *Activities) ListZones(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ListZones, req)
	if err != nil {
		return nil, err
	}
	var clauses []string
	if ids := p.List(action.ParamZoneIDs); len(ids) > 0 {
		or := make([]string, len(ids))
		for i, id := range ids {
			or[i] = fmt.Sprintf("id eq %q", id)
		}
		clauses = append(clauses, "("+strings.Join(or, " or ")+")")
	}
	if u := p.Str(action.ParamUsage); u != "" {
		clauses = append(clauses, fmt.Sprintf("usage eq %q", u))
	}
	limit := p.Int(action.ParamLimit)
	if limit <= 0 {
		limit = 20
	}
	zones, err := a.Okta.ListZones(ctx, strings.Join(clauses, " and "), p.Str(action.ParamAfter), limit)
	return list(act, zones, err)
}

func truncateName(ctx context.Context, name string) string {
	r := []rune(name)
	if len(r) <= maxZoneName {
		return name
	}
	activity.GetLogger(ctx).Warn("zone name truncated to 128 characters", "length", len(r))
	return string(r[:maxZoneName])
}
