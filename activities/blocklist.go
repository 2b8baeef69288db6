package activities

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// BlockIPs adds IPv4 addresses, CIDRs and ranges to an IP BLOCKLIST zone:
// read the zone, append what it does not already cover, write it back
// whole (Okta has no append call). Entries the zone covers are
// already_blocked, so a retry or repeat writes nothing new.
func (a *Activities) BlockIPs(ctx context.Context, req action.Request) (any, error) {
	return a.editBlocklist(ctx, action.BlockIPs, req, true)
}

// UnblockIPs removes entries from an IP BLOCKLIST zone; entries not in the
// zone are not_blocked (success).
func (a *Activities) UnblockIPs(ctx context.Context, req action.Request) (any, error) {
	return a.editBlocklist(ctx, action.UnblockIPs, req, false)
}

func (a *Activities) editBlocklist(ctx context.Context, name string, req action.Request, block bool) (any, error) {
	act, p, err := a.start(ctx, name, req)
	if err != nil {
		return nil, err
	}
	entries, err := zoneIPEntries(p.List(action.ParamIPAddresses))
	if err != nil {
		return nil, classify(act.Title, &InputError{Action: act.Name, Param: action.ParamIPAddresses, Msg: err.Error()})
	}
	zoneID := p.Str(action.ParamZoneID)
	defer a.lockZone(zoneID)()

	zone, err := a.Okta.GetZone(ctx, zoneID)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	if zone.Str("type") != "IP" || zone.Str("usage") != "BLOCKLIST" {
		return nil, classify(act.Title, &InputError{Action: act.Name, Param: action.ParamZoneID, Msg: fmt.Sprintf(
			"zone %s (%s) has type %s and usage %s; %s needs an IP zone with usage BLOCKLIST",
			zoneID, zone.Str("name"), zone.Str("type"), zone.Str("usage"), act.Title)})
	}
	before := blockedEntries(zone)
	entries, refused, err := a.allowedEntries(ctx, act, entries)
	if err != nil {
		return nil, err
	}
	raw, parsed := zoneEntries(zone["gateways"])
	earlier := earlierZoneWrites(ctx)
	var results []action.ItemResult
	var changed bool
	if block {
		held := len(raw)
		var added int
		results, raw, added = blockEntries(entries, raw, parsed, earlier)
		if held+added > action.MaxBlocklistEntries {
			return nil, classify(act.Title, &InputError{Action: act.Name, Param: action.ParamIPAddresses, Msg: fmt.Sprintf(
				"zone %s holds %d entries; adding %d would pass Okta's limit of %d entries per blocklist zone",
				zoneID, held, added, action.MaxBlocklistEntries)})
		}
		changed = added > 0
	} else {
		results, raw, changed = unblockEntries(entries, raw, parsed, earlier)
	}
	if changed {
		// The zone goes back as read, system flag included: Okta rejects a
		// BlockedIpZone write without "system": true.
		zone["gateways"] = raw
		if len(raw) == 0 {
			zone["gateways"] = nil
		}
		if err := a.checkZoneResult(ctx, act, zoneID, before, zone); err != nil {
			return nil, err
		}
		recordZoneWrite(ctx, earlier, results)
		// A lost reply is read back by the verification below (action.ReadZone).
		if _, err = a.Okta.ReplaceZone(ctx, zoneID, zone); err != nil && !lostReply(err) {
			return nil, classify(act.Title, err)
		}
		if zone, err = a.verifyBlocklist(ctx, zoneID, results, block); err != nil {
			return nil, classify(act.Title, err)
		}
	}
	res := &action.BulkResult{Status: action.StatusSuccessful, Results: results, Succeeded: []string{}, Failed: []string{}, Zone: zone}
	for _, r := range results {
		res.Succeeded = append(res.Succeeded, r.ID)
	}
	return withRefused(act, res, refused)
}

// blockEntries appends to the zone's entries (raw, and parsed beside it)
// those not already covered, and says how many it added. An entry written
// by an earlier attempt whose answer was lost is done, not already_blocked.
func blockEntries(entries []action.IPEntry, raw []any, parsed []*action.IPEntry, earlier map[string]bool) ([]action.ItemResult, []any, int) {
	results := make([]action.ItemResult, 0, len(entries))
	var added []any
	for _, e := range entries {
		if by := coveredBy(e, parsed); by != "" {
			r := action.ItemResult{ID: e.String(), OK: true, Outcome: action.OutcomeAlreadyBlocked}
			if by == e.String() && earlier[e.String()] {
				r.Outcome = action.OutcomeDone // added by an earlier attempt whose answer was lost
			}
			results = append(results, r)
			continue
		}
		added = append(added, e.Okta())
		parsed = append(parsed, &e)
		results = append(results, action.ItemResult{ID: e.String(), OK: true, Outcome: action.OutcomeDone})
	}
	return results, append(raw, added...), len(added)
}

