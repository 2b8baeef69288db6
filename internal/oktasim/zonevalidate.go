package oktasim

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// zoneRequest is a create or replace body. Arrays stay nil when omitted or
// null, which is what a full replacement stores.
type zoneRequest struct {
	Type                *string         `json:"type"`
	Name                *string         `json:"name"`
	Status              string          `json:"status"`
	Usage               string          `json:"usage"`
	System              *bool           `json:"system"`
	Gateways            []zoneAddr      `json:"gateways"`
	Proxies             []zoneAddr      `json:"proxies"`
	Locations           json.RawMessage `json:"locations"`
	ASNs                json.RawMessage `json:"asns"`
	ProxyType           *string         `json:"proxyType"`
	IPServiceCategories *incExc[string] `json:"ipServiceCategories"`
	UseAsExemptList     *bool           `json:"useAsExemptList"`
}

const (
	maxZoneName       = 128
	maxGatewaysPolicy = 150  // admin-created IP zones
	maxGatewaysBlock  = 1000 // IP blocklist zones
	maxGatewaysSystem = 5000 // the default system IP zone
	maxDynamicEntries = 75
)

// applyZoneRequest validates req and writes it into z. create distinguishes
// POST from PUT (type may only be set on create).
func (o *org) applyZoneRequest(z *zone, req *zoneRequest, create bool) *apiError {
	typ := ""
	if req.Type != nil {
		typ = *req.Type
	}
	switch {
	case typ == "":
		return errValidation("type", "type: The field cannot be left blank")
	case typ != zoneIP && typ != zoneDynamic && typ != zoneDynamicV2:
		return errValidation("type", "type: Invalid value "+strconv.Quote(typ)+". Valid values are IP, DYNAMIC, DYNAMIC_V2")
	case !create && typ != z.typ:
		return errValidation("type", "type: The network zone type cannot be changed from "+z.typ+" to "+typ+".")
	}
	z.typ = typ
	name := ""
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
	}
	switch {
	case name == "":
		return errValidation("name", "name: The field cannot be left blank")
	case utf8.RuneCountInString(name) > maxZoneName:
		return errValidation("name", fmt.Sprintf("name: The field cannot be longer than %d characters", maxZoneName))
	}
	if other := o.zoneByName(name); other != nil && other.id != z.id {
		return errValidation("name", "name: A network zone with the name "+strconv.Quote(name)+" already exists")
	}
	z.name = name
	if z.system {
		// Terraform PR #2690 suggests PUTs of system zones must echo
		// "system": true, but a recorded PUT of DefaultExemptIpZone without
		// it succeeded, so the simulator does not insist. Usage and status of
		// system zones are not changed by a PUT.
		if z.useAsExemptList != nil && (req.UseAsExemptList == nil || !*req.UseAsExemptList) {
			return errValidation("useAsExemptList", "useAsExemptList: The network zone does not allow usage changes for DefaultExemptIpZone.")
		}
	} else {
		switch req.Usage {
		case "":
			if create {
				z.usage = "POLICY"
			}
		case "POLICY", "BLOCKLIST":
			z.usage = req.Usage
		default:
			return errValidation("usage", "usage: Invalid value "+strconv.Quote(req.Usage)+". Valid values are POLICY, BLOCKLIST")
		}
		switch req.Status {
		case "":
		case "ACTIVE", "INACTIVE":
			// A create always starts ACTIVE (Terraform PR #2636); a
			// replacement may change the status, as recorded.
			if !create {
				z.status = req.Status
			}
		default:
			return errValidation("status", "status: Invalid value "+strconv.Quote(req.Status)+". Valid values are ACTIVE, INACTIVE")
		}
	}
	switch typ {
	case zoneIP:
		return z.applyIP(req, create)
	case zoneDynamic:
		return z.applyDynamic(req)
	}
	return z.applyDynamicV2(req)
}

func (z *zone) applyIP(req *zoneRequest, create bool) *apiError {
	if create && len(req.Gateways) == 0 && len(req.Proxies) == 0 {
		return errValidation("gateways", "gateways: At least one of gateways or proxies must be defined for an IP network zone.")
	}
	gwMax, pxMax := maxGatewaysPolicy, maxGatewaysPolicy
	switch {
	case z.system && z.usage == "POLICY":
		gwMax, pxMax = maxGatewaysSystem, maxGatewaysSystem
	case z.usage == "BLOCKLIST":
		gwMax = maxGatewaysBlock
	}
	gws, e := normaliseAddrs("gateways", req.Gateways, gwMax)
	if e != nil {
		return e
	}
	pxs, e := normaliseAddrs("proxies", req.Proxies, pxMax)
	if e != nil {
		return e
	}
	z.gateways, z.proxies = gws, pxs
	if req.UseAsExemptList != nil && z.useAsExemptList != nil {
		z.useAsExemptList = req.UseAsExemptList
	}
	return nil
}

