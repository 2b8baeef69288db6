package activities

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/playbook"
)

// ruleCase is one input every rule of the registry refuses: validate at
// the file's position, and the activity before any Okta call, with the
// same message.
type ruleCase struct {
	action string
	with   map[string]any
	param  string // the parameter both name
	msg    string // the message both give (a prefix of it)
}

var oneUser = []any{"00u1"}

var ruleCases = []ruleCase{
	// The four of issue 31.
	{action.ResetFactors, map[string]any{"user_ids": oneUser, "factor_types": []any{"bogus"}}, action.ParamFactorTypes, `"bogus" is not one of call, email`},
	{action.UpdateUserProfile, map[string]any{"user_ids": oneUser, "profile": map[string]any{"login": "x@acme.com"}}, action.ParamProfile, "login may not be changed by a playbook"},
	{action.ExpirePasswords, map[string]any{"user_ids": oneUser, "revoke_sessions": true}, action.ParamRevokeSessions, "needs temp_password true"},
	{action.CreateZone, map[string]any{"name": "z"}, action.ParamGateways, "required for an IP zone with usage BLOCKLIST"},
	// The other rules.
	{action.UpdateUserProfile, map[string]any{"user_ids": oneUser, "profile": map[string]any{"email": "x@acme.com"}}, action.ParamProfile, "email is protected"},
	{action.UpdateUserProfile, map[string]any{"user_ids": oneUser, "profile": map[string]any{"title": "x"}, "allow_fields": []any{"login"}}, action.ParamAllowFields, `"login" is not one of email`},
	{action.CreateZone, map[string]any{"name": "z", "usage": "POLICY"}, action.ParamGateways, "an IP zone needs gateways or proxies"},
	{action.CreateZone, map[string]any{"name": "z", "type": "DYNAMIC"}, action.ParamLocations, "a DYNAMIC zone needs proxy_type, locations or asns"},
	{action.CreateZone, map[string]any{"name": "z", "type": "DYNAMIC", "asns": []any{0}}, action.ParamASNs, "0 is not an ASN"},
	{action.CreateZone, map[string]any{"name": "z", "type": "DYNAMIC", "locations": []any{map[string]any{"country": "USA"}}}, action.ParamLocations, "item 0: country must be an ISO-3166-1 alpha-2 code"},
	{action.CreateZone, map[string]any{"name": "z", "gateways": []any{"2001:db8::1"}}, action.ParamGateways, "2001:db8::1 is IPv6"},
	{action.CreateZone, map[string]any{"name": "z", "usage": "POLICY", "proxies": []any{"10.0.0.300"}}, action.ParamProxies, `"10.0.0.300" is not a valid IP address`},
	{action.UpdateZone, map[string]any{"zone_id": "nzo1", "asns": []any{-5}}, action.ParamASNs, "-5 is not an ASN"},
	{action.UpdateZone, map[string]any{"zone_id": "nzo1", "gateways": []any{"2001:db8::/64"}}, action.ParamGateways, "2001:db8::/64 is IPv6"},
	{action.UpdateZone, map[string]any{"zone_id": "nzo1", "proxies": []any{"::1"}}, action.ParamProxies, "::1 is IPv6"},
	{action.UpdateZone, map[string]any{"zone_id": "nzo1", "locations": []any{map[string]any{"country": "US", "region": "CA-ON"}}}, action.ParamLocations, "item 0: region must be an ISO-3166-2 code of US"},
	{action.BlockIPs, map[string]any{"zone_id": "nzo1", "ip_addresses": []any{"2001:db8::1"}}, action.ParamIPAddresses, "2001:db8::1 is IPv6"},
	{action.UnblockIPs, map[string]any{"zone_id": "nzo1", "ip_addresses": []any{"::1"}}, action.ParamIPAddresses, "::1 is IPv6"},
	{action.CreateUserInGroup, map[string]any{"first_name": "A", "last_name": "B", "email": "Ada <a@acme.com>", "group_ids": []any{"00g1"}}, action.ParamEmail, "not a valid email address"},
	{action.GetUsers, map[string]any{"search": `status eq "ACTIVE"`, "filter": `status eq "ACTIVE"`}, action.ParamSearch, "cannot be combined with filter"},
	{action.GetUsers, map[string]any{"q": "jane", "search": `status eq "ACTIVE"`}, action.ParamQ, "is a prefix lookup of its own"},
	{action.GetUsers, map[string]any{"filter": `profile.department eq "Finance"`}, action.ParamFilter, "Okta's filter cannot select profile.department"},
	{action.GetUsers, map[string]any{"limit": -1}, action.ParamLimit, `-1 is not a limit: want 0 or "all"`},
	{action.GetGroups, map[string]any{"limit": 0}, action.ParamLimit, "0 is not a limit: want at least 1"},
	{action.GetGroupMembers, map[string]any{"group_id": "00g1", "limit": -3}, action.ParamLimit, "-3 is not a limit: want at least 1"},
	{action.GetLogs, map[string]any{"limit": 0}, action.ParamLimit, "0 is not a limit: want at least 1"},
	{action.GetLogs, map[string]any{"start_time": "-1h", "end_time": "-2h"}, action.ParamStartTime, "must be before end_time"},
	{action.FetchEvent, map[string]any{"start_time": "+1h"}, action.ParamStartTime, "must be before end_time"},
	// Allowed values of scalars.
	{action.CreateZone, map[string]any{"name": "z", "type": "GEO"}, action.ParamType, `"GEO" is not one of IP, DYNAMIC`},
	{action.CreateZone, map[string]any{"name": "z", "usage": "BLOCK", "gateways": []any{"203.0.113.1"}}, action.ParamUsage, `"BLOCK" is not one of POLICY, BLOCKLIST`},
	{action.CreateZone, map[string]any{"name": "z", "type": "DYNAMIC", "proxy_type": "Tor"}, action.ParamProxyType, `"Tor" is not one of None, Any`},
	{action.UpdateZone, map[string]any{"zone_id": "nzo1", "usage": "ALLOW"}, action.ParamUsage, `"ALLOW" is not one of POLICY, BLOCKLIST`},
	{action.UpdateZone, map[string]any{"zone_id": "nzo1", "proxy_type": "tor"}, action.ParamProxyType, `"tor" is not one of None, Any`},
	{action.ListZones, map[string]any{"usage": "POLICYS"}, action.ParamUsage, `"POLICYS" is not one of POLICY, BLOCKLIST`},
	{action.GetUser, map[string]any{"user": "jane", "not_found": "skip"}, action.ParamNotFound, `"skip" is not one of fail, ok`},
}

