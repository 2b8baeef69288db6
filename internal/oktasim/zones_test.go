package oktasim

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func ipZone(name string, gateways ...string) map[string]any {
	var gws []map[string]string
	for _, g := range gateways {
		typ := "RANGE"
		if strings.Contains(g, "/") {
			typ = "CIDR"
		}
		gws = append(gws, map[string]string{"type": typ, "value": g})
	}
	return map[string]any{"type": "IP", "name": name, "status": "ACTIVE", "usage": "POLICY", "gateways": gws}
}

func TestZoneSeed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Seed: SeedEmpty})
	r := h.do("GET", "/api/v1/zones/"+DemoBlockedIPZoneID, nil)
	o := r.obj()
	if r.status != 200 || o["name"] != "BlockedIpZone" || o["usage"] != "BLOCKLIST" || o["system"] != true {
		t.Fatalf("%s", r.raw)
	}
	if v, ok := o["gateways"]; !ok || v != nil {
		t.Fatalf("gateways must be present and null: %s", r.raw)
	}
	r = h.do("GET", "/api/v1/zones?filter="+url.QueryEscape(`usage eq "BLOCKLIST"`), nil)
	if len(r.arr()) != 2 { // BlockedIpZone and DefaultEnhancedDynamicZone
		t.Fatalf("blocklist zones: %s", r.raw)
	}
	r = h.do("GET", "/api/v1/zones?filter="+url.QueryEscape(`system eq true`), nil)
	if len(r.arr()) != 4 {
		t.Fatalf("system zones: %d", len(r.arr()))
	}
	r = h.do("GET", "/api/v1/zones?filter="+url.QueryEscape(`(id eq "`+DemoBlockedIPZoneID+`" or id eq "`+DemoLegacyIPZoneID+`") and usage eq "POLICY"`), nil)
	if len(r.arr()) != 1 {
		t.Fatalf("combined filter: %d", len(r.arr()))
	}
	expectError(t, h.do("GET", "/api/v1/zones?filter="+url.QueryEscape(`name eq "x"`), nil), 400, "E0000031")
	expectError(t, h.do("GET", "/api/v1/zones/nzonope0000000000x7", nil), 404, "E0000007")
}

func TestCreateZoneValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("10.%d.%d.1", i/256, i%256)
		}
		return out
	}
	blocklist := ipZone("big blocklist", many(1000)...)
	blocklist["usage"] = "BLOCKLIST"
	tooBigBlock := ipZone("too big blocklist", many(1001)...)
	tooBigBlock["usage"] = "BLOCKLIST"
	tests := []struct {
		name   string
		body   any
		status int
		cause  string
	}{
		{"ok", ipZone("Branch", "2.3.4.5-2.3.4.15", "1.2.3.4/24"), 200, ""},
		{"single ip range", ipZone("Single", "192.168.1.1"), 200, ""},
		{"name 128", ipZone(strings.Repeat("n", 128), "1.1.1.1"), 200, ""},
		{"name 129", ipZone(strings.Repeat("n", 129), "1.1.1.1"), 400, "name: The field cannot be longer than 128 characters"},
		{"duplicate name", ipZone(DemoPolicyZoneName, "1.1.1.1"), 400, `name: A network zone with the name "Corporate Offices" already exists`},
		{"no name", ipZone("", "1.1.1.1"), 400, "name: The field cannot be left blank"},
		{"no gateways", map[string]any{"type": "IP", "name": "Empty"}, 400, "gateways: At least one of gateways or proxies must be defined for an IP network zone."},
		{"bad range ip", ipZone("Bad", "1.2.3.4.5-1.2.3.6"), 400, "gateways: The IP: 1.2.3.4.5 in the RANGE: 1.2.3.4.5-1.2.3.6 is invalid. Make sure it is a valid IPV4."},
		{"reversed range", ipZone("Rev", "1.2.3.9-1.2.3.1"), 400, "gateways: The RANGE: 1.2.3.9-1.2.3.1 is invalid. The start IP must not be greater than the end IP."},
		{"bad cidr", ipZone("BadCIDR", "1.2.3.4/33"), 400, "gateways: The CIDR: 1.2.3.4/33 is invalid. Make sure it is a valid IPV4 CIDR."},
		{"150 policy gateways", ipZone("p150", many(150)...), 200, ""},
		{"151 policy gateways", ipZone("p151", many(151)...), 400, "gateways: The number of gateways cannot exceed 150."},
		{"1000 blocklist gateways", blocklist, 200, ""},
		{"1001 blocklist gateways", tooBigBlock, 400, "gateways: The number of gateways cannot exceed 1000."},
		{"no type", map[string]any{"name": "x"}, 400, "type: The field cannot be left blank"},
		{"dynamic", map[string]any{"type": "DYNAMIC", "name": "Dyn", "proxyType": "", "locations": []any{map[string]any{"country": "US"}}}, 200, ""},
		{"dynamic empty", map[string]any{"type": "DYNAMIC", "name": "Dyn2", "proxyType": ""}, 400, "locations: At least one of asns, locations, or proxyType must be defined for a dynamic network zone."},
		{"malformed", `{"type":"IP",`, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", "/api/v1/zones", tc.body)
			if tc.status == 200 {
				if r.status != 200 || !strings.HasPrefix(r.obj()["id"].(string), "nzo") || r.obj()["system"] != false {
					t.Fatalf("%d %.300s", r.status, r.raw)
				}
				return
			}
			code := "E0000001"
			if tc.name == "malformed" {
				code = "E0000003"
			}
			expectError(t, r, tc.status, code)
			if tc.cause != "" && (len(causes(r)) != 1 || causes(r)[0] != tc.cause) {
				t.Fatalf("causes %q", causes(r))
			}
		})
	}
	z, _ := h.sim.ZoneByName("Single")
	if fmt.Sprint(z.Gateways) != "[192.168.1.1-192.168.1.1]" {
		t.Fatalf("single ip stored as %v", z.Gateways)
	}
	z, _ = h.sim.ZoneByName("Branch")
	if fmt.Sprint(z.Gateways) != "[2.3.4.5-2.3.4.15 1.2.3.4/24]" || z.Proxies != nil {
		t.Fatalf("branch %+v", z)
	}
	r := h.do("GET", "/api/v1/zones/"+z.ID, nil)
	if r.obj()["proxies"] != nil {
		t.Fatalf("proxies %v", r.obj()["proxies"])
	}
	if n := len(h.sim.Events("zone.create")); n != 6 {
		t.Fatalf("zone.create events %d", n)
	}
}

