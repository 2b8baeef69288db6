package pbtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cordonsec/cordon/internal/oktasim"
)

// fixture applies a case's org changes to a freshly seeded org through the
// org's own API (as an admin would), so the simulated org checks them as it
// checks any request.
type fixture struct {
	sim   *oktasim.Sim
	token string
}

func (fx fixture) call(method, path string, body any) (map[string]any, error) {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	// The simulator answers a POST or PUT that announces no length with
	// 411, as Okta does; a real client sends Content-Length: 0.
	req.Header.Set("Content-Length", strconv.Itoa(rd.Len()))
	req.Header.Set("Authorization", "SSWS "+fx.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	fx.sim.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return out, nil
}

// apply builds the case's org on top of the seed.
func (fx fixture) apply(o Org) error {
	for _, g := range o.Groups {
		if _, ok := fx.sim.GroupIDByName(g.Name); ok {
			continue // the seed has it already
		}
		if _, err := fx.call("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": g.Name, "description": g.Description}}); err != nil {
			return fmt.Errorf("group %s: %w", g.Name, err)
		}
	}
	for _, u := range o.Users {
		if err := fx.user(u); err != nil {
			return fmt.Errorf("user %s: %w", u.Login, err)
		}
	}
	for _, z := range o.Zones {
		if err := fx.zone(z); err != nil {
			return fmt.Errorf("zone %s: %w", z.Name, err)
		}
	}
	for i, ev := range o.Events {
		if err := fx.event(ev); err != nil {
			return fmt.Errorf("event %d: %w", i+1, err)
		}
	}
	return nil
}

// event appends a System Log event with the fixture conveniences: ago
// (published that long before now), repeat (that many copies) and an
// actor named only by alternateId (a login of the org: its id, type and
// display name are filled in).
func (fx fixture) event(ev map[string]any) error {
	ev = maps(ev)
	if ago, ok := ev["ago"].(string); ok {
		d, err := time.ParseDuration(ago)
		if err != nil {
			return fmt.Errorf("ago: %w", err)
		}
		delete(ev, "ago")
		ev["published"] = time.Now().UTC().Add(-d).Format(time.RFC3339Nano)
	}
	n := 1
	if r, ok := ev["repeat"]; ok {
		delete(ev, "repeat")
		v, ok := r.(uint64)
		if !ok || v < 1 || v > 10000 {
			return fmt.Errorf("repeat: want a count from 1 to 10000, got %v", r)
		}
		n = int(v)
	}
	if actor, ok := ev["actor"].(map[string]any); ok {
		login, _ := actor["alternateId"].(string)
		if u, found := fx.sim.User(login); found && actor["id"] == nil {
			actor = maps(actor)
			actor["id"], actor["type"] = u.ID, "User"
			if actor["displayName"] == nil {
				actor["displayName"] = u.FirstName + " " + u.LastName
			}
			ev["actor"] = actor
		}
	}
	for range n {
		fx.sim.AppendEvent(ev)
	}
	return nil
}

func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (fx fixture) user(u FixtureUser) error {
	existing, ok := fx.sim.User(u.Login)
	id := existing.ID
	if !ok {
		first, last := u.FirstName, u.LastName
		if first == "" {
			first, _, _ = strings.Cut(u.Login, ".")
		}
		if last == "" {
			last = "Test"
		}
		email := u.Email
		if email == "" {
			email = u.Login
		}
		profile := map[string]any{"login": u.Login, "email": email, "firstName": first, "lastName": last}
		if u.Department != "" {
			profile["department"] = u.Department
		}
		out, err := fx.call("POST", "/api/v1/users?activate=true", map[string]any{"profile": profile,
			"credentials": map[string]any{"password": map[string]any{"value": "Fixture-Passw0rd!"}}})
		if err != nil {
			return err
		}
		id, _ = out["id"].(string)
	} else if u.Department != "" {
		if _, err := fx.call("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"department": u.Department}}); err != nil {
			return err
		}
	}
	for _, name := range u.Groups {
		gid, ok := fx.sim.GroupIDByName(name)
		if !ok {
			return fmt.Errorf("no group named %q (add it under org.groups)", name)
		}
		if _, err := fx.call("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil); err != nil {
			return err
		}
	}
	if u.Status != "" && !fx.sim.SetUserStatus(id, u.Status) {
		return fmt.Errorf("cannot set status %s", u.Status)
	}
	return nil
}

