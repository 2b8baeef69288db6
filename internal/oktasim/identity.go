package oktasim

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strings"
	"time"
)

// factor is one enrolled MFA factor of a user (Okta's UserFactor).
type factor struct {
	id, typ, provider, vendor, status string
	created, lastUpdated              time.Time
}

// app is an application instance and who is assigned to it, directly or
// through a group; GET /users/{id}/appLinks answers from it.
type app struct {
	id, name, label string
	groups          []string // group ids assigned to the app
	users           []string // user ids assigned directly
}

// factorPrefix gives seeded factors Okta-shaped IDs derived from the
// user's ID, so seeding them draws nothing from the ID generator and the
// rest of the seeded org stays as it was.
var factorPrefix = map[string]string{"sms": "mbl", "push": "opf", "token:software:totp": "ost", "email": "emf"}

// seedIdentity enrols factors for every user who has signed in with a
// password (SMS and Okta Verify push; every third also TOTP) and gives each
// of those users one live session.
func seedIdentity(o *org) {
	for i, u := range o.userOrder {
		if u.passwordChanged.IsZero() || u.status == statusDeprovisioned || u.status == statusStaged {
			continue
		}
		types := []string{"sms", "push"}
		if i%3 == 0 {
			types = append(types, "token:software:totp")
		}
		for _, t := range types {
			u.factors = append(u.factors, newFactor(factorPrefix[t]+u.id[3:], t, u.created))
		}
		if !u.lastLogin.IsZero() {
			u.sessions = 1
		}
	}
}

// seedApps assigns the demo applications: Google Workspace to everyone,
// AWS to Engineering and IT Admins, Salesforce to Sales.
func seedApps(o *org) {
	sales := ""
	for _, g := range o.groupOrder {
		if g.name == "Sales" {
			sales = g.id
		}
	}
	o.apps = []*app{
		{id: DemoGoogleAppID, name: "google", label: "Google Workspace", groups: []string{DemoEveryoneGroupID}},
		{id: DemoAWSAppID, name: "amazon_aws", label: "AWS Console", groups: []string{DemoEngineeringGroupID, DemoITAdminsGroupID}},
		{id: DemoSalesforceAppID, name: "salesforce", label: "Salesforce.com", groups: []string{sales}},
		// The directory app the APP_GROUP is imported from (its source
		// link); nobody is assigned to it.
		{id: adAppID, name: "active_directory", label: "acme.local"},
	}
}

func newFactor(id, typ string, at time.Time) *factor {
	f := &factor{id: id, typ: typ, status: "ACTIVE", created: at, lastUpdated: at, provider: "OKTA", vendor: "OKTA"}
	if typ == "token:software:totp" {
		f.provider, f.vendor = "GOOGLE", "GOOGLE"
	}
	return f
}

// profile renders the factor's type-specific profile; it is derived from
// the ID, so large seeded orgs keep no per-factor maps.
func (f *factor) profile(login string) map[string]any {
	switch f.typ {
	case "sms":
		// E.164, as Okta stores factor phone numbers: +1 555 01xx with
		// digits derived from the id.
		h := fnv.New32a()
		h.Write([]byte(f.id))
		return map[string]any{"phoneNumber": fmt.Sprintf("+1555%07d", h.Sum32()%10000000)}
	case "push":
		return map[string]any{"credentialId": login, "deviceType": "SmartPhone_IPhone", "name": "iPhone", "platform": "IOS"}
	case "token:software:totp":
		return map[string]any{"credentialId": login}
	}
	return map[string]any{}
}

func (s *Sim) renderFactor(base string, u *user, f *factor) map[string]any {
	uid := u.id
	self := base + "/api/v1/users/" + uid + "/factors/" + f.id
	return map[string]any{"id": f.id, "factorType": f.typ, "provider": f.provider, "vendorName": f.vendor,
		"status": f.status, "created": oktaTime(f.created), "lastUpdated": oktaTime(f.lastUpdated), "profile": f.profile(u.login()),
		"_links": map[string]any{"self": map[string]any{"href": self, "hints": map[string]any{"allow": []string{"GET", "DELETE"}}},
			"user": link(base + "/api/v1/users/" + uid)}}
}

