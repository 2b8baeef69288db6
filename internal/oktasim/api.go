package oktasim

import (
	"sort"
	"time"
)

// User is a snapshot of a simulated user for test assertions.
type User struct {
	ID                 string
	Status             string // ACTIVE, STAGED, PROVISIONED, DEPROVISIONED, RECOVERY, LOCKED_OUT, SUSPENDED, PASSWORD_EXPIRED
	Login              string
	Email              string
	FirstName          string
	LastName           string
	Profile            map[string]any // a copy of the whole profile
	CredentialProvider string         // "OKTA" or "FEDERATION"
	Groups             []string       // group ids, Everyone first
	Created            time.Time
	Activated          time.Time // zero when null
	StatusChanged      time.Time
	LastLogin          time.Time
	LastUpdated        time.Time
	PasswordChanged    time.Time
}

// Zone is a snapshot of a simulated network zone. Gateways and Proxies hold
// the values as Okta stores them ("a-b" ranges, "a.b.c.d/n" CIDRs); nil
// when Okta would render null.
type Zone struct {
	ID          string
	Name        string
	Type        string // IP, DYNAMIC, DYNAMIC_V2
	Status      string // ACTIVE, INACTIVE
	Usage       string // POLICY, BLOCKLIST
	System      bool
	Gateways    []string
	Proxies     []string
	Created     time.Time
	LastUpdated time.Time
}

// User returns a snapshot of the user with this id, login or "me".
func (s *Sim) User(idOrLogin string) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.findUser(idOrLogin)
	if u == nil {
		return User{}, false
	}
	str := func(k string) string { v, _ := u.profile[k].(string); return v }
	out := User{ID: u.id, Status: u.status, Login: u.login(), Email: str("email"), FirstName: str("firstName"),
		LastName: str("lastName"), Profile: jsonClone(u.profile), CredentialProvider: u.provider,
		Created: u.created, Activated: u.activated, StatusChanged: u.statusChanged, LastLogin: u.lastLogin,
		LastUpdated: u.lastUpdated, PasswordChanged: u.passwordChanged}
	for _, g := range s.org.userGroups(u) {
		out.Groups = append(out.Groups, g.id)
	}
	return out, true
}

// Zone returns a snapshot of the zone with this id.
func (s *Sim) Zone(id string) (Zone, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	z := s.org.zones[id]
	if z == nil {
		return Zone{}, false
	}
	return snapshotZone(z), true
}

// ZoneByName returns a snapshot of the zone with this name.
func (s *Sim) ZoneByName(name string) (Zone, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	z := s.org.zoneByName(name)
	if z == nil {
		return Zone{}, false
	}
	return snapshotZone(z), true
}

func snapshotZone(z *zone) Zone {
	values := func(as []zoneAddr) []string {
		if len(as) == 0 {
			return nil
		}
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = a.Value
		}
		return out
	}
	return Zone{ID: z.id, Name: z.name, Type: z.typ, Status: z.status, Usage: z.usage, System: z.system,
		Gateways: values(z.gateways), Proxies: values(z.proxies), Created: z.created, LastUpdated: z.lastUpdated}
}

// GroupMembers returns the ids of a group's members in creation order (every
// user for Everyone); nil for an unknown group.
func (s *Sim) GroupMembers(groupID string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.org.groups[groupID]
	if g == nil {
		return nil
	}
	members := s.org.members(g)
	out := make([]string, len(members))
	for i, u := range members {
		out[i] = u.id
	}
	return out
}

// GroupIDByName returns the id of the group with this name.
func (s *Sim) GroupIDByName(name string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.org.groupOrder {
		if g.name == name {
			return g.id, true
		}
	}
	return "", false
}

// Events returns copies of the System Log events, oldest first, optionally
// only those of the given event types.
func (s *Sim) Events(eventTypes ...string) []map[string]any {
	want := map[string]bool{}
	for _, t := range eventTypes {
		want[t] = true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []map[string]any
	for _, ev := range s.org.events {
		if t, _ := ev.raw["eventType"].(string); len(want) == 0 || want[t] {
			out = append(out, jsonClone(ev.raw))
		}
	}
	return out
}

// Requests returns a copy of the request log (API requests only, not /__sim/).
func (s *Sim) Requests() []RequestRecord {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return append([]RequestRecord(nil), s.reqs...)
}

// ResetRequests clears the request log.
func (s *Sim) ResetRequests() {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	s.reqs = nil
}

// stateDump is the /__sim/state answer: a compact view for debugging.
func (s *Sim) stateDump() map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	statuses := map[string]int{}
	for _, u := range s.org.userOrder {
		statuses[u.status]++
	}
	groups := []map[string]any{}
	for _, g := range s.org.groupOrder {
		groups = append(groups, map[string]any{"id": g.id, "name": g.name, "type": g.typ, "members": len(s.org.members(g))})
	}
	zones := []map[string]any{}
	for _, z := range s.org.zoneOrder {
		zones = append(zones, renderZone("", z))
	}
	users := []map[string]any{}
	for _, u := range s.org.userOrder {
		if len(users) == 500 {
			break // dumps of benchmark-sized orgs stay readable
		}
		users = append(users, map[string]any{"id": u.id, "login": u.login(), "status": u.status})
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i]["name"].(string) < groups[j]["name"].(string) })
	return map[string]any{"seed": s.opts.Seed, "userCount": len(s.org.userOrder), "usersByStatus": statuses,
		"users": users, "groups": groups, "zones": zones, "eventCount": len(s.org.events)}
}