// normaliseAddrs validates CIDR and RANGE entries, keeping their order and
// storing a single-IP RANGE as "a-a" (recorded behaviour). CIDRs are echoed
// as sent: Okta does not canonicalise "1.2.3.4/24".
func normaliseAddrs(field string, in []zoneAddr, limit int) ([]zoneAddr, *apiError) {
	if len(in) > limit {
		return nil, errValidation(field, fmt.Sprintf("%s: The number of %s cannot exceed %d.", field, field, limit))
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]zoneAddr, 0, len(in))
	for _, a := range in {
		v := strings.TrimSpace(a.Value)
		switch a.Type {
		case "CIDR":
			p, err := netip.ParsePrefix(v)
			if err != nil || !p.Addr().Is4() {
				return nil, errValidation(field, fmt.Sprintf("%s: The CIDR: %s is invalid. Make sure it is a valid IPV4 CIDR.", field, v))
			}
		case "RANGE":
			lo, hi, ok := strings.Cut(v, "-")
			if !ok {
				hi = lo
			}
			for _, ip := range []string{lo, hi} {
				if addr, err := netip.ParseAddr(ip); err != nil || !addr.Is4() {
					return nil, errValidation(field, fmt.Sprintf("%s: The IP: %s in the RANGE: %s is invalid. Make sure it is a valid IPV4.", field, ip, v))
				}
			}
			if netip.MustParseAddr(lo).Compare(netip.MustParseAddr(hi)) > 0 {
				return nil, errValidation(field, fmt.Sprintf("%s: The RANGE: %s is invalid. The start IP must not be greater than the end IP.", field, v))
			}
			v = lo + "-" + hi
		default:
			return nil, errValidation(field, fmt.Sprintf("%s: The type: %s is invalid. Valid types are CIDR and RANGE.", field, a.Type))
		}
		out = append(out, zoneAddr{Type: a.Type, Value: v})
	}
	return out, nil
}

func (z *zone) applyDynamic(req *zoneRequest) *apiError {
	var locs []zoneLocation
	var asns []string
	if len(req.Locations) > 0 && string(req.Locations) != "null" {
		if json.Unmarshal(req.Locations, &locs) != nil {
			return errMalformed()
		}
	}
	if len(req.ASNs) > 0 && string(req.ASNs) != "null" {
		if json.Unmarshal(req.ASNs, &asns) != nil {
			return errMalformed()
		}
	}
	if len(locs) == 0 && len(asns) == 0 && (req.ProxyType == nil || *req.ProxyType == "") {
		return errValidation("locations", "locations: At least one of asns, locations, or proxyType must be defined for a dynamic network zone.")
	}
	if e := checkLocations(locs); e != nil {
		return e
	}
	locs = regionsFirst(locs)
	if len(asns) > maxDynamicEntries {
		return errValidation("asns", fmt.Sprintf("asns: The number of asns cannot exceed %d.", maxDynamicEntries))
	}
	z.locations, z.asns, z.proxyType = locs, asns, req.ProxyType
	return nil
}

func (z *zone) applyDynamicV2(req *zoneRequest) *apiError {
	var locs incExc[zoneLocation]
	var asns incExc[string]
	if len(req.Locations) > 0 && string(req.Locations) != "null" && json.Unmarshal(req.Locations, &locs) != nil {
		return errMalformed()
	}
	if len(req.ASNs) > 0 && string(req.ASNs) != "null" && json.Unmarshal(req.ASNs, &asns) != nil {
		return errMalformed()
	}
	svc := req.IPServiceCategories
	empty := len(locs.Include)+len(locs.Exclude)+len(asns.Include)+len(asns.Exclude) == 0 &&
		(svc == nil || len(svc.Include)+len(svc.Exclude) == 0)
	if empty {
		return errValidation("locations", "locations: At least one of asns, locations, or ipServiceCategories must be defined for an enhanced dynamic network zone.")
	}
	if e := checkLocations(append(append([]zoneLocation{}, locs.Include...), locs.Exclude...)); e != nil {
		return e
	}
	locs.Include, locs.Exclude = regionsFirst(locs.Include), regionsFirst(locs.Exclude)
	z.v2Locations, z.v2ASNs, z.v2Services = &locs, &asns, svc
	return nil
}

func checkLocations(locs []zoneLocation) *apiError {
	if len(locs) > maxDynamicEntries {
		return errValidation("locations", fmt.Sprintf("locations: The number of locations cannot exceed %d.", maxDynamicEntries))
	}
	for _, l := range locs {
		if len(l.Country) != 2 {
			return errValidation("locations", "locations: The country code "+strconv.Quote(l.Country)+" is invalid. Use an ISO-3166-1 alpha-2 code.")
		}
	}
	return nil
}

// regionsFirst reorders locations the way recorded answers come back: entries
// with a region first, country-only entries (rendered "region": null) last.
func regionsFirst(locs []zoneLocation) []zoneLocation {
	if locs == nil {
		return nil
	}
	out := make([]zoneLocation, 0, len(locs))
	for _, l := range locs {
		if l.Region != nil {
			out = append(out, l)
		}
	}
	for _, l := range locs {
		if l.Region == nil {
			out = append(out, l)
		}
	}
	return out
}