// unblockEntries removes the entries from the zone's and says whether any
// was there. An entry not in the zone is not_blocked, with the entry that
// still covers it, if any; one an earlier attempt removed is done.
func unblockEntries(entries []action.IPEntry, raw []any, parsed []*action.IPEntry, earlier map[string]bool) ([]action.ItemResult, []any, bool) {
	results := make([]action.ItemResult, 0, len(entries))
	changed := false
	for _, e := range entries {
		kept := raw[:0:0]
		var keptParsed []*action.IPEntry
		found := false
		for i, g := range raw {
			if parsed[i] != nil && parsed[i].String() == e.String() {
				found = true
				continue
			}
			kept, keptParsed = append(kept, g), append(keptParsed, parsed[i])
		}
		raw, parsed = kept, keptParsed
		r := action.ItemResult{ID: e.String(), OK: true, Outcome: action.OutcomeDone}
		if !found && !earlier[e.String()] {
			r.Outcome = action.OutcomeNotBlocked
			if by := coveredBy(e, parsed); by != "" {
				r.Message = "covered by zone entry " + by + ", which was left in place"
			}
		}
		results = append(results, r)
		changed = changed || found
	}
	return results, raw, changed
}

// coveredBy returns the existing entry that covers e, or "".
func coveredBy(e action.IPEntry, zone []*action.IPEntry) string {
	for _, g := range zone {
		if g != nil && g.Covers(e) {
			return g.String()
		}
	}
	return ""
}

// verifyBlocklist reads the zone back after a write. The replace has no
// ETag, so a writer outside Cordon (an admin in the console, another tool)
// can overwrite it between our read and write; Cordon serialises its own
// writes per zone, but it cannot serialise theirs. A change that did not
// stick is returned as a retryable error: the retry reads the zone afresh,
// and entries already in place are reported as already_blocked.
func (a *Activities) verifyBlocklist(ctx context.Context, zoneID string, results []action.ItemResult, block bool) (okta.Zone, error) {
	zone, err := a.Okta.GetZone(ctx, zoneID)
	if err != nil {
		return nil, err
	}
	_, parsed := zoneEntries(zone["gateways"])
	for _, r := range results {
		if r.Outcome != action.OutcomeDone {
			continue
		}
		present := false
		for _, e := range parsed {
			if e != nil && e.String() == r.ID {
				present = true
				break
			}
		}
		if present != block {
			return nil, fmt.Errorf("zone %s changed under the write (%s is %s); another writer replaced it at the same time, retrying",
				zoneID, r.ID, map[bool]string{true: "still there", false: "missing"}[present])
		}
	}
	return zone, nil
}

// zoneWriteAhead is the heartbeat a zone write records just before it
// replaces the zone: the entries it is about to add or remove. Its answer
// may be lost (a killed worker, a dropped connection); the retry then
// finds those entries already changed and, reading this record, reports
// them done instead of already_blocked or not_blocked, so the report and
// undo_after see what this step did (effects.go). It is the attempt's
// first heartbeat, which the SDK sends at once, before the write.
type zoneWriteAhead struct {
	Entries []string `json:"entries"`
}

func earlierZoneWrites(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	if !activity.IsActivity(ctx) || !activity.HasHeartbeatDetails(ctx) {
		return out
	}
	var w zoneWriteAhead
	if activity.GetHeartbeatDetails(ctx, &w) == nil {
		for _, e := range w.Entries {
			out[e] = true
		}
	}
	return out
}

func recordZoneWrite(ctx context.Context, earlier map[string]bool, results []action.ItemResult) {
	if !activity.IsActivity(ctx) {
		return
	}
	w := zoneWriteAhead{Entries: []string{}}
	for _, r := range results {
		if r.Outcome == action.OutcomeDone {
			w.Entries = append(w.Entries, r.ID)
		}
	}
	for e := range earlier {
		if !slices.Contains(w.Entries, e) {
			w.Entries = append(w.Entries, e)
		}
	}
	sort.Strings(w.Entries)
	activity.RecordHeartbeat(ctx, w)
}
