package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
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