// TestRulesValidateAndRunAgree proves, for every rule the registry
// declares, that `cordon validate` refuses the literal value at its
// position and the activity refuses the same value (as a computed one
// would reach it) with the same message, and that the table covers every
// rule.
func TestRulesValidateAndRunAgree(t *testing.T) {
	reg := action.Okta()
	for _, c := range ruleCases {
		t.Run(c.action+"/"+c.param+"/"+c.msg, func(t *testing.T) {
			a, ok := reg.Lookup(c.action)
			if !ok {
				t.Fatalf("no action %s", c.action)
			}
			runMsg := refusedByActivity(t, a, c)
			if want := fmt.Sprintf("%s: invalid input: parameter %s: %s", c.action, c.param, c.msg); !strings.HasPrefix(runMsg, want) {
				t.Errorf("activity: got %q, want it to start with %q", runMsg, want)
			}
			vMsg := refusedByValidate(t, reg, c)
			// The same words: validate's message is the activity's after
			// "parameter X: ", plus at most a did-you-mean.
			_, runRest, _ := strings.Cut(runMsg, "parameter "+c.param+": ")
			if !strings.HasPrefix(vMsg, runRest) {
				t.Errorf("validate says %q, the activity %q", vMsg, runRest)
			}
			// Given by an expression, the value is left to the run.
			if !validatesWithExpression(t, reg, c) {
				t.Errorf("validate refused the value given as an expression")
			}
		})
	}
	t.Run("every rule has a case", func(t *testing.T) { checkCoverage(t, reg) })
}

