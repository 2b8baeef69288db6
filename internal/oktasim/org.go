package oktasim

import (
	"sort"
	"strings"
	"time"
)

// org is the simulated tenant's state. All access goes through Sim.mu.
type org struct {
	seq int64 // creation order; list endpoints page in this order

	users      map[string]*user
	userOrder  []*user
	loginIndex map[string]*user // lower-cased login
	meID       string           // the admin who owns the API token (users/me)
	userTypeID string
	realmID    string    // the default realm every user belongs to (realmId)
	born       time.Time // when the org (its admin, user type, Everyone) was created

	groups     map[string]*group
	groupOrder []*group
	everyoneID string

	zones     map[string]*zone
	zoneOrder []*zone

	apps []*app

	events   []*logEvent
	eventSeq int64

	// seqOf remembers the order position of every id ever issued, so an
	// `after` cursor naming a since-deleted object still pages correctly.
	seqOf map[string]int64

	// customAttrs are user profile attributes added to the org's schema
	// (only the conformance replay adds any).
	customAttrs map[string]bool

	ids *idGen

	// caller is the client block of the write request being served, for
	// its System Log events (faults.go: serveWrite); nil outside one.
	caller map[string]any
}

func newOrg(ids *idGen) *org {
	return &org{
		users: map[string]*user{}, loginIndex: map[string]*user{},
		groups: map[string]*group{}, zones: map[string]*zone{},
		seqOf: map[string]int64{}, customAttrs: map[string]bool{}, ids: ids,
	}
}

func (o *org) nextSeq(id string) int64 {
	o.seq++
	o.seqOf[id] = o.seq
	return o.seq
}

type user struct {
	id      string
	seq     int64
	status  string
	created time.Time
	// zero times render as null
	activated, statusChanged, lastLogin, lastUpdated, passwordChanged time.Time
	profile                                                           map[string]any
	provider                                                          string // OKTA or FEDERATION
	groups                                                            map[string]struct{}
	factors                                                           []*factor
	// sessions and oauthTokens count the user's live Okta sessions and
	// issued OAuth tokens; clearing sessions zeroes them.
	sessions, oauthTokens int
}

func (u *user) login() string { s, _ := u.profile["login"].(string); return s }

func (o *org) addUser(u *user) {
	u.seq = o.nextSeq(u.id)
	// Real answers always carry these two, null when unset.
	for _, k := range []string{"mobilePhone", "secondEmail"} {
		if _, ok := u.profile[k]; !ok {
			u.profile[k] = nil
		}
	}
	if u.groups == nil {
		u.groups = map[string]struct{}{}
	}
	o.users[u.id] = u
	o.userOrder = append(o.userOrder, u)
	o.loginIndex[strings.ToLower(u.login())] = u
}

func (o *org) removeUser(u *user) {
	delete(o.users, u.id)
	delete(o.loginIndex, strings.ToLower(u.login()))
	for i, x := range o.userOrder {
		if x == u {
			o.userOrder = append(o.userOrder[:i:i], o.userOrder[i+1:]...)
			break
		}
	}
	for gid := range u.groups {
		if g := o.groups[gid]; g != nil {
			delete(g.members, u.id)
		}
	}
}

// findUser resolves an id, a login, or a login's short name (the part before
// "@"), as GET /api/v1/users/{idOrLogin} does. "me" is the token owner.
func (o *org) findUser(key string) *user {
	if key == "me" {
		key = o.meID
	}
	if u := o.users[key]; u != nil {
		return u
	}
	if u := o.loginIndex[strings.ToLower(key)]; u != nil {
		return u
	}
	if !strings.Contains(key, "@") {
		var found *user
		prefix := strings.ToLower(key) + "@"
		for login, u := range o.loginIndex {
			if strings.HasPrefix(login, prefix) {
				if found != nil {
					return nil // ambiguous short name
				}
				found = u
			}
		}
		return found
	}
	return nil
}

type group struct {
	id                                          string
	seq                                         int64
	typ                                         string // OKTA_GROUP, APP_GROUP, BUILT_IN
	name, description                           string
	created, lastUpdated, lastMembershipUpdated time.Time
	members                                     map[string]struct{} // unused for BUILT_IN: everyone is a member
	appProfile                                  map[string]any      // APP_GROUP extra profile attributes
	sourceID                                    string              // APP_GROUP source app
}

func (o *org) addGroup(g *group) {
	g.seq = o.nextSeq(g.id)
	if g.members == nil {
		g.members = map[string]struct{}{}
	}
	o.groups[g.id] = g
	o.groupOrder = append(o.groupOrder, g)
}

func (o *org) removeGroup(g *group) {
	delete(o.groups, g.id)
	for i, x := range o.groupOrder {
		if x == g {
			o.groupOrder = append(o.groupOrder[:i:i], o.groupOrder[i+1:]...)
			break
		}
	}
	for uid := range g.members {
		if u := o.users[uid]; u != nil {
			delete(u.groups, g.id)
		}
	}
}

// members lists a group's members in user creation order.
func (o *org) members(g *group) []*user {
	var out []*user
	for _, u := range o.userOrder {
		if g.typ == groupBuiltIn {
			out = append(out, u)
		} else if _, ok := g.members[u.id]; ok {
			out = append(out, u)
		}
	}
	return out
}

// userGroups lists a user's groups, Everyone first as in recorded traffic.
func (o *org) userGroups(u *user) []*group {
	var out []*group
	if g := o.groups[o.everyoneID]; g != nil {
		out = append(out, g)
	}
	var rest []*group
	for gid := range u.groups {
		if g := o.groups[gid]; g != nil && g.id != o.everyoneID {
			rest = append(rest, g)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].seq < rest[j].seq })
	return append(out, rest...)
}

func (o *org) addMember(g *group, u *user, at time.Time) {
	g.members[u.id] = struct{}{}
	u.groups[g.id] = struct{}{}
	g.lastMembershipUpdated = at
}

func (o *org) removeMember(g *group, u *user, at time.Time) {
	delete(g.members, u.id)
	delete(u.groups, g.id)
	g.lastMembershipUpdated = at
}

func (o *org) addZone(z *zone) {
	z.seq = o.nextSeq(z.id)
	o.zones[z.id] = z
	o.zoneOrder = append(o.zoneOrder, z)
}

func (o *org) removeZone(z *zone) {
	delete(o.zones, z.id)
	for i, x := range o.zoneOrder {
		if x == z {
			o.zoneOrder = append(o.zoneOrder[:i:i], o.zoneOrder[i+1:]...)
			break
		}
	}
}

func (o *org) zoneByName(name string) *zone {
	for _, z := range o.zoneOrder {
		if strings.EqualFold(z.name, name) {
			return z
		}
	}
	return nil
}

// Group types and user statuses, as Okta spells them.
const (
	groupOkta    = "OKTA_GROUP"
	groupApp     = "APP_GROUP"
	groupBuiltIn = "BUILT_IN"

	statusActive        = "ACTIVE"
	statusStaged        = "STAGED"
	statusProvisioned   = "PROVISIONED"
	statusDeprovisioned = "DEPROVISIONED"
	statusRecovery      = "RECOVERY"
	statusLockedOut     = "LOCKED_OUT"
	statusSuspended     = "SUSPENDED"
	statusPwExpired     = "PASSWORD_EXPIRED"
)

// oktaTime renders Okta's millisecond timestamps; the zero time is JSON null.
func oktaTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

const timeLayout = "2006-01-02T15:04:05.000Z"
