package activities

import (
	"context"
	"fmt"
	"sort"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// Zone writes are checked on the zone's resulting state.
//
// What a zone blocks depends on three fields at once: its usage, its
// gateways and its proxies. Checking only the entries a step adds misses
// the other two ways in: switching a POLICY zone that holds 10.0.0.0/8 to
// BLOCKLIST blocks 10.0.0.0/8 without adding anything, and so does adding
// it as a proxy. So every zone write (Create Zone, Update Zone, Block IPs)
// compares what the zone blocks after the write with what it blocked
// before, and refuses the write when anything newly blocked overlaps a
// protected network (configured, or the loopback and private ranges the
// guard protects by default; internal/guard). An entry the zone already
// blocked before the write was put there outside Cordon: it is left alone
// and logged, so an analyst can still block an attacker's address in that
// zone.

// blockedEntries returns what a zone blocks, canonical entry -> the list
// it is in (gateways or proxies): the entries of an IP zone with usage
// BLOCKLIST, none for any other zone. An entry that does not parse is
// kept verbatim, so that it is never taken for checked.
func blockedEntries(zone okta.Zone) map[string]string {
	out := map[string]string{}
	if zone == nil || zone.Str("type") != zoneIP || zone.Str("usage") != usageBlock {
		return out
	}
	for _, field := range []string{"gateways", "proxies"} {
		raw, parsed := zoneEntries(zone[field])
		for i, e := range parsed {
			key := fmt.Sprint(raw[i])
			if e != nil {
				key = e.String()
			}
			if _, seen := out[key]; !seen {
				out[key] = field
			}
		}
	}
	return out
}

// checkZoneResult refuses a zone write whose result (after) would block a
// protected network the zone did not block before. before is
// blockedEntries of the zone as read; nil for a new zone.
func (a *Activities) checkZoneResult(ctx context.Context, act *action.Action, zoneID string, before map[string]string, after okta.Zone) error {
	now := blockedEntries(after)
	var added, kept []string
	for e := range now {
		if _, was := before[e]; was {
			kept = append(kept, e)
		} else {
			added = append(added, e)
		}
	}
	sort.Strings(added)
	zone := "the new zone"
	if zoneID != "" {
		zone = "zone " + zoneID
	}
	for _, e := range added {
		if _, err := action.ParseIPEntry(e); err != nil {
			return refuse(act, &ProtectedError{Action: act.Name, Param: now[e], Value: e,
				Reason: fmt.Sprintf("%s would block an entry the guardrails cannot read, so cannot tell it from a protected network", zone)})
		}
	}
	protected, err := a.protectedAmong(ctx, act, action.TargetIPs, added)
	if err != nil {
		return classify(act.Title, err)
	}
	if len(protected) > 0 {
		p := protected[0]
		return refuse(act, &ProtectedError{Action: act.Name, Param: now[p.Target], Value: p.Target,
			Reason: fmt.Sprintf("%s; %s would block it (usage BLOCKLIST)", p.Reason, zone)})
	}
	if len(kept) > 0 && activity.IsActivity(ctx) {
		if old, err := a.protectedAmong(ctx, act, action.TargetIPs, kept); err == nil && len(old) > 0 {
			activity.GetLogger(ctx).Warn("blocklist zone already blocks a protected network (not written by this step; left in place)",
				"zone", zoneID, "entry", old[0].Target, "reason", old[0].Reason)
		}
	}
	return nil
}
