package oktasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
)

type createUserRequest struct {
	Profile     map[string]any `json:"profile"`
	Credentials *struct {
		Password *struct {
			Value string `json:"value"`
		} `json:"password"`
		Provider *struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"provider"`
	} `json:"credentials"`
	GroupIDs []string `json:"groupIds"`
}

// createUser serves POST /api/v1/users. Okta answers 200 (not 201).
func (s *Sim) createUser(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	var req createUserRequest
	if e := readJSON(r, &req); e != nil {
		return e
	}
	activate := boolParam(q, "activate", true)
	hasPassword := req.Credentials != nil && req.Credentials.Password != nil && req.Credentials.Password.Value != ""
	provider := "OKTA"
	if boolParam(q, "provider", false) {
		provider = "FEDERATION"
	}
	if req.Credentials != nil && req.Credentials.Provider != nil && req.Credentials.Provider.Type != "" {
		provider = strings.ToUpper(req.Credentials.Provider.Type)
	}
	if q.Get("nextLogin") == "changePassword" {
		if !activate {
			return &apiError{status: 400, code: "E0000125", summary: `Could not create user. To create a user and expire their password immediately, "activate" must be true`,
				causes: []string{`Could not create user. To create a user and expire their password immediately, "activate" must be true`}}
		}
		if !hasPassword {
			return &apiError{status: 400, code: "E0000124", summary: "Could not create user. To create a user and expire their password immediately, a password must be specified",
				causes: []string{"Could not create user. To create a user and expire their password immediately, a password must be specified"}}
		}
	}
	if len(req.GroupIDs) > 20 {
		return errTooManyGroups()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org
	if e := validateProfile(req.Profile, o.customAttrs); e != nil {
		return e
	}
	login, _ := req.Profile["login"].(string)
	if o.loginIndex[strings.ToLower(login)] != nil {
		return errValidation("login", "login: An object with this field already exists in the current organization")
	}
	var groups []*group
	for _, gid := range req.GroupIDs {
		g := o.groups[gid]
		switch {
		case g == nil:
			// Okta's answer for an unknown group id here is unconfirmed.
			return errNotFound(gid, "UserGroup")
		case g.typ == groupApp:
			return errForbidden()
		case g.typ == groupOkta:
			groups = append(groups, g)
		}
	}

	now := s.clock()
	u := &user{id: o.ids.object("00u"), status: statusStaged, created: now, lastUpdated: now,
		profile: map[string]any{}, provider: provider}
	for k, v := range req.Profile {
		u.profile[k] = v
	}
	if hasPassword {
		u.passwordChanged = now
	}
	if activate {
		u.status, u.activated, u.statusChanged = statusProvisioned, now, now
		if hasPassword || provider != "OKTA" {
			u.status = statusActive
		}
	}
	o.addUser(u)
	o.audit(now, "user.lifecycle.create", "Create Okta user", userTarget(u))
	if activate {
		o.audit(now, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
	}
	for _, g := range groups {
		o.addMember(g, u, now)
		o.audit(now, "group.user_membership.add", "Add user to group membership", userTarget(u), groupTarget(g))
	}
	writeJSON(w, http.StatusOK, o.renderUser(s.baseURL(r), u, true))
	return nil
}

// validateProfile reproduces Okta's create-user validation: blank required
// fields first (all causes at once, summary naming the first field), then
// attributes the schema does not define.
func validateProfile(p map[string]any, custom map[string]bool) *apiError {
	var causes []string
	first := ""
	add := func(field, msg string) {
		if first == "" {
			first = field
		}
		causes = append(causes, field+": "+msg)
	}
	str := func(k string) string { v, _ := p[k].(string); return strings.TrimSpace(v) }
	for _, f := range []string{"login", "firstName", "lastName", "email"} {
		if str(f) == "" {
			add(f, "The field cannot be left blank")
		}
	}
	if l := str("login"); l == "" || !isEmail(l) {
		add("login", "Username must be in the form of an email address")
	}
	if e := str("email"); e != "" && !isEmail(e) {
		add("email", "Does not match required pattern")
	}
	if len(causes) > 0 {
		return errValidation(first, causes...)
	}
	for _, k := range sortedKeys(p) {
		if !profileAttrs[k] && !custom[k] {
			return errValidation("newUser", fmt.Sprintf("Property name '%s' is not defined in profile", k))
		}
	}
	return nil
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

// deleteUser follows Okta's two-step delete: the first DELETE of a user who
// is not DEPROVISIONED deactivates them, the next one deletes; both answer 204.
func (s *Sim) deleteUser(w http.ResponseWriter, r *http.Request) *apiError {
	key := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org
	u := o.findUser(key)
	if u == nil || key == "me" {
		return errNotFound(key, "User")
	}
	now := s.clock()
	if u.status != statusDeprovisioned {
		o.deactivate(u, now)
	} else {
		o.removeUser(u)
		o.audit(now, "user.lifecycle.delete.initiated", "Delete Okta user", userTarget(u))
	}
	noContent(w)
	return nil
}

// getOrg serves GET /api/v1/org, an alternative connection test.
func (s *Sim) getOrg(w http.ResponseWriter, r *http.Request) *apiError {
	base := s.baseURL(r)
	s.mu.RLock()
	defer s.mu.RUnlock()
	// The org's birth, not the token owner's: the owner may be deleted.
	created := s.org.born
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "00o1simorg0000000x7", "companyName": "Acme Corp", "subdomain": "acme", "status": "ACTIVE",
		"created": oktaTime(created), "lastUpdated": oktaTime(created), "expiresAt": nil,
		"website": "https://acme.com", "phoneNumber": "+1-555-0100", "address1": "1 Market St",
		"city": "San Francisco", "state": "CA", "country": "United States", "postalCode": "94105",
		"_links": map[string]any{"self": link(base + "/api/v1/org")},
	})
	return nil
}

// jsonClone deep-copies JSON-shaped values for snapshots.
func jsonClone[T any](v T) T {
	b, _ := json.Marshal(v)
	var out T
	_ = json.Unmarshal(b, &out)
	return out
}
