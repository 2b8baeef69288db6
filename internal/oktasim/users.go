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
	RealmID         string         `json:"realmId"`
	Type            idRef          `json:"type"`
	Profile         map[string]any `json:"profile"`
	Credentials     credentialsOut `json:"credentials"`
	Links           *userLinksOut  `json:"_links"`
}

type idRef struct {
	ID string `json:"id"`
}

type credentialsOut struct {
	Password *struct{}   `json:"password,omitempty"`
	Provider providerOut `json:"provider"`
}

type providerOut struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type hrefOut struct {
	Href   string `json:"href"`
	Method string `json:"method,omitempty"`
}

// userLinksOut is a struct rather than a map: user JSON is the hottest
// answer and reflection over maps dominated its cost.
type userLinksOut struct {
	Suspend        *hrefOut `json:"suspend,omitempty"`
	Unsuspend      *hrefOut `json:"unsuspend,omitempty"`
	Unlock         *hrefOut `json:"unlock,omitempty"`
	Schema         *hrefOut `json:"schema,omitempty"`
	ResetPassword  *hrefOut `json:"resetPassword,omitempty"`
	ExpirePassword *hrefOut `json:"expirePassword,omitempty"`
	Reactivate     *hrefOut `json:"reactivate,omitempty"`
	ResetFactors   *hrefOut `json:"resetFactors,omitempty"`
	Activate       *hrefOut `json:"activate,omitempty"`
	Self           *hrefOut `json:"self"`
	Type           *hrefOut `json:"type,omitempty"`
	Deactivate     *hrefOut `json:"deactivate,omitempty"`
	Delete         *hrefOut `json:"delete,omitempty"`
}

// renderUser builds a user's JSON. Collection items carry only the self
// link, single-user answers the status-dependent links Okta sends. The
// profile map is shared, not copied: callers hold Sim.mu while encoding.
func (o *org) renderUser(base string, u *user, single bool) userOut {
	creds := credentialsOut{Provider: providerOut{Type: u.provider, Name: u.provider}}
	if u.provider == "OKTA" && !u.passwordChanged.IsZero() {
		creds.Password = &struct{}{}
	}
	self := base + "/api/v1/users/" + u.id
	links := &userLinksOut{Self: &hrefOut{Href: self}}
	if single {
		lc := self + "/lifecycle/"
		post := func(op string) *hrefOut { return &hrefOut{Href: lc + op, Method: "POST"} }
		links.Schema = &hrefOut{Href: base + "/api/v1/meta/schemas/user/osc" + o.userTypeID[3:]}
		links.Type = &hrefOut{Href: base + "/api/v1/meta/types/user/" + o.userTypeID}
		for _, name := range userLinks[u.status] {
			switch name {
			case "activate":
				links.Activate = post("activate")
			case "suspend":
				links.Suspend = post("suspend")
			case "unsuspend":
				links.Unsuspend = post("unsuspend")
			case "unlock":
				links.Unlock = post("unlock")
			case "resetPassword":
				links.ResetPassword = post("reset_password")
			case "expirePassword":
				links.ExpirePassword = post("expire_password")
			case "reactivate":
				links.Reactivate = post("reactivate")
			case "deactivate":
				links.Deactivate = post("deactivate")
			case "delete":
				links.Delete = &hrefOut{Href: self, Method: "DELETE"}
			}
		}
		// The reference says "present only if the user is currently
		// enrolled in one or more MFA factors", but every recorded
		// single-user answer of an org that sends realmId carries it, for
		// STAGED and DEPROVISIONED users with no factors too
		// (recordings/TestAccResourceOktaUser_statusDeprovisioned).
		links.ResetFactors = post("reset_factors")
	}
	return userOut{
		ID: u.id, Status: u.status, Created: oktaTime(u.created), Activated: oktaTime(u.activated),
		StatusChanged: oktaTime(u.statusChanged), LastLogin: oktaTime(u.lastLogin),
		LastUpdated: oktaTime(u.lastUpdated), PasswordChanged: oktaTime(u.passwordChanged), RealmID: o.realmID,
		Type: idRef{ID: o.userTypeID}, Profile: u.profile, Credentials: creds, Links: links,
	}
}

// userLinks lists the lifecycle links per status (from recorded responses
// where available, Okta's documentation otherwise). A link is advertised
// only where the operation it names succeeds: suspend only on ACTIVE users
// ("This operation can only be performed on users with an ACTIVE status";
// recorded PROVISIONED answers advertise suspend all the same, a link an
// SDK following it would see refused).
var userLinks = map[string][]string{
	statusStaged:        {"activate"},
	statusProvisioned:   {"resetPassword", "reactivate", "deactivate"},
	statusActive:        {"suspend", "resetPassword", "expirePassword", "deactivate"},
	statusRecovery:      {"resetPassword", "deactivate"},
	statusPwExpired:     {"resetPassword", "deactivate"},
	statusLockedOut:     {"unlock", "resetPassword", "deactivate"},
	statusSuspended:     {"unsuspend", "deactivate"},
	statusDeprovisioned: {"activate", "delete"},
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
	srt, e := parseSort(q)
	if e != nil {
		return e
	}
	proj, e := parseFields(q.Get("fields"))
	if e != nil {
		return e
	}
	l := s.userListing()
	if proj != nil {
		l.render = func(base string, u *user) any { return proj.apply(s.org.renderUser(base, u, false)) }
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if srt != nil {
		return writeSortedPage(s, w, r, s.org.userOrder, match, userGetter, srt, limit, l)
	}
	after := int64(0)
	if query != "" {
		l.noNext = true // q is one page; after is not a q parameter
	} else if after, e = s.org.afterCursor(q); e != nil {
		return e
	}
	writePage(s, w, r, s.org.userOrder, match, after, limit, l)
	return nil
}

// userListing renders users as lists show them (no embedded details).
func (s *Sim) userListing() listing[*user] {
	return listing[*user]{
		seq:    func(u *user) int64 { return u.seq },
		id:     func(u *user) string { return u.id },
		render: func(base string, u *user) any { return s.org.renderUser(base, u, false) },
	}
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