func (fx fixture) zone(z FixtureZone) error {
	if existing, ok := fx.sim.ZoneByName(z.Name); ok {
		// A seeded zone: only its status changes (the system zones
		// cannot be recreated).
		op := map[string]string{"ACTIVE": "activate", "INACTIVE": "deactivate"}[strings.ToUpper(z.Status)]
		if op == "" || strings.EqualFold(existing.Status, z.Status) {
			return nil
		}
		_, err := fx.call("POST", "/api/v1/zones/"+url.PathEscape(existing.ID)+"/lifecycle/"+op, nil)
		return err
	}
	usage := cmpOr(z.Usage, "BLOCKLIST")
	var gws []map[string]any
	for _, g := range z.Gateways {
		typ := "CIDR"
		if strings.Contains(g, "-") {
			typ = "RANGE"
		} else if !strings.Contains(g, "/") {
			g += "/32"
			if strings.Contains(g, ":") {
				g = strings.TrimSuffix(g, "/32") + "/128"
			}
		}
		gws = append(gws, map[string]any{"type": typ, "value": g})
	}
	body := map[string]any{"type": "IP", "name": z.Name, "usage": usage}
	if gws != nil {
		body["gateways"] = gws
	}
	out, err := fx.call("POST", "/api/v1/zones", body)
	if err != nil {
		return err
	}
	if strings.EqualFold(z.Status, "INACTIVE") {
		id, _ := out["id"].(string)
		_, err = fx.call("POST", "/api/v1/zones/"+url.PathEscape(id)+"/lifecycle/deactivate", nil)
	}
	return err
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// snapshot is what a case compares before and after the run.
type snapshot struct {
	users  map[string]userSnap // by login
	zones  map[string]zoneSnap // by name
	names  map[string]string   // id -> login, zone or group name, for writes
	logins []string
}

type userSnap struct {
	ID       string
	Status   string
	Groups   []string
	Sessions int
	Factors  int
}

type zoneSnap struct {
	ID       string
	Status   string
	Usage    string
	Gateways []string
}

func takeSnapshot(sim *oktasim.Sim) (*snapshot, error) {
	req := httptest.NewRequest(http.MethodGet, "/__sim/state", nil)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	var state struct {
		Users []struct {
			ID    string `json:"id"`
			Login string `json:"login"`
		} `json:"users"`
		Groups []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"groups"`
		Zones []struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"zones"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &state); err != nil {
		return nil, fmt.Errorf("reading the org's state: %w", err)
	}
	s := &snapshot{users: map[string]userSnap{}, zones: map[string]zoneSnap{}, names: map[string]string{}}
	for _, g := range state.Groups {
		s.names[g.ID] = g.Name
	}
	for _, su := range state.Users {
		u, ok := sim.User(su.ID)
		if !ok {
			continue
		}
		snap := userSnap{ID: u.ID, Status: u.Status, Sessions: sim.Sessions(u.ID), Factors: len(sim.Factors(u.ID))}
		for _, g := range u.Groups {
			snap.Groups = append(snap.Groups, s.names[g])
		}
		slices.Sort(snap.Groups)
		s.users[u.Login] = snap
		s.names[u.ID] = u.Login
		s.logins = append(s.logins, u.Login)
	}
	for _, sz := range state.Zones {
		z, ok := sim.Zone(sz.ID)
		if !ok {
			continue
		}
		s.zones[z.Name] = zoneSnap{ID: z.ID, Status: z.Status, Usage: z.Usage, Gateways: slices.Sorted(slices.Values(z.Gateways))}
		s.names[z.ID] = z.Name
	}
	return s, nil
}

// changes lists what differs between two snapshots, one line per change,
// keyed by the user's login or the zone's name.
func changes(before, after *snapshot) map[string][]string {
	out := map[string][]string{}
	add := func(key, format string, args ...any) { out[key] = append(out[key], fmt.Sprintf(format, args...)) }
	for login, a := range after.users {
		b, ok := before.users[login]
		if !ok {
			add("user "+login, "created (%s)", a.Status)
			continue
		}
		if a.Status != b.Status {
			add("user "+login, "status %s -> %s", b.Status, a.Status)
		}
		if !slices.Equal(a.Groups, b.Groups) {
			add("user "+login, "groups %v -> %v", b.Groups, a.Groups)
		}
		if a.Sessions != b.Sessions {
			add("user "+login, "sessions %d -> %d", b.Sessions, a.Sessions)
		}
		if a.Factors != b.Factors {
			add("user "+login, "factors %d -> %d", b.Factors, a.Factors)
		}
	}
	for login := range before.users {
		if _, ok := after.users[login]; !ok {
			add("user "+login, "deleted")
		}
	}
	for name, a := range after.zones {
		b, ok := before.zones[name]
		if !ok {
			add("zone "+name, "created (%s %s, gateways %v)", a.Usage, a.Status, a.Gateways)
			continue
		}
		if a.Status != b.Status {
			add("zone "+name, "status %s -> %s", b.Status, a.Status)
		}
		if !slices.Equal(a.Gateways, b.Gateways) {
			add("zone "+name, "gateways %v -> %v", b.Gateways, a.Gateways)
		}
	}
	for name := range before.zones {
		if _, ok := after.zones[name]; !ok {
			add("zone "+name, "deleted")
		}
	}
	return out
}

// writes renders the org's log of successful writes, ids replaced by the
// names a reader knows: POST /api/v1/users/{jane.doe@acme.com}/lifecycle/suspend.
func writes(recs []oktasim.RequestRecord, names ...map[string]string) []string {
	var out []string
	for _, r := range recs {
		if r.Method == http.MethodGet || r.Status >= 300 || r.Status == 0 {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			for _, m := range names {
				if n, ok := m[p]; ok {
					parts[i] = "{" + n + "}"
					break
				}
			}
		}
		out = append(out, r.Method+" "+strings.Join(parts, "/"))
	}
	slices.Sort(out)
	return out
}