func refusedByActivity(t *testing.T, a *action.Action, c ruleCase) string {
	t.Helper()
	// The workflow hands the activity JSON-decoded values.
	b, _ := json.Marshal(c.with)
	var raw map[string]any
	_ = json.Unmarshal(b, &raw)
	now := time.Now()
	p, err := ParseParams(a, raw, now)
	if err == nil {
		err = p.check(a, now)
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("activity accepted %v (err %v)", c.with, err)
	}
	return ie.Error()
}

func playbookFor(c ruleCase, with map[string]any) []byte {
	b, _ := json.Marshal(with)
	return []byte(fmt.Sprintf("name: rule-case\ninputs:\n  v: {type: object, required: true}\nsteps:\n  - id: s\n    action: %s\n    with: %s\n", c.action, b))
}

// refusedByValidate returns the message of validate's error naming the
// case's parameter, after "parameter X: ".
func refusedByValidate(t *testing.T, reg *action.Registry, c ruleCase) string {
	t.Helper()
	_, err := playbook.Load("case.yaml", playbookFor(c, c.with), playbook.Options{Registry: reg})
	var list playbook.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("validate accepted %v (err %v)", c.with, err)
	}
	for _, e := range list {
		if _, rest, ok := strings.Cut(e.Message, c.action+" parameter "+c.param+": "); ok {
			if e.Line == 0 || e.Col == 0 {
				t.Errorf("no position: %v", e)
			}
			return rest
		}
	}
	t.Fatalf("validate did not name %s: %v", c.param, list)
	return ""
}

// validatesWithExpression replaces the case's parameter with an
// expression: validate cannot know its value and must accept the step
// (unless the parameter is required by the rule and so left out).
func validatesWithExpression(t *testing.T, reg *action.Registry, c ruleCase) bool {
	t.Helper()
	if _, given := c.with[c.param]; !given {
		return true // the rule is about a parameter left out
	}
	with := map[string]any{}
	for k, v := range c.with {
		with[k] = v
	}
	for k := range with {
		if k == c.param || !requiredOf(reg, c.action, k) {
			with[k] = "${{ inputs.v." + k + " }}"
		}
	}
	_, err := playbook.Load("case.yaml", playbookFor(c, with), playbook.Options{Registry: reg})
	if err != nil {
		t.Log(err)
	}
	return err == nil
}

func requiredOf(reg *action.Registry, action, param string) bool {
	a, _ := reg.Lookup(action)
	p, _ := a.Param(param)
	return p.Required
}

// checkCoverage fails for a rule or a parameter rule no case exercises.
func checkCoverage(t *testing.T, reg *action.Registry) {
	covered := func(action, param, msg string) bool {
		for _, c := range ruleCases {
			if c.action == action && c.param == param && (msg == "" || strings.Contains(c.msg, msg) || strings.Contains(msg, c.msg)) {
				return true
			}
		}
		return false
	}
	for _, a := range reg.All() {
		for _, r := range a.Rules {
			msg := r.Msg
			if r.Check != nil {
				msg = ""
			}
			if !covered(a.Name, r.Param, msg) {
				t.Errorf("%s: rule %q has no case", a.Name, r.String())
			}
		}
		for _, p := range a.Params {
			if (len(p.Enum) > 0 || p.Min != nil || p.Max != nil || p.Format != "" || p.Items != nil) && !covered(a.Name, p.Name, "") {
				t.Errorf("%s: parameter %s has rules but no case", a.Name, p.Name)
			}
		}
	}
}
