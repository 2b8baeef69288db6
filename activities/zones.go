package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
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
func (a *Activities) CreateZone(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.CreateZone, req)
	if err != nil {
		return nil, err
	}
	typ, usage := p.Str(spec.ParamType), p.Str(spec.ParamUsage)
	shape, err := parseZoneShape(act, p)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	// What each zone type needs is the action's rules (spec.Action.Rules),
	// checked before the step starts.
	name := truncateName(ctx, p.Str(spec.ParamName))
	zone := okta.Zone{"type": typ, "name": name, "status": "ACTIVE", "usage": usage}
	shape.apply(ctx, zone, typ, true)
	if err := a.checkZoneResult(ctx, act, "", nil, zone); err != nil {
		return nil, err
	}
	created, err := a.Okta.CreateZone(ctx, zone)
	if err == nil {
		return created, nil
	}
	if okta.IsCode(err, okta.CodeValidation) || lostReply(err) { // read back by name (spec.ReadCreated)
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
func (a *Activities) UpdateZone(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.UpdateZone, req)
	if err != nil {
		return nil, err
	}
	shape, err := parseZoneShape(act, p)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	id := p.Str(spec.ParamZoneID)
	defer a.lockZone(id)()
	zone, err := a.Okta.GetZone(ctx, id)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	before := blockedEntries(zone)
	if p.Has(spec.ParamName) {
		zone["name"] = truncateName(ctx, p.Str(spec.ParamName))
	}
	if p.Has(spec.ParamUsage) {
		zone["usage"] = p.Str(spec.ParamUsage)
	}
	shape.apply(ctx, zone, zone.Str("type"), p.Bool(spec.ParamOverwrite))
	if zone.Str("type") == zoneIP && zone.Str("usage") == usageBlock {
		if _, gws := zoneEntries(zone["gateways"]); len(gws) > spec.MaxBlocklistEntries {
			return nil, classify(act.Title, &InputError{Action: act.Name, Param: spec.ParamGateways, Msg: fmt.Sprintf(
				"the zone would hold %d entries, over Okta's limit of %d per blocklist zone", len(gws), spec.MaxBlocklistEntries)})
		}
	}
	if err := a.checkZoneResult(ctx, act, id, before, zone); err != nil {
		return nil, err
	}
	updated, err := a.Okta.ReplaceZone(ctx, id, zone)
	if lostReply(err) { // read back (spec.ReadZone): the write may have landed
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
func (a *Activities) DeleteZones(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.DeleteZones, req)
	if err != nil {
		return nil, err
	}
	return a.runBulk(ctx, act, p.List(spec.ParamZoneIDs), func(ctx context.Context, id string) (spec.ItemResult, error) {
		defer a.lockZone(id)()
		zone, err := a.Okta.GetZone(ctx, id)
		if errors.Is(err, okta.ErrNotFound) {
			return done(id, spec.OutcomeAlreadyDeleted)
		}
		if err != nil {
			return failed(ctx, id, err)
		}
		if zone.System() {
			return spec.ItemResult{ID: id, Outcome: spec.OutcomeFailed,
				Message: fmt.Sprintf("%s is a system zone; Okta's system zones cannot be deleted", zone.Str("name"))}, nil
		}
		if zone.Str("status") == "ACTIVE" {
			if _, err := a.Okta.DeactivateZone(ctx, id); err != nil && !errors.Is(err, okta.ErrNotFound) {
				return failed(ctx, id, err)
			}
		}
		err = a.Okta.DeleteZone(ctx, id)
		if lostReply(err) { // read back (spec.ReadZone): gone means this delete landed
			if _, gerr := a.Okta.GetZone(ctx, id); errors.Is(gerr, okta.ErrNotFound) {
				return done(id, spec.OutcomeDone)
			}
		}
		switch {
		case errors.Is(err, okta.ErrNotFound):
			return done(id, spec.OutcomeAlreadyDeleted)
		case err != nil:
			return failed(ctx, id, err)
		}
		return done(id, spec.OutcomeDone)
	})
}

// ListZones lists zones as Okta's JSON array, filtered by IDs and usage.
// A limit of 0 or less means 20, as the integration spec says.
func (a *Activities) ListZones(ctx context.Context, req spec.Request) (any, error) {
	act, p, err := a.start(ctx, spec.ListZones, req)
	if err != nil {
		return nil, err
	}
	var clauses []string
	if ids := p.List(spec.ParamZoneIDs); len(ids) > 0 {
		or := make([]string, len(ids))
		for i, id := range ids {
			or[i] = fmt.Sprintf("id eq %q", id)
		}
		clauses = append(clauses, "("+strings.Join(or, " or ")+")")
	}
	if u := p.Str(spec.ParamUsage); u != "" {
		clauses = append(clauses, fmt.Sprintf("usage eq %q", u))
	}
	limit := p.Int(spec.ParamLimit)
	if limit <= 0 {
		limit = 20
	}
	zones, err := a.Okta.ListZones(ctx, strings.Join(clauses, " and "), p.Str(spec.ParamAfter), limit)
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
