package action

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// The rules of single actions that are more than one parameter's type:
// declared here, attached to the actions in okta.go and identity.go.

// Zone types and usages, as Okta spells them.
const (
	ZoneIP        = "IP"
	ZoneDynamic   = "DYNAMIC"
	ZoneBlocklist = "BLOCKLIST"
	ZonePolicy    = "POLICY"
)

// createZoneRules are the integration spec's rules for a new zone's
// content: an IP BLOCKLIST zone needs gateways, an IP zone gateways or
// proxies, a DYNAMIC zone one of proxy_type, locations or asns.
func createZoneRules() []Rule {
	return []Rule{
		{Param: ParamGateways, When: []Cond{{ParamType, ZoneIP}, {ParamUsage, ZoneBlocklist}},
			Requires: []Cond{{Param: ParamGateways}}, Msg: "required for an IP zone with usage BLOCKLIST"},
		{Param: ParamGateways, When: []Cond{{ParamType, ZoneIP}},
			Requires: []Cond{{Param: ParamGateways}, {Param: ParamProxies}}, Msg: "an IP zone needs gateways or proxies"},
		{Param: ParamLocations, When: []Cond{{ParamType, ZoneDynamic}},
			Requires: []Cond{{Param: ParamProxyType}, {Param: ParamLocations}, {Param: ParamASNs}},
			Msg:      "a DYNAMIC zone needs proxy_type, locations or asns"},
	}
}

// expirePasswordRules: Okta's plain expire_password has no
// revokeSessions; ignoring the flag would leave an attacker's sessions
// alive unnoticed.
func expirePasswordRules() []Rule {
	return []Rule{{Param: ParamRevokeSessions, When: []Cond{{ParamRevokeSessions, true}},
		Requires: []Cond{{ParamTempPassword, true}},
		Msg:      "needs temp_password true (Okta revokes sessions only with a temporary password); end sessions with okta.clear_user_sessions instead"}}
}

// timeRangeRule: a log query's start must come before its end (default
// now), or Okta would be asked for an empty or reversed range.
func timeRangeRule() Rule {
	return Rule{Param: ParamStartTime, Reads: []string{ParamStartTime, ParamEndTime},
		Doc: "`start_time` must be before `end_time` (default now)",
		Check: func(v Values) []Issue {
			s, _ := v.Get(ParamStartTime)
			e, _ := v.Get(ParamEndTime)
			start, _ := s.(time.Time)
			end, ok := e.(time.Time)
			if !ok || end.IsZero() {
				end = v.Now
			}
			if start.IsZero() || start.Before(end) {
				return nil
			}
			return []Issue{{Param: ParamStartTime, Msg: "must be before end_time"}}
		}}
}

// allowableFields are the protected profile fields allow_fields may name.
func allowableFields() []string {
	var out []string
	for _, f := range ProtectedProfileFields {
		if f.Allowable {
			out = append(out, f.Name)
		}
	}
	return out
}

// protectedProfileRule refuses a profile that changes a protected field
// allow_fields does not name (login never).
func protectedProfileRule() Rule {
	return Rule{Param: ParamProfile, Reads: []string{ParamProfile, ParamAllowFields},
		Doc: "`profile` may not set `login`, nor another protected field unless `allow_fields` names it",
		Check: func(v Values) []Issue {
			p, _ := v.Get(ParamProfile)
			a, _ := v.Get(ParamAllowFields)
			profile, _ := p.(map[string]any)
			allow, _ := a.([]string)
			keys := make([]string, 0, len(profile))
			for k := range profile {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				pf, ok := LookupProtectedField(k)
				switch {
				case !ok:
				case !pf.Allowable:
					return []Issue{{Param: ParamProfile, Key: k, Msg: fmt.Sprintf("%s may not be changed by a playbook (%s)", k, pf.Why)}}
				case !slices.Contains(allow, k):
					return []Issue{{Param: ParamProfile, Key: k, Msg: fmt.Sprintf("%s is protected (%s); name it in allow_fields to change it", k, pf.Why)}}
				}
			}
			return nil
		}}
}

var (
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	regionCode  = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)
)

// ZoneLocation reads one location of a DYNAMIC zone: an ISO-3166-1
// country and optional ISO-3166-2 region of it, upper-cased.
func ZoneLocation(loc map[string]any) (country, region string, err error) {
	country, _ = loc["country"].(string)
	region, _ = loc["region"].(string)
	country, region = strings.ToUpper(strings.TrimSpace(country)), strings.ToUpper(strings.TrimSpace(region))
	if !countryCode.MatchString(country) {
		return "", "", fmt.Errorf("country must be an ISO-3166-1 alpha-2 code such as US")
	}
	if region != "" && (!regionCode.MatchString(region) || !strings.HasPrefix(region, country+"-")) {
		return "", "", fmt.Errorf("region must be an ISO-3166-2 code of %s such as %s-CA", country, country)
	}
	return country, region, nil
}

func checkZoneLocation(loc map[string]any) error {
	_, _, err := ZoneLocation(loc)
	return err
}