func TestReplaceZone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	body := ipZone("Branch", "2.3.4.5-2.3.4.15")
	body["proxies"] = []map[string]string{{"type": "CIDR", "value": "2.2.3.4/24"}}
	id := h.do("POST", "/api/v1/zones", body).obj()["id"].(string)
	h.clock.Advance(1500e6)

	// Full replacement: omitted proxies become null; status and usage change.
	r := h.do("PUT", "/api/v1/zones/"+id, map[string]any{"type": "IP", "name": "Branch Updated", "status": "INACTIVE",
		"usage": "BLOCKLIST", "gateways": []map[string]string{{"type": "RANGE", "value": "9.9.9.9"}}})
	o := r.obj()
	if r.status != 200 || o["proxies"] != nil || o["usage"] != "BLOCKLIST" || o["status"] != "INACTIVE" || o["lastUpdated"] == o["created"] {
		t.Fatalf("%s", r.raw)
	}
	if l := o["_links"].(map[string]any); l["activate"] == nil || l["deactivate"] != nil {
		t.Fatalf("links %v", l)
	}
	z, _ := h.sim.Zone(id)
	if fmt.Sprint(z.Gateways) != "[9.9.9.9-9.9.9.9]" || z.Name != "Branch Updated" {
		t.Fatalf("%+v", z)
	}
	tests := []struct {
		name  string
		id    string
		body  any
		code  string
		cause string
	}{
		{"type change", id, map[string]any{"type": "DYNAMIC", "name": "x", "proxyType": "Tor"}, "E0000001", "type: The network zone type cannot be changed from IP to DYNAMIC."},
		{"exempt without flag", DemoExemptIPZoneID, map[string]any{"type": "IP", "name": "DefaultExemptIpZone", "system": true, "gateways": []any{}}, "E0000001",
			"useAsExemptList: The network zone does not allow usage changes for DefaultExemptIpZone."},
		{"unknown", "nzonope0000000000x7", ipZone("x", "1.1.1.1"), "E0000007", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := h.sim.Zone(tc.id)
			r := h.do("PUT", "/api/v1/zones/"+tc.id, tc.body)
			status := 400
			if tc.code == "E0000007" {
				status = 404
			}
			expectError(t, r, status, tc.code)
			if tc.cause != "" && causes(r)[0] != tc.cause {
				t.Fatalf("causes %q", causes(r))
			}
			if after, _ := h.sim.Zone(tc.id); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("failed PUT changed the zone: %+v", after)
			}
		})
	}
	// Block an IP the way Cordon does: read, append, PUT with system:true.
	blocked := ipZone("BlockedIpZone", "185.220.101.47/32", "185.220.101.48")
	blocked["system"], blocked["usage"] = true, "BLOCKLIST"
	r = h.do("PUT", "/api/v1/zones/"+DemoBlockedIPZoneID, blocked)
	if r.status != 200 || r.obj()["system"] != true || r.obj()["usage"] != "BLOCKLIST" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if z, _ := h.sim.Zone(DemoBlockedIPZoneID); fmt.Sprint(z.Gateways) != "[185.220.101.47/32 185.220.101.48-185.220.101.48]" {
		t.Fatalf("%v", z.Gateways)
	}
}

func TestZoneLifecycleAndDelete(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	id := h.do("POST", "/api/v1/zones", ipZone("Temp", "1.1.1.1")).obj()["id"].(string)
	r := h.do("DELETE", "/api/v1/zones/"+id, nil)
	expectError(t, r, 400, "E0000001")
	if r.obj()["errorSummary"] != "Api validation failed: The zone: Temp is an active zone. Active zones cannot be deleted." ||
		causes(r)[0] != "id: The zone: "+id+" is an active zone. Active zones cannot be deleted." {
		t.Fatalf("%s", r.raw)
	}
	for i := 0; i < 2; i++ { // deactivate is idempotent
		r = h.do("POST", "/api/v1/zones/"+id+"/lifecycle/deactivate", nil)
		if r.status != 200 || r.obj()["status"] != "INACTIVE" {
			t.Fatalf("deactivate: %d %s", r.status, r.raw)
		}
	}
	r = h.do("POST", "/api/v1/zones/"+id+"/lifecycle/activate", nil)
	if r.status != 200 || r.obj()["status"] != "ACTIVE" {
		t.Fatalf("activate: %s", r.raw)
	}
	h.do("POST", "/api/v1/zones/"+id+"/lifecycle/deactivate", nil)
	if r = h.do("DELETE", "/api/v1/zones/"+id, nil); r.status != 204 || len(r.raw) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	expectError(t, h.do("GET", "/api/v1/zones/"+id, nil), 404, "E0000007")
	expectError(t, h.do("DELETE", "/api/v1/zones/"+id, nil), 404, "E0000007")
	h.do("POST", "/api/v1/zones/"+DemoLegacyIPZoneID+"/lifecycle/deactivate", nil)
	expectError(t, h.do("DELETE", "/api/v1/zones/"+DemoLegacyIPZoneID, nil), 400, "E0000001")
	if _, ok := h.sim.Zone(DemoLegacyIPZoneID); !ok {
		t.Fatal("system zone deleted")
	}
	for _, typ := range []string{"zone.deactivate", "zone.activate", "zone.delete"} {
		if len(h.sim.Events(typ)) == 0 {
			t.Fatalf("no %s event", typ)
		}
	}
}
