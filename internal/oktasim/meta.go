package oktasim

import (
	"net/http"
	"sort"
	"time"
)

// A single user's answer links its user type and profile schema; the
// simulator serves both so that it advertises only links it serves. The org
// has one user type, the default.

// getUserType serves GET /api/v1/meta/types/user/{typeId}.
func (s *Sim) getUserType(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org
	if id != o.userTypeID && id != "default" {
		return errNotFound(id, "UserType")
	}
	base := s.baseURL(r)
	born := o.userTypeBorn()
	writeJSON(w, http.StatusOK, map[string]any{"id": o.userTypeID, "name": "user", "displayName": "User",
		"description": "Okta user profile template with default permission settings", "default": true,
		"created": oktaTime(born), "lastUpdated": oktaTime(born), "createdBy": o.meID, "lastUpdatedBy": o.meID,
		"_links": map[string]any{"self": link(base + "/api/v1/meta/types/user/" + o.userTypeID),
			"schema": link(base + "/api/v1/meta/schemas/user/osc" + o.userTypeID[3:])}})
	return nil
}

// getUserSchema serves GET /api/v1/meta/schemas/user/{schemaId}: the base
// attributes the simulator accepts and any custom ones added to the org.
func (s *Sim) getUserSchema(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org
	if id != "osc"+o.userTypeID[3:] && id != "default" {
		return errNotFound(id, "UserSchema")
	}
	prop := func(name string) map[string]any {
		return map[string]any{"title": name, "type": "string", "mutability": "READ_WRITE", "scope": "NONE"}
	}
	baseProps := map[string]any{}
	for name := range profileAttrs {
		baseProps[name] = prop(name)
	}
	custom := make([]string, 0, len(o.customAttrs))
	for name := range o.customAttrs {
		custom = append(custom, name)
	}
	sort.Strings(custom)
	customProps := map[string]any{}
	for _, name := range custom {
		customProps[name] = prop(name)
	}
	self := s.baseURL(r) + "/api/v1/meta/schemas/user/osc" + o.userTypeID[3:]
	born := o.userTypeBorn()
	writeJSON(w, http.StatusOK, map[string]any{"id": self, "$schema": "http://json-schema.org/draft-04/schema#",
		"name": "user", "title": "User", "description": "Okta user profile template", "type": "object",
		"created": oktaTime(born), "lastUpdated": oktaTime(born),
		"definitions": map[string]any{
			"base":   map[string]any{"id": "#base", "type": "object", "properties": baseProps, "required": []string{"login", "firstName", "lastName", "email"}},
			"custom": map[string]any{"id": "#custom", "type": "object", "properties": customProps, "required": []string{}},
		},
		"properties": map[string]any{"profile": map[string]any{"allOf": []any{
			map[string]any{"$ref": "#/definitions/custom"}, map[string]any{"$ref": "#/definitions/base"}}}},
		"_links": map[string]any{"self": link(self)}})
	return nil
}

// userTypeBorn is when the org's user type was created: with the org.
func (o *org) userTypeBorn() time.Time { return o.born }
