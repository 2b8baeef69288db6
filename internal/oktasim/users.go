package oktasim

import (
	"net/http"
	"sort"
	"strings"
)

// Attributes of the default user profile schema; anything else in a create
// request is rejected the way Okta rejects undefined custom attributes.
var profileAttrs = map[string]bool{
	"login": true, "email": true, "secondEmail": true, "firstName": true, "lastName": true,
	"middleName": true, "honorificPrefix": true, "honorificSuffix": true, "title": true,
	"displayName": true, "nickName": true, "profileUrl": true, "primaryPhone": true,
	"mobilePhone": true, "streetAddress": true, "city": true, "state": true, "zipCode": true,
	"countryCode": true, "postalAddress": true, "preferredLanguage": true, "locale": true,
	"timezone": true, "userType": true, "employeeNumber": true, "costCenter": true,
	"organization": true, "division": true, "department": true, "managerId": true, "manager": true,
}

type userOut struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Created         any            `json:"created"`
	Activated       any            `json:"activated"`
	StatusChanged   any            `json:"statusChanged"`
	LastLogin       any            `json:"lastLogin"`
	LastUpdated     any            `json:"lastUpdated"`
	PasswordChanged any            `json:"passwordChanged"`
	Type            idRef          `json:"type"`
	Profile         map[string]any `json:"profile"`
	Credentials     map[string]any `json:"credentials"`
	Links           map[string]any `json:"_links"`
}

type idRef struct {
	ID string `json:"id"`
}

// render builds a user's JSON. Collection items carry only the self link,
// single-user answers the status-dependent links Okta sends.
func (o *org) renderUser(base string, u *user, single bool) userOut {
	profile := make(map[string]any, len(u.profile)+2)
	profile["mobilePhone"], profile["secondEmail"] = nil, nil // real answers always carry these
	for k, v := range u.profile {
		profile[k] = v
	}
	creds := map[string]any{"provider": map[string]any{"type": u.provider, "name": u.provider}}
	if u.provider == "OKTA" && !u.passwordChanged.IsZero() {
		creds["password"] = map[string]any{}
	}
	self := base + "/api/v1/users/" + u.id
	links := map[string]any{"self": link(self)}
	if single {
		lc := self + "/lifecycle/"
		links["schema"] = link(base + "/api/v1/meta/schemas/user/osc" + o.userTypeID[3:])
		links["type"] = link(base + "/api/v1/meta/types/user/" + o.userTypeID)
		for _, name := range userLinks[u.status] {
			if name == "delete" {
				links[name] = methodLink(self, "DELETE")
				continue
			}
			links[name] = methodLink(lc+linkOps[name], "POST")
		}
	}
	return userOut{
		ID: u.id, Status: u.status, Created: oktaTime(u.created), Activated: oktaTime(u.activated),
		StatusChanged: oktaTime(u.statusChanged), LastLogin: oktaTime(u.lastLogin),
		LastUpdated: oktaTime(u.lastUpdated), PasswordChanged: oktaTime(u.passwordChanged),
		Type: idRef{ID: o.userTypeID}, Profile: profile, Credentials: creds, Links: links,
	}
}

// userLinks lists the lifecycle links per status (from recorded responses
// where available, Okta's documentation otherwise).
var userLinks = map[string][]string{
	statusStaged:        {"activate"},
	statusProvisioned:   {"suspend", "resetPassword", "reactivate", "deactivate"},
	statusActive:        {"suspend", "resetPassword", "expirePassword", "deactivate"},
	statusRecovery:      {"suspend", "resetPassword", "deactivate"},
	statusPwExpired:     {"suspend", "resetPassword", "deactivate"},
	statusLockedOut:     {"unlock", "resetPassword", "deactivate"},
	statusSuspended:     {"unsuspend", "deactivate"},
	statusDeprovisioned: {"activate", "delete"},
}

var linkOps = map[string]string{
	"activate": "activate", "suspend": "suspend", "unsuspend": "unsuspend", "unlock": "unlock",
	"resetPassword": "reset_password", "expirePassword": "expire_password",
	"reactivate": "reactivate", "deactivate": "deactivate",
}

func (s *Sim) getUser(w http.ResponseWriter, r *http.Request) *apiError {
	key := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.findUser(key)
	if u == nil {
		return errNotFound(key, "User")
	}
	w.Header().Set("Etag", `W/"`+u.lastUpdated.Format("20060102150405.000")+`"`)
	writeJSON(w, http.StatusOK, s.org.renderUser(s.baseURL(r), u, true))
	return nil
}