// listFactors serves GET /api/v1/users/{userId}/factors (one page, as Okta).
func (s *Sim) listFactors(w http.ResponseWriter, r *http.Request) *apiError {
	key := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.findUser(key)
	if u == nil {
		return errNotFound(key, "User")
	}
	out := make([]map[string]any, 0, len(u.factors))
	for _, f := range u.factors {
		out = append(out, s.renderFactor(s.baseURL(r), u, f))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deleteFactor serves DELETE /api/v1/users/{userId}/factors/{factorId}.
// Okta refuses to unenroll a deactivated user's factor; which error it
// sends is unconfirmed, so the documented status error stands in.
func (s *Sim) deleteFactor(w http.ResponseWriter, r *http.Request) *apiError {
	key, fid := r.PathValue("id"), r.PathValue("fid")
	s.mu.Lock()
	defer s.mu.Unlock()
	u, i, e := s.org.findFactor(key, fid)
	if e != nil {
		return e
	}
	if u.status == statusDeprovisioned {
		return errBadStatus()
	}
	f := u.factors[i]
	u.factors = append(u.factors[:i:i], u.factors[i+1:]...)
	now := s.clock()
	s.org.audit(now, "user.mfa.factor.deactivate", "Reset factor for user", userTarget(u), factorTarget(f))
	noContent(w)
	return nil
}

// findFactor finds user key's factor fid (caller holds s.mu), answering
// 404 for a missing user or factor.
func (o *org) findFactor(key, fid string) (*user, int, *apiError) {
	u := o.findUser(key)
	if u == nil {
		return nil, -1, errNotFound(key, "User")
	}
	i := factorIndex(u, fid)
	if i < 0 {
		return nil, -1, errNotFound(fid, "UserFactor")
	}
	return u, i, nil
}

func factorIndex(u *user, id string) int {
	for i, f := range u.factors {
		if f.id == id {
			return i
		}
	}
	return -1
}

func factorTarget(f *factor) map[string]any {
	return map[string]any{"id": f.id, "type": "Factor", "alternateId": "unknown", "displayName": f.typ, "detailEntry": nil}
}

// clearSessions serves DELETE /api/v1/users/{userId}/sessions: 204 whether
// or not the user had sessions.
func (s *Sim) clearSessions(w http.ResponseWriter, r *http.Request) *apiError {
	key := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.org.findUser(key)
	if u == nil {
		return errNotFound(key, "User")
	}
	u.sessions = 0
	s.endSessions(u.id) // the org's own SSO sessions too (oidcauthorize.go)
	now := s.clock()
	s.org.audit(now, "user.session.clear", "Clear user session", userTarget(u))
	if boolParam(r.URL.Query(), "oauthTokens", false) {
		u.oauthTokens = 0
		s.org.audit(now, "app.oauth2.token.revoke", "Revoke OAuth 2.0 tokens", userTarget(u))
	}
	noContent(w)
	return nil
}

// listAppLinks serves GET /api/v1/users/{id}/appLinks: one link per app the
// user is assigned, directly or through a group.
func (s *Sim) listAppLinks(w http.ResponseWriter, r *http.Request) *apiError {
	key := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org
	u := o.findUser(key)
	if u == nil {
		return errNotFound(key, "User")
	}
	in := map[string]bool{}
	for _, g := range o.userGroups(u) {
		in[g.id] = true
	}
	out := []map[string]any{}
	for i, a := range o.apps {
		assigned := false
		for _, g := range a.groups {
			assigned = assigned || in[g]
		}
		for _, id := range a.users {
			assigned = assigned || id == u.id
		}
		if !assigned {
			continue
		}
		out = append(out, map[string]any{"id": u.id, "label": a.label, "appName": a.name, "appInstanceId": a.id,
			"appAssignmentId": "0ua" + u.id[3:19] + fmt.Sprint(i), "credentialsSetup": false, "hidden": false, "sortOrder": i,
			"linkUrl": s.baseURL(r) + "/home/" + a.name + "/" + a.id + "/" + fmt.Sprint(40+i),
			"logoUrl": s.baseURL(r) + "/img/logos/" + a.name + ".png"})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// updateUser serves POST /api/v1/users/{id}: a partial update that sets the
// given profile attributes and keeps the others.
func (s *Sim) updateUser(w http.ResponseWriter, r *http.Request) *apiError {
	key := r.PathValue("id")
	var body struct {
		Profile map[string]any `json:"profile"`
	}
	if e := readJSON(r, &body); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org
	u := o.findUser(key)
	if u == nil {
		return errNotFound(key, "User")
	}
	if u.status == statusDeprovisioned {
		return errBadStatus()
	}
	keys := make([]string, 0, len(body.Profile))
	for k := range body.Profile {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !profileAttrs[k] && !o.customAttrs[k] {
			return errValidation("profile", fmt.Sprintf("Property name '%s' is not defined in profile", k))
		}
	}
	if l, ok := body.Profile["login"]; ok {
		login, _ := l.(string)
		if !isEmail(login) {
			return errValidation("login", "login: Username must be in the form of an email address")
		}
		if other := o.loginIndex[strings.ToLower(login)]; other != nil && other != u {
			return errValidation("login", "login: An object with this field already exists in the current organization")
		}
		delete(o.loginIndex, strings.ToLower(u.login()))
		o.loginIndex[strings.ToLower(login)] = u
	}
	if e, ok := body.Profile["email"]; ok {
		if s, _ := e.(string); !isEmail(s) {
			return errValidation("email", "email: Does not match required pattern")
		}
	}
	for _, k := range keys {
		u.profile[k] = body.Profile[k]
	}
	now := s.clock()
	u.lastUpdated = now
	o.audit(now, "user.account.update_profile", "Update user profile for Okta", userTarget(u))
	writeJSON(w, http.StatusOK, o.renderUser(s.baseURL(r), u, true))
	return nil
}

// Factor is a snapshot of an enrolled factor for test assertions.
type Factor struct {
	ID, Type, Provider, Status string
}

// Factors returns the factors the user with this id or login has enrolled.
func (s *Sim) Factors(idOrLogin string) []Factor {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.org.findUser(idOrLogin)
	if u == nil {
		return nil
	}
	out := []Factor{}
	for _, f := range u.factors {
		out = append(out, Factor{ID: f.id, Type: f.typ, Provider: f.provider, Status: f.status})
	}
	return out
}

// Sessions returns how many live Okta sessions the user has.
func (s *Sim) Sessions(idOrLogin string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if u := s.org.findUser(idOrLogin); u != nil {
		return u.sessions
	}
	return 0
}

// SetUserStatus puts a user into a status directly, as a sign-in or an
// admin outside the API would (LOCKED_OUT after failed sign-ins, say).
func (s *Sim) SetUserStatus(idOrLogin, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.org.findUser(idOrLogin)
	if u == nil {
		return false
	}
	s.org.setStatus(u, status, s.clock())
	return true
}

// StartSession records a sign-in: one more live session for the user.
func (s *Sim) StartSession(idOrLogin string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.org.findUser(idOrLogin)
	if u == nil {
		return false
	}
	u.sessions++
	u.oauthTokens++
	u.lastLogin = s.clock()
	return true
}
