package oktasim

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
)

// Resources the simulator serves because its own answers link to them: a
// client that follows an advertised link (Okta's SDKs do) never meets a 404.

// groupLogoPath is where every group's _links.logo points, as on Okta's
// own domain (a public static asset: no token needed).
const groupLogoPath = "/img/logos/groups/"

var groupLogos = map[string]int{"okta-medium.png": 64, "okta-large.png": 128}

// serveGroupLogo answers the two group logo sizes with a plain square PNG
// (a few hundred bytes, encoded per request).
func serveGroupLogo(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, groupLogoPath)
	size, ok := groupLogos[name]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	img := image.NewUniform(color.NRGBA{R: 0x00, G: 0x7d, B: 0xc1, A: 0xff}) // Okta blue
	var buf bytes.Buffer
	_ = png.Encode(&buf, &boundedImage{img, image.Rect(0, 0, size, size)})
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(buf.Bytes())
	}
}

// boundedImage gives a uniform colour a size.
type boundedImage struct {
	*image.Uniform
	bounds image.Rectangle
}

func (b *boundedImage) Bounds() image.Rectangle { return b.bounds }

// getFactor serves GET /api/v1/users/{userId}/factors/{factorId}, the
// factor's advertised self link.
func (s *Sim) getFactor(w http.ResponseWriter, r *http.Request) *apiError {
	key, fid := r.PathValue("id"), r.PathValue("fid")
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, i, e := s.org.findFactor(key, fid)
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, s.renderFactor(s.baseURL(r), u, u.factors[i]))
	return nil
}

// adAppID is the demo APP_GROUP's source app.
const adAppID = "0oaadsim0ad0app00x7"

// getApp serves GET /api/v1/apps/{appId}, the target of an APP_GROUP's
// source link.
func (s *Sim) getApp(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, a := range s.org.apps {
		if a.id == id {
			writeJSON(w, http.StatusOK, s.org.renderApp(s.baseURL(r), a))
			return nil
		}
	}
	return errNotFound(id, "AppInstance")
}

// listGroupApps serves GET /api/v1/groups/{groupId}/apps, the group's
// advertised apps link: the apps assigned to the group, paged by app id
// (default 20, as the spec).
func (s *Sim) listGroupApps(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	q := r.URL.Query()
	limit, e := parseLimit(q, 20, 200)
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org
	if o.groups[id] == nil {
		return errNotFound(id, "UserGroup")
	}
	var assigned []*app
	for _, a := range o.apps {
		for _, g := range a.groups {
			if g == id {
				assigned = append(assigned, a)
				break
			}
		}
	}
	start := 0
	if after := q.Get("after"); after != "" {
		start = -1
		for i, a := range assigned {
			if a.id == after {
				start = i + 1
			}
		}
		if start < 0 {
			return errPaging()
		}
	}
	pg := assigned[start:]
	next := ""
	if len(pg) > limit {
		pg = pg[:limit]
		next = pg[limit-1].id
	}
	s.setLinks(w, r, next)
	base := s.baseURL(r)
	out := make([]any, 0, len(pg))
	for _, a := range pg {
		out = append(out, o.renderApp(base, a))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// renderApp renders an assigned app as Okta's Application object. The demo
// apps are SAML apps; the sim keeps no per-app settings beyond the label.
func (o *org) renderApp(base string, a *app) map[string]any {
	self := base + "/api/v1/apps/" + a.id
	born := oktaTime(o.born)
	return map[string]any{"id": a.id, "name": a.name, "label": a.label, "status": "ACTIVE",
		"created": born, "lastUpdated": born, "signOnMode": "SAML_2_0", "features": []string{},
		"accessibility": map[string]any{"selfService": false, "errorRedirectUrl": nil, "loginRedirectUrl": nil},
		"visibility": map[string]any{"autoLaunch": false, "autoSubmitToolbar": false,
			"hide": map[string]any{"iOS": false, "web": false}, "appLinks": map[string]any{a.name + "_link": true}},
		"credentials": map[string]any{"signing": map[string]any{}, "userNameTemplate": map[string]any{
			"template": "${source.login}", "type": "BUILT_IN"}},
		"settings": map[string]any{"app": map[string]any{}},
		"_links": map[string]any{"self": link(self), "users": link(self + "/users"), "groups": link(self + "/groups"),
			"deactivate": link(self + "/lifecycle/deactivate")}}
}
