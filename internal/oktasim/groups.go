package oktasim

import (
	"net/http"
	"strings"
)

type groupOut struct {
	ID                    string         `json:"id"`
	Created               any            `json:"created"`
	LastUpdated           any            `json:"lastUpdated"`
	LastMembershipUpdated any            `json:"lastMembershipUpdated"`
	ObjectClass           []string       `json:"objectClass"`
	Type                  string         `json:"type"`
	Profile               map[string]any `json:"profile"`
	Links                 map[string]any `json:"_links"`
}

func renderGroup(base string, g *group) groupOut {
	self := base + "/api/v1/groups/" + g.id
	profile := map[string]any{"name": g.name, "description": g.description}
	objectClass := []string{"okta:user_group"}
	links := map[string]any{
		"logo": []any{
			map[string]any{"name": "medium", "href": base + "/img/logos/groups/okta-medium.png", "type": "image/png"},
			map[string]any{"name": "large", "href": base + "/img/logos/groups/okta-large.png", "type": "image/png"},
		},
		"users": link(self + "/users"),
		"apps":  link(self + "/apps"),
	}
	if g.typ == groupApp {
		objectClass = []string{"okta:windows_security_principal"}
		for k, v := range g.appProfile {
			profile[k] = v
		}
		links["source"] = link(base + "/api/v1/apps/" + g.sourceID)
	}
	return groupOut{ID: g.id, Created: oktaTime(g.created), LastUpdated: oktaTime(g.lastUpdated),
		LastMembershipUpdated: oktaTime(g.lastMembershipUpdated), ObjectClass: objectClass, Type: g.typ,
		Profile: profile, Links: links}
}

// listGroups serves GET /api/v1/groups. Default page 10000 (the spec's
// maximum) and 300 with q (the current spec; the legacy doc said 10).
func (s *Sim) listGroups(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	filter, search, query := q.Get("filter"), q.Get("search"), q.Get("q")
	def := 10000
	if query != "" {
		def = 300
	}
	limit, e := parseLimit(q, def, 10000)
	if e != nil {
		return e
	}
	var match func(*group) bool
	switch {
	case filter != "" && search != "":
		return errSearchAndFilter()
	case filter != "" || search != "":
		expr, check, fold := filter, checkGroupFilter, false
		if search != "" {
			expr, check, fold = search, checkGroupSearch, true
		}
		n, err := parseExpr(expr)
		if err == nil {
			err = walk(n, search != "", check)
		}
		if err != nil {
			return errSearch()
		}
		match = func(g *group) bool { return eval(n, groupGetter(g), fold) }
	case query != "":
		lq := strings.ToLower(query)
		match = func(g *group) bool { return strings.HasPrefix(strings.ToLower(g.name), lq) }
	default:
		match = func(*group) bool { return true }
	}
	srt, e := parseSort(q)
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := groupListing
	if srt != nil {
		return writeSortedPage(s, w, r, s.org.groupOrder, match, groupGetter, srt, limit, l)
	}
	after := int64(0)
	if query != "" {
		l.noNext = true // Okta: q "doesn't support pagination"
	} else if after, e = s.org.afterCursor(q); e != nil {
		return e
	}
	writePage(s, w, r, s.org.groupOrder, match, after, limit, l)
	return nil
}

var groupListing = listing[*group]{
	seq:    func(g *group) int64 { return g.seq },
	id:     func(g *group) string { return g.id },
	render: func(base string, g *group) any { return renderGroup(base, g) },
}

var groupDateAttrs = map[string]bool{"created": true, "lastUpdated": true, "lastMembershipUpdated": true}

func checkGroupFilter(c cmpNode) error {
	switch {
	case (c.attr == "id" || c.attr == "type") && c.op == "eq":
		return nil
	case groupDateAttrs[c.attr] && c.attr != "created" && (c.op == "eq" || c.op == "gt" || c.op == "ge" || c.op == "lt" || c.op == "le"):
		return nil
	}
	return &exprError{msg: "unsupported group filter"}
}

func checkGroupSearch(c cmpNode) error {
	top := c.attr == "id" || c.attr == "type" || c.attr == "source.id" || groupDateAttrs[c.attr]
	if !top && !strings.HasPrefix(c.attr, "profile.") {
		return &exprError{msg: "unsupported group search attribute"}
	}
	switch c.op {
	case "eq", "sw", "pr":
		return nil
	case "co":
		if c.attr == "profile.name" || c.attr == "profile.description" {
			return nil
		}
	case "gt", "ge", "lt", "le":
		if groupDateAttrs[c.attr] {
			return nil
		}
	}
	return &exprError{msg: "unsupported group search operator"}
}