// listUsers serves GET /api/v1/users with filter, search, q, limit and after.
func (s *Sim) listUsers(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	filter, search, query := q.Get("filter"), q.Get("search"), q.Get("q")
	if filter != "" && search != "" {
		return errSearchAndFilter()
	}
	def := 200
	if query != "" {
		def = 10
	}
	limit, e := parseLimit(q, def, 200)
	if e != nil {
		return e
	}
	match, e := userMatcher(filter, search, query)
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	after, e := s.org.afterCursor(q)
	if e != nil {
		return e
	}
	var hits []*user
	for _, u := range s.org.userOrder {
		if match(u) {
			hits = append(hits, u)
		}
	}
	pg, more := page(hits, func(u *user) int64 { return u.seq }, after, limit)
	next := ""
	if more {
		next = pg[len(pg)-1].id
	}
	s.setLinks(w, r, next)
	base := s.baseURL(r)
	out := make([]userOut, 0, len(pg))
	for _, u := range pg {
		out = append(out, s.org.renderUser(base, u, false))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// userMatcher compiles the list criteria. The plain list and q leave out
// DEPROVISIONED users; filter and search include them (Okta's documented
// behaviour).
func userMatcher(filter, search, query string) (func(*user) bool, *apiError) {
	switch {
	case filter != "":
		n, err := parseExpr(filter)
		if err == nil {
			err = walk(n, false, checkUserFilter)
		}
		if err != nil {
			return nil, errSearch()
		}
		return func(u *user) bool { return eval(n, userGetter(u), false) }, nil
	case search != "":
		n, err := parseExpr(search)
		if err == nil {
			err = walk(n, true, checkUserSearch)
		}
		if err != nil {
			return nil, errSearch()
		}
		return func(u *user) bool { return eval(n, userGetter(u), true) }, nil
	case query != "":
		lq := strings.ToLower(query)
		return func(u *user) bool {
			if u.status == statusDeprovisioned {
				return false
			}
			for _, k := range []string{"firstName", "lastName", "email", "login"} {
				if v, _ := u.profile[k].(string); strings.HasPrefix(strings.ToLower(v), lq) {
					return true
				}
			}
			return false
		}, nil
	}
	return func(u *user) bool { return u.status != statusDeprovisioned }, nil
}

var userFilterAttrs = map[string]bool{"status": true, "id": true, "lastUpdated": true, "profile.login": true,
	"profile.email": true, "profile.firstName": true, "profile.lastName": true}

func checkUserFilter(c cmpNode) error {
	if !userFilterAttrs[c.attr] {
		return &exprError{msg: "unsupported filter attribute " + c.attr}
	}
	if c.op == "eq" || (c.attr == "lastUpdated" && (c.op == "gt" || c.op == "ge" || c.op == "lt" || c.op == "le")) {
		return nil
	}
	return &exprError{msg: "unsupported filter operator " + c.op}
}

var userDateAttrs = map[string]bool{"created": true, "activated": true, "statusChanged": true, "lastUpdated": true,
	"lastLogin": true, "passwordChanged": true}

func checkUserSearch(c cmpNode) error {
	top := c.attr == "id" || c.attr == "status" || c.attr == "type.id" || userDateAttrs[c.attr]
	if !top && !strings.HasPrefix(c.attr, "profile.") {
		return &exprError{msg: "unsupported search attribute " + c.attr}
	}
	switch c.op {
	case "eq", "sw", "pr":
		return nil
	case "co":
		switch c.attr {
		case "profile.firstName", "profile.lastName", "profile.email", "profile.login":
			return nil
		}
	case "gt", "ge", "lt", "le":
		if userDateAttrs[c.attr] || c.attr == "status" {
			return nil
		}
	}
	return &exprError{msg: "unsupported search operator " + c.op}
}

func userGetter(u *user) getter {
	return func(attr string) (any, bool) {
		if name, ok := strings.CutPrefix(attr, "profile."); ok {
			v, ok := u.profile[name]
			return v, ok
		}
		switch attr {
		case "id":
			return u.id, true
		case "status":
			return u.status, true
		case "created":
			return oktaTime(u.created), !u.created.IsZero()
		case "activated":
			return oktaTime(u.activated), !u.activated.IsZero()
		case "statusChanged":
			return oktaTime(u.statusChanged), !u.statusChanged.IsZero()
		case "lastUpdated":
			return oktaTime(u.lastUpdated), !u.lastUpdated.IsZero()
		case "lastLogin":
			return oktaTime(u.lastLogin), !u.lastLogin.IsZero()
		case "passwordChanged":
			return oktaTime(u.passwordChanged), !u.passwordChanged.IsZero()
		}
		return nil, false
	}
}

func (s *Sim) listUserGroups(w http.ResponseWriter, r *http.Request) *apiError {
	key := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.findUser(key)
	if u == nil {
		return errNotFound(key, "User")
	}
	base := s.baseURL(r)
	out := []groupOut{}
	for _, g := range s.org.userGroups(u) {
		out = append(out, renderGroup(base, g))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// sortedKeys keeps error causes deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
