package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// ListGroups lists groups matching filter, up to max (max <= 0: all).
func (c *Client) ListGroups(ctx context.Context, filter string, max int) ([]json.RawMessage, error) {
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	return c.List(ctx, "/groups", pageQuery(q, max, pageGroups), max)
}

// ListGroupMembers lists a group's users, up to max (max <= 0: all).
func (c *Client) ListGroupMembers(ctx context.Context, groupID string, max int) ([]json.RawMessage, error) {
	return c.List(ctx, "/groups/"+seg(groupID)+"/users", pageQuery(nil, max, pageMembers), max)
}

// AddUserToGroup adds a user to an OKTA_GROUP (204; a PUT, so repeating it
// is harmless).
func (c *Client) AddUserToGroup(ctx context.Context, groupID, userID string) error {
	_, err := c.Do(ctx, http.MethodPut, "/groups/"+seg(groupID)+"/users/"+seg(userID), nil, nil, nil)
	return err
}

// RemoveUserFromGroup removes a user from an OKTA_GROUP.
func (c *Client) RemoveUserFromGroup(ctx context.Context, groupID, userID string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/groups/"+seg(groupID)+"/users/"+seg(userID), nil, nil, nil)
	return err
}

// GroupIDsByName returns the IDs of the groups named exactly name (case
// does not matter, as in Okta's search).
func (c *Client) GroupIDsByName(ctx context.Context, name string) ([]string, error) {
	q := url.Values{"search": {`profile.name eq "` + escapeSearch(name) + `"`}}
	raw, err := c.List(ctx, "/groups", pageQuery(q, 0, pageGroups), 0)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range raw {
		var g struct {
			ID      string `json:"id"`
			Profile struct {
				Name string `json:"name"`
			} `json:"profile"`
		}
		if json.Unmarshal(r, &g) == nil && strings.EqualFold(g.Profile.Name, name) {
			ids = append(ids, g.ID)
		}
	}
	return ids, nil
}

// escapeSearch escapes a string literal for Okta's search expressions.
func escapeSearch(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// GetGroup fetches a group by ID.
func (c *Client) GetGroup(ctx context.Context, id string) (json.RawMessage, error) {
	var raw json.RawMessage
	_, err := c.Do(ctx, http.MethodGet, "/groups/"+seg(id), nil, nil, &raw)
	return raw, err
}