func groupGetter(g *group) getter {
	return func(attr string) (any, bool) {
		switch attr {
		case "id":
			return g.id, true
		case "type":
			return g.typ, true
		case "source.id":
			return g.sourceID, g.sourceID != ""
		case "created":
			return oktaTime(g.created), true
		case "lastUpdated":
			return oktaTime(g.lastUpdated), true
		case "lastMembershipUpdated":
			return oktaTime(g.lastMembershipUpdated), true
		case "profile.name":
			return g.name, true
		case "profile.description":
			return g.description, true
		}
		if name, ok := strings.CutPrefix(attr, "profile."); ok {
			v, ok := g.appProfile[name]
			return v, ok
		}
		return nil, false
	}
}

func (s *Sim) getGroup(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.org.groups[id]
	if g == nil {
		return errNotFound(id, "UserGroup")
	}
	writeJSON(w, http.StatusOK, renderGroup(s.baseURL(r), g))
	return nil
}

// createGroup serves POST /api/v1/groups (not one of the 17 commands; tests
// and recorded traffic need it to set up memberships).
func (s *Sim) createGroup(w http.ResponseWriter, r *http.Request) *apiError {
	var req struct {
		Profile struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"profile"`
	}
	if e := readJSON(r, &req); e != nil {
		return e
	}
	if strings.TrimSpace(req.Profile.Name) == "" {
		return errValidation("name", "name: The field cannot be left blank")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org
	for _, g := range o.groupOrder {
		if strings.EqualFold(g.name, req.Profile.Name) && g.typ == groupOkta {
			return errValidation("name", "name: An object with this field already exists in the current organization")
		}
	}
	now := s.clock()
	g := &group{id: o.ids.object("00g"), typ: groupOkta, name: req.Profile.Name, description: req.Profile.Description,
		created: now, lastUpdated: now, lastMembershipUpdated: now}
	o.addGroup(g)
	o.audit(now, "group.lifecycle.create", "Create Okta group", groupTarget(g))
	writeJSON(w, http.StatusOK, renderGroup(s.baseURL(r), g))
	return nil
}

func (s *Sim) deleteGroup(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org
	g := o.groups[id]
	switch {
	case g == nil:
		return errNotFound(id, "UserGroup")
	case g.typ != groupOkta:
		return errForbidden()
	}
	o.removeGroup(g)
	o.audit(s.clock(), "group.lifecycle.delete", "Delete Okta group", groupTarget(g))
	noContent(w)
	return nil
}

// listGroupMembers serves GET /api/v1/groups/{id}/users (default page 1000,
// "for historical reasons"; members of every status are returned).
func (s *Sim) listGroupMembers(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	q := r.URL.Query()
	limit, e := parseLimit(q, 1000, 10000)
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org
	g := o.groups[id]
	if g == nil {
		return errNotFound(id, "UserGroup")
	}
	after, e := o.afterCursor(q)
	if e != nil {
		return e
	}
	writePage(s, w, r, o.members(g), nil, after, limit, s.userListing())
	return nil
}

// membershipTargets resolves the group and user of a membership change and
// applies Okta's rule that only OKTA_GROUP memberships can be changed.
func (o *org) membershipTargets(gid, uid string) (*group, *user, *apiError) {
	g := o.groups[gid]
	if g == nil {
		return nil, nil, errNotFound(gid, "UserGroup")
	}
	u := o.users[uid] // the API documents a user id here, not a login
	if u == nil {
		return nil, nil, errNotFound(uid, "User")
	}
	switch g.typ {
	case groupApp:
		return nil, nil, errForbidden()
	case groupBuiltIn:
		return nil, nil, errUnsupported()
	}
	return g, u, nil
}

// addGroupMember serves PUT /api/v1/groups/{gid}/users/{uid}: 204, and
// idempotent for an existing member (unconfirmed but PUT semantics).
func (s *Sim) addGroupMember(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, u, e := s.org.membershipTargets(r.PathValue("id"), r.PathValue("uid"))
	if e != nil {
		return e
	}
	if _, ok := g.members[u.id]; !ok {
		now := s.clock()
		s.org.addMember(g, u, now)
		s.org.audit(now, "group.user_membership.add", "Add user to group membership", userTarget(u), groupTarget(g))
	}
	noContent(w)
	return nil
}

func (s *Sim) removeGroupMember(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, u, e := s.org.membershipTargets(r.PathValue("id"), r.PathValue("uid"))
	if e != nil {
		return e
	}
	if _, ok := g.members[u.id]; ok {
		now := s.clock()
		s.org.removeMember(g, u, now)
		s.org.audit(now, "group.user_membership.remove", "Remove user from group membership", userTarget(u), groupTarget(g))
	}
	noContent(w)
	return nil
}
